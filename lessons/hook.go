package lessons

import (
	"fmt"
	"strconv"
	"strings"

	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

// hook is a parsed "on ..." condition: which events a section or a
// prediction is about. The kind and its arguments say what happened; the
// qualifiers (channel, nth data connection, port, after) say on which
// connection, so a hook can mean the data connection and not the control
// one that comes first.
type hook struct {
	kind string // start, end, command, reply, syn, connected, verdict, ...
	arg  string // VERB, CODE, accept|drop|reject, ok|failed
	who  string // optional host or box

	channel trace.Channel // control or data; "" for either
	nth     int           // the nth data connection (1-based); 0 for any
	port    int           // an endpoint's port; 0 for any
	after   string        // the last command before the event (e.g. PORT)
}

// qualified tells whether the hook names the connection it means.
func (h hook) qualified() bool {
	return h.channel != "" || h.nth > 0 || h.port > 0 || h.after != ""
}

// hookKinds lists every hook and its own arguments, for the checker and the
// authoring guide. Every hook also takes the qualifiers in qualifierUsage.
var hookKinds = map[string]string{
	"start":       "",
	"end":         "",
	"listen":      "[client|server]",
	"command":     "VERB",
	"reply":       "CODE",
	"syn":         "[client|server]",
	"connected":   "[client|server]",
	"verdict":     "accept|drop|reject [BOX]",
	"retransmit":  "",
	"timeout":     "",
	"refused":     "",
	"nat":         "[BOX]",
	"expect":      "[BOX]",
	"expect-used": "[BOX]",
	"ignore":      "[BOX]",
	"rewrite":     "[BOX]",
	"blind":       "[BOX]",
	"close":       "",
	"reset":       "",
	"note":        "",
	"result":      "ok|failed",
}

const qualifierUsage = "[control|data [N]] [port N] [after VERB]"

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
	errUsage := fmt.Errorf("hook %q: want %q", s, strings.Join(strings.Fields(f[0]+" "+args+" "+qualifierUsage), " "))
	// Qualifiers may stand anywhere after the kind; the rest are the kind's
	// own arguments, in order. A verb comes first and may itself read like
	// a qualifier ("command PORT").
	var rest []string
	k0 := 1
	if (f[0] == "command" || f[0] == "reply") && len(f) > 1 {
		rest, k0 = append(rest, f[1]), 2
	}
	rest, err := h.takeQualifiers(f[k0:], rest, s, errUsage)
	if err != nil {
		return hook{}, err
	}
	if !h.takeArgs(rest) || (h.nth > 0 && h.channel != trace.Data) {
		return hook{}, errUsage
	}
	return h, nil
}

// takeQualifiers reads the qualifiers among f into h and returns the other
// words after rest, the kind's own arguments.
func (h *hook) takeQualifiers(f, rest []string, s string, errUsage error) ([]string, error) {
	for k := 0; k < len(f); k++ {
		switch f[k] {
		case "control", "data":
			if h.channel != "" {
				return nil, errUsage
			}
			h.channel = trace.Channel(f[k])
			if f[k] == "data" && k+1 < len(f) {
				if n, err := strconv.Atoi(f[k+1]); err == nil {
					if n < 1 {
						return nil, fmt.Errorf("hook %q: data connections count from 1", s)
					}
					h.nth = n
					k++
				}
			}
		case "port":
			if h.port != 0 || k+1 >= len(f) {
				return nil, errUsage
			}
			n, err := strconv.Atoi(f[k+1])
			if err != nil || n < 1 || n > 65535 {
				return nil, fmt.Errorf("hook %q: port %q is not 1-65535", s, f[k+1])
			}
			h.port = n
			k++
		case "after":
			if h.after != "" || k+1 >= len(f) {
				return nil, errUsage
			}
			h.after = strings.ToUpper(f[k+1])
			k++
		default:
			rest = append(rest, f[k])
		}
	}
	return rest, nil
}

