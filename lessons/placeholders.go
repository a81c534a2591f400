package lessons

import (
	"fmt"
	"iter"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

// placeholders are the {names} narration may use, filled from event i of
// the view.
var placeholders = map[string]func(v *view, i int) string{
	"host":    func(v *view, i int) string { return v.evs[i].Host },
	"from":    func(v *view, i int) string { return v.from(i) },
	"to":      func(v *view, i int) string { return v.to(i) },
	"box":     func(v *view, i int) string { return v.evs[i].Box },
	"rule":    func(v *view, i int) string { return v.evs[i].Rule },
	"state":   func(v *view, i int) string { return v.evs[i].State },
	"verdict": func(v *view, i int) string { return v.evs[i].Verdict },
	"text":    func(v *view, i int) string { return v.evs[i].Text },
	"before":  func(v *view, i int) string { return v.evs[i].Before },
	"after":   func(v *view, i int) string { return v.evs[i].After },
	"attempt": func(v *view, i int) string { return fmt.Sprint(v.evs[i].Attempt + 1) },
	"time":    func(v *view, i int) string { return fmt.Sprintf("%.1f s", float64(v.evs[i].T)/1e6) },
	"bytes":   func(v *view, i int) string { return carried(v, i) },
	"err":     func(v *view, i int) string { return v.evs[i].Err },

	// A control line in parts: "PORT 192,0,2,10,7,209" is {command} PORT
	// and {arg} 192,0,2,10,7,209; "200 PORT command successful." is {code}
	// 200 and {reply} "PORT command successful.". On a reply, {command} is
	// the command it answers.
	"command": func(v *view, i int) string { return command(v, i) },
	"arg":     func(v *view, i int) string { return arg(v.evs[i]) },
	"code":    func(v *view, i int) string { c, _ := replyParts(v.evs[i]); return c },
	"reply":   func(v *view, i int) string { _, r := replyParts(v.evs[i]); return r },

	// The address a PORT, EPRT, 227 or 229 announces (on a rewrite, the
	// rewritten one; {before_addr} is the original), decoded.
	"addr":        func(v *view, i int) string { return announced(v, i, false).addr },
	"ip":          func(v *view, i int) string { return announced(v, i, false).ip },
	"port":        func(v *view, i int) string { return announced(v, i, false).port },
	"port_math":   func(v *view, i int) string { return announced(v, i, false).math },
	"before_addr": func(v *view, i int) string { return announced(v, i, true).addr },

	// A dial's timing, from the run (so from the scenario's syn_schedule):
	// {wait} since this connection's previous SYN, {since} since its first,
	// {schedule} every retransmission so far, after the first SYN.
	"wait":     func(v *view, i int) string { return synTiming(v, i, "wait") },
	"since":    func(v *view, i int) string { return synTiming(v, i, "since") },
	"schedule": func(v *view, i int) string { return synTiming(v, i, "schedule") },
	// {syn_schedule} names the scenario's syn_schedule in words.
	"syn_schedule": func(v *view, i int) string { return v.syn },
}

// carried is the event's byte count or, on a close or reset, what its
// connection carried so far ("" when nothing).
func carried(v *view, i int) string {
	e := v.evs[i]
	n := e.Bytes
	if n == 0 && (e.Kind == trace.Close || e.Kind == trace.Reset) && e.Conn > 0 {
		for k := 0; k < i; k++ {
			if x := v.evs[k]; x.Kind == trace.Segment && x.Conn == e.Conn {
				n += x.Bytes
			}
		}
	}
	if n == 0 {
		return ""
	}
	return fmt.Sprint(n)
}

// synTiming reads when this event's connection sent its SYNs, up to i.
func synTiming(v *view, i int, what string) string {
	e := v.evs[i]
	if e.Conn == 0 {
		return ""
	}
	var at []int64
	for k := 0; k <= i; k++ {
		if x := v.evs[k]; x.Conn == e.Conn && (x.Kind == trace.SYN || x.Kind == trace.Retransmit) {
			at = append(at, x.T)
		}
	}
	if len(at) == 0 {
		return ""
	}
	switch what {
	case "wait":
		if e.Kind != trace.Retransmit || len(at) < 2 {
			return ""
		}
		return seconds(at[len(at)-1] - at[len(at)-2])
	case "since":
		return seconds(e.T - at[0])
	}
	var out []string
	for _, t := range at[1:] {
		out = append(out, strings.TrimSuffix(seconds(t-at[0]), " s"))
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, ", ") + " s"
}

// seconds writes virtual microseconds as "1 s", "0.5 s", "75 s".
func seconds(us int64) string {
	ms := (us + 500) / 1000
	s := strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
	return s + " s"
}

func placeholderList() string {
	names := make([]string, 0, len(placeholders))
	for n := range placeholders {
		names = append(names, "{"+n+"}")
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}

func command(v *view, i int) string {
	if e := v.evs[i]; isCommand(e) {
		verb, _, _ := strings.Cut(e.Text, " ")
		return strings.ToUpper(verb)
	}
	if isReply(v.evs[i]) {
		return v.facts[i].lastCmd
	}
	return ""
}

func arg(e trace.Event) string {
	if !isCommand(e) {
		return ""
	}
	_, a, _ := strings.Cut(e.Text, " ")
	return a
}

func replyParts(e trace.Event) (code, text string) {
	if !isReply(e) {
		return "", ""
	}
	return e.Text[:3], strings.TrimSpace(e.Text[3:])
}

type announcement struct{ addr, ip, port, math string }

// announced decodes the data address in event i's control line (or, on a
// rewrite, in the line after it, or before it), with the same parsers the
// endpoints use. A 229 names only a port: the host is the one the client
// dialed for the control connection.
func announced(v *view, i int, before bool) announcement {
	e := v.evs[i]
	line := ""
	switch {
	case e.Kind == trace.Rewrite && before:
		line = e.Before
	case e.Kind == trace.Rewrite:
		line = e.After
	case before:
		return announcement{}
	case isCommand(e) || isReply(e):
		line = e.Text
	}
	an, ok, err := ftp.ParseAnnouncement(line)
	if !ok || err != nil {
		return announcement{}
	}
	ap := an.Addr
	if an.Verb == "229" { // the port only: the client dials the control connection's server
		host, herr := netip.ParseAddrPort(v.ends[e.Conn][1])
		if herr != nil {
			return announcement{port: fmt.Sprint(ap.Port()), math: fmt.Sprint(ap.Port())}
		}
		ap = netip.AddrPortFrom(host.Addr(), ap.Port())
	}
	pair := an.Pair() // h1,h2,h3,h4,p1,p2: the port is p1*256+p2
	a := announcement{addr: ap.String(), ip: ap.Addr().String(), port: fmt.Sprint(ap.Port()), math: fmt.Sprint(ap.Port())}
	if pair {
		a.math = fmt.Sprintf("%d*256+%d = %d", ap.Port()>>8, ap.Port()&0xff, ap.Port())
	}
	return a
}

// markdownEscaper keeps a value literal in narration Markdown: "7*256+209"
// must not start an emphasis.
var markdownEscaper = strings.NewReplacer(`\`, `\\`, "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "<", `\<`)

// fill replaces {name} by event i's value, escaped for Markdown.
func fill(text string, v *view, i int) string {
	var b strings.Builder
	done := 0
	for br := range braced(text) {
		f, ok := placeholders[br.name]
		if !ok {
			continue
		}
		b.WriteString(text[done:br.start])
		b.WriteString(markdownEscaper.Replace(f(v, i)))
		done = br.end
	}
	b.WriteString(text[done:])
	return b.String()
}

// unknownPlaceholders lists {names} that are not placeholders.
func unknownPlaceholders(text string) []string {
	var out []string
	for br := range braced(text) {
		if !br.known {
			out = append(out, text[br.start:br.end])
		}
	}
	return out
}

// brace is one {name} in a text: text[start:end] is "{name}".
type brace struct {
	name       string
	start, end int
	known      bool // name is a placeholder
}

// braced yields each {name} in text, left to right.
func braced(text string) iter.Seq[brace] {
	return func(yield func(brace) bool) {
		for at := 0; ; {
			i := strings.IndexByte(text[at:], '{')
			if i < 0 {
				return
			}
			j := strings.IndexByte(text[at+i:], '}')
			if j < 0 {
				return
			}
			br := brace{name: text[at+i+1 : at+i+j], start: at + i, end: at + i + j + 1}
			_, br.known = placeholders[br.name]
			if !yield(br) {
				return
			}
			at = br.end
		}
	}
}
