package lessons

import (
	"fmt"
	"strings"

	"ftplab/sim/trace"
)

// hook is a parsed "on ..." condition: which events a section or a
// prediction is about.
type hook struct {
	kind string // start, end, command, reply, syn, connected, verdict, ...
	arg  string // VERB, CODE, data|control, accept|drop|reject, ok|failed
	who  string // optional host or box
}

// hookKinds lists every hook and what its arguments may be, for the checker
// and the authoring guide.
var hookKinds = map[string]string{
	"start":       "",
	"end":         "",
	"listen":      "[client|server]",
	"command":     "VERB",
	"reply":       "CODE",
	"syn":         "data|control [client|server]",
	"connected":   "data|control [client|server]",
	"verdict":     "accept|drop|reject [BOX]",
	"retransmit":  "",
	"timeout":     "",
	"refused":     "",
	"nat":         "[BOX]",
	"expect":      "[BOX]",
	"expect-used": "[BOX]",
	"rewrite":     "[BOX]",
	"blind":       "[BOX]",
	"close":       "[data|control]",
	"reset":       "[data|control]",
	"note":        "",
	"result":      "ok|failed",
}

func parseHook(s string) (hook, error) {
	f := strings.Fields(strings.ToLower(s))
	if len(f) == 0 {
		return hook{}, fmt.Errorf("empty hook")
	}
	args, ok := hookKinds[f[0]]
	if !ok {
		return hook{}, fmt.Errorf("unknown hook %q (want one of: %s)", s, hookList())
	}
	h := hook{kind: f[0]}
	rest := f[1:]
	bad := func() (hook, error) {
		return hook{}, fmt.Errorf("hook %q: want %q", s, strings.TrimSpace(f[0]+" "+args))
	}
	switch f[0] {
	case "start", "end", "retransmit", "timeout", "refused", "note":
		if len(rest) != 0 {
			return bad()
		}
	case "command", "reply":
		if len(rest) != 1 {
			return bad()
		}
		h.arg = strings.ToUpper(rest[0])
		if f[0] == "reply" && (len(h.arg) != 3 || strings.Trim(h.arg, "0123456789") != "") {
			return bad()
		}
	case "syn", "connected":
		if len(rest) < 1 || len(rest) > 2 || (rest[0] != "data" && rest[0] != "control") {
			return bad()
		}
		h.arg = rest[0]
		if len(rest) == 2 {
			if rest[1] != "client" && rest[1] != "server" {
				return bad()
			}
			h.who = rest[1]
		}
	case "verdict":
		if len(rest) < 1 || len(rest) > 2 || (rest[0] != "accept" && rest[0] != "drop" && rest[0] != "reject") {
			return bad()
		}
		h.arg = rest[0]
		if len(rest) == 2 {
			h.who = rest[1]
		}
	case "result":
		if len(rest) != 1 || (rest[0] != "ok" && rest[0] != "failed") {
			return bad()
		}
		h.arg = rest[0]
	case "close", "reset":
		if len(rest) > 1 || (len(rest) == 1 && rest[0] != "data" && rest[0] != "control") {
			return bad()
		}
		if len(rest) == 1 {
			h.arg = rest[0]
		}
	default: // listen, nat, expect, expect-used, rewrite, blind: optional host or box
		if len(rest) > 1 {
			return bad()
		}
		if len(rest) == 1 {
			h.who = rest[0]
		}
	}
	return h, nil
}

func hookList() string {
	return "start, end, listen, command VERB, reply CODE, syn, connected, verdict, retransmit, timeout, refused, nat, expect, expect-used, rewrite, blind, close, reset, note, result"
}

// matches tells whether event i of evs is one this hook is about.
func (h hook) matches(i int, evs []trace.Event) bool {
	e := evs[i]
	switch h.kind {
	case "start":
		return i == 0
	case "end":
		return e.Kind == trace.Result
	case "listen":
		return e.Kind == trace.Listen && (h.who == "" || e.Host == h.who)
	case "command":
		return e.Kind == trace.Segment && e.Channel == trace.Control && e.Host == "client" && verbIs(e.Text, h.arg)
	case "reply":
		return e.Kind == trace.Segment && e.Channel == trace.Control && e.Host == "server" && strings.HasPrefix(e.Text, h.arg) &&
			(len(e.Text) == 3 || e.Text[3] == ' ')
	case "syn", "connected":
		k := trace.SYN
		if h.kind == "connected" {
			k = trace.Connected
		}
		return e.Kind == k && string(e.Channel) == h.arg && (h.who == "" || e.Host == h.who)
	case "verdict":
		return e.Kind == trace.Verdict && e.Verdict == h.arg && (h.who == "" || e.Box == h.who)
	case "retransmit":
		return e.Kind == trace.Retransmit
	case "timeout":
		return e.Kind == trace.Timeout
	case "refused":
		return e.Kind == trace.Refused
	case "close", "reset":
		k := trace.Close
		if h.kind == "reset" {
			k = trace.Reset
		}
		return e.Kind == k && (h.arg == "" || string(e.Channel) == h.arg)
	case "note":
		return e.Kind == trace.Note
	case "result":
		return e.Kind == trace.Result && e.Verdict == h.arg
	}
	// nat, expect, expect-used, rewrite, blind
	return string(e.Kind) == h.kind && (h.who == "" || e.Box == h.who || e.Host == h.who)
}

func verbIs(text, verb string) bool {
	v, _, _ := strings.Cut(text, " ")
	return strings.EqualFold(v, verb)
}

// placeholders are the {names} narration may use, filled from the event.
var placeholders = map[string]func(e trace.Event) string{
	"host":    func(e trace.Event) string { return e.Host },
	"from":    func(e trace.Event) string { return e.From },
	"to":      func(e trace.Event) string { return e.To },
	"box":     func(e trace.Event) string { return e.Box },
	"rule":    func(e trace.Event) string { return e.Rule },
	"state":   func(e trace.Event) string { return e.State },
	"verdict": func(e trace.Event) string { return e.Verdict },
	"text":    func(e trace.Event) string { return e.Text },
	"before":  func(e trace.Event) string { return e.Before },
	"after":   func(e trace.Event) string { return e.After },
	"attempt": func(e trace.Event) string { return fmt.Sprint(e.Attempt + 1) },
	"time":    func(e trace.Event) string { return fmt.Sprintf("%.1f s", float64(e.T)/1e6) },
	"bytes":   func(e trace.Event) string { return fmt.Sprint(e.Bytes) },
	"err":     func(e trace.Event) string { return e.Err },
}

// fill replaces {name} by the event's value.
func fill(text string, e trace.Event) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			b.WriteString(text)
			return b.String()
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			b.WriteString(text)
			return b.String()
		}
		name := text[i+1 : i+j]
		b.WriteString(text[:i])
		if f, ok := placeholders[name]; ok {
			b.WriteString(f(e))
		} else {
			b.WriteString(text[i : i+j+1])
		}
		text = text[i+j+1:]
	}
}

// unknownPlaceholders lists {names} that are not placeholders.
func unknownPlaceholders(text string) []string {
	var out []string
	for {
		i := strings.IndexByte(text, '{')
		if i < 0 {
			return out
		}
		j := strings.IndexByte(text[i:], '}')
		if j < 0 {
			return out
		}
		if _, ok := placeholders[text[i+1:i+j]]; !ok {
			out = append(out, text[i:i+j+1])
		}
		text = text[i+j+1:]
	}
}