// takeArgs reads the kind's own arguments into h; false when they are not
// what the kind takes.
func (h *hook) takeArgs(rest []string) bool {
	switch h.kind {
	case "start", "end", "retransmit", "timeout", "refused", "note", "close", "reset":
		return len(rest) == 0
	case "command", "reply":
		if len(rest) != 1 {
			return false
		}
		h.arg = strings.ToUpper(rest[0])
		return h.kind == "command" || (len(h.arg) == 3 && strings.Trim(h.arg, "0123456789") == "")
	case "syn", "connected", "listen":
		if len(rest) > 1 || (len(rest) == 1 && rest[0] != "client" && rest[0] != "server") {
			return false
		}
	case "verdict":
		if len(rest) < 1 || len(rest) > 2 || (rest[0] != "accept" && rest[0] != "drop" && rest[0] != "reject") {
			return false
		}
		h.arg, rest = rest[0], rest[1:]
	case "result":
		if len(rest) != 1 || (rest[0] != "ok" && rest[0] != "failed") {
			return false
		}
		h.arg = rest[0]
		return true
	default: // nat, expect, expect-used, ignore, rewrite, blind: optional box
		if len(rest) > 1 {
			return false
		}
	}
	if len(rest) == 1 {
		h.who = rest[0]
	}
	return true
}

func hookList() string {
	return "start, end, listen, command VERB, reply CODE, syn, connected, verdict, retransmit, timeout, refused, nat, expect, expect-used, ignore, rewrite, blind, close, reset, note, result"
}

// matches tells whether event i is one this hook is about. It reads only
// events up to i, so a live lesson narrates the same as a finished one.
func (h hook) matches(i int, v *view) bool {
	e := v.evs[i]
	if !h.kindMatches(i, e) {
		return false
	}
	f := v.facts[i]
	if h.channel != "" && f.channel != h.channel {
		return false
	}
	if h.nth > 0 && f.dataN != h.nth {
		return false
	}
	if h.after != "" && f.lastCmd != h.after {
		return false
	}
	if h.port > 0 && !v.hasPort(i, h.port) {
		return false
	}
	return true
}

func (h hook) kindMatches(i int, e trace.Event) bool {
	switch h.kind {
	case "start":
		return i == 0
	case "end":
		return e.Kind == trace.Result
	case "listen":
		return e.Kind == trace.Listen && (h.who == "" || e.Host == h.who)
	case "command":
		return isCommand(e) && verbIs(e.Text, h.arg)
	case "reply":
		return isReply(e) && e.Text[:3] == h.arg
	case "syn", "connected":
		k := trace.SYN
		if h.kind == "connected" {
			k = trace.Connected
		}
		return e.Kind == k && (h.who == "" || e.Host == h.who)
	case "verdict":
		return e.Kind == trace.Verdict && e.Verdict == h.arg && (h.who == "" || e.Box == h.who)
	case "retransmit":
		return e.Kind == trace.Retransmit
	case "timeout":
		return e.Kind == trace.Timeout
	case "refused":
		return e.Kind == trace.Refused
	case "close":
		return e.Kind == trace.Close
	case "reset":
		return e.Kind == trace.Reset
	case "note":
		return e.Kind == trace.Note
	case "result":
		return e.Kind == trace.Result && e.Verdict == h.arg
	}
	// nat, expect, expect-used, ignore, rewrite, blind
	return string(e.Kind) == h.kind && (h.who == "" || e.Box == h.who || e.Host == h.who)
}

func isCommand(e trace.Event) bool {
	return e.Kind == trace.Segment && e.Channel == trace.Control && e.Host == "client" && e.Text != ""
}

// isReply: a server's control line that is a reply line ("227 ...",
// "211-..."), not the continuation line of a multi-line reply.
func isReply(e trace.Event) bool {
	if e.Kind != trace.Segment || e.Channel != trace.Control || e.Host != "server" {
		return false
	}
	_, _, ok := ftp.ParseReplyLine(e.Text)
	return ok
}

func verbIs(text, verb string) bool {
	v, _, _ := strings.Cut(text, " ")
	return strings.EqualFold(v, verb)
}
