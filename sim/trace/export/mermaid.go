package export

import (
	"bufio"
	"fmt"
	"ftplab/sim/trace"
	"io"
	"strings"
)

// Mermaid writes a Mermaid sequenceDiagram: the hosts and boxes as
// participants, control lines as messages, data dials as arrows (a dropped
// or refused one ends in an x at the box that stopped it), verdicts,
// rewrites and timeouts as notes.
//
// Mermaid refuses diagrams over 50,000 characters (its maxTextSize, the
// same on GitHub and mermaid.live); a longer session keeps its beginning
// and end, with a note saying how many messages are left out between.
func Mermaid(w io.Writer, t trace.Trace) error {
	var body strings.Builder
	mermaidBody(&body, t)
	return writeWithin(w, body.String(), MermaidLimit)
}

// MermaidLimit is Mermaid's default maxTextSize.
const MermaidLimit = 50000

// writeWithin writes the diagram, or, when it is over limit characters,
// its first lines and its last, with a note in the middle.
func writeWithin(w io.Writer, diagram string, limit int) error {
	bw := bufio.NewWriter(w)
	if len(diagram) <= limit {
		bw.WriteString(diagram)
		return bw.Flush()
	}
	lines := strings.SplitAfter(strings.TrimSuffix(diagram, "\n"), "\n")
	head := 1 // "sequenceDiagram", then the participants: always kept
	for head < len(lines) && strings.HasPrefix(lines[head], "    participant ") {
		head++
	}
	budget := limit - 200 // room for the note
	for _, l := range lines[:head] {
		budget -= len(l)
	}
	// Three quarters of the room for the beginning, the rest for the end.
	first, size := head, 0
	for first < len(lines) && size+len(lines[first]) <= budget*3/4 {
		size += len(lines[first])
		first++
	}
	last := len(lines)
	for last > first && size+len(lines[last-1]) <= budget {
		size += len(lines[last-1])
		last--
	}
	for _, l := range lines[:first] {
		bw.WriteString(l)
	}
	p0, pn := participantID(lines[1]), participantID(lines[head-1])
	fmt.Fprintf(bw, "    Note over %s,%s: %d more messages left out here (Mermaid draws at most %d characters)#59; ftplab export --format text has them all\n", p0, pn, last-first, limit)
	for _, l := range lines[last:] {
		bw.WriteString(l)
	}
	return bw.Flush()
}

// participantID reads "    participant P0 as ..." -> "P0".
func participantID(line string) string {
	f := strings.Fields(line)
	if len(f) >= 2 {
		return f[1]
	}
	return "P0"
}

func mermaidBody(bw *strings.Builder, t trace.Trace) {
	ids := map[string]string{}
	fmt.Fprintln(bw, "sequenceDiagram")
	participant := func(name, label string) {
		id := fmt.Sprintf("P%d", len(ids))
		ids[name] = id
		fmt.Fprintf(bw, "    participant %s as %s\n", id, mermaidText(label))
	}
	hosts := t.Header.Topology.Hosts
	if len(hosts) == 0 {
		hosts = []trace.Host{{Name: "client"}, {Name: "server"}}
	}
	participant(hosts[0].Name, strings.TrimSpace(hosts[0].Name+" "+hosts[0].Addr))
	for _, b := range t.Header.Topology.Boxes {
		participant(b.Name, b.Name)
	}
	for _, h := range hosts[1:] {
		participant(h.Name, strings.TrimSpace(h.Name+" "+h.Addr))
	}
	id := func(name string) string {
		if v, ok := ids[name]; ok {
			return v
		}
		participant(name, name)
		return ids[name]
	}
	other := func(host string) string {
		for _, h := range hosts {
			if h.Name != host {
				return h.Name
			}
		}
		return host
	}
	fold := &trace.Fold{}
	drawn := map[int]int64{} // a data connection's bytes already drawn
	// flushData draws a data connection's bytes since the last drawing as
	// one message, when it ends.
	flushData := func(c *trace.Conn) {
		if c == nil || c.Channel != trace.Data {
			return
		}
		if n := c.Bytes - drawn[c.ID]; n > 0 {
			fmt.Fprintf(bw, "    %s->>%s: %d bytes of data\n", id(c.Sender), id(other(c.Sender)), n)
		}
		drawn[c.ID] = c.Bytes
	}
	for _, e := range t.Events {
		c := fold.Conn(e.Conn) // the connection as it stood before e
		fold.Apply(e)
		switch e.Kind {
		case trace.Segment:
			if e.Channel != trace.Control {
				continue
			}
			text := e.Text
			if text == "" {
				text = fmt.Sprintf("(%d encrypted bytes)", e.Bytes)
			}
			arrow := "->>"
			if e.Host == "server" {
				arrow = "-->>"
			}
			fmt.Fprintf(bw, "    %s%s%s: %s\n", id(e.Host), arrow, id(other(e.Host)), mermaidText(text))
		case trace.Verdict:
			if e.Verdict != "accept" {
				to := e.To
				if c != nil {
					to = c.To
				}
				fmt.Fprintf(bw, "    %s-x%s: SYN %s %s\n", id(e.Host), id(e.Box), mermaidText(string(e.Channel)), mermaidText(to))
				fmt.Fprintf(bw, "    Note over %s: %s by %s\n", id(e.Box), mermaidText(strings.ToUpper(e.Verdict)), mermaidText(e.Rule))
			}
		case trace.Connected:
			fmt.Fprintf(bw, "    %s->>%s: %s connection %s\n", id(e.Host), id(other(e.Host)), mermaidText(string(e.Channel)), mermaidText(e.From+" to "+e.To))
		case trace.Timeout:
			if c == nil {
				continue
			}
			if _, _, blocked := c.Blocked(); !blocked {
				fmt.Fprintf(bw, "    %s-x%s: SYN %s %s\n", id(e.Host), id(other(e.Host)), mermaidText(string(e.Channel)), mermaidText(e.To))
			}
			fmt.Fprintf(bw, "    Note over %s: gives up after %s, %d SYNs unanswered\n", id(e.Host), trace.Seconds(e.T-c.Opened), c.Attempts+1)
		case trace.Refused:
			if c == nil {
				continue
			}
			if _, _, blocked := c.Blocked(); !blocked {
				fmt.Fprintf(bw, "    %s-x%s: SYN %s refused\n", id(e.Host), id(other(e.Host)), mermaidText(string(e.Channel)))
			}
		case trace.NAT:
			fmt.Fprintf(bw, "    Note over %s: translates %s to %s\n", id(e.Box), mermaidText(e.Before), mermaidText(e.After))
		case trace.Close, trace.Reset:
			flushData(c)
			if e.Kind == trace.Reset {
				who := e.Host
				if who == "" {
					who = hosts[0].Name
				}
				fmt.Fprintf(bw, "    Note over %s: %s connection reset\n", id(who), mermaidText(string(e.Channel)))
			}
		case trace.Rewrite:
			fmt.Fprintf(bw, "    Note over %s: rewrites %s to %s\n", id(e.Box), mermaidText(e.Before), mermaidText(e.After))
		case trace.Blind:
			fmt.Fprintf(bw, "    Note over %s: blind (TLS)\n", id(e.Box))
		case trace.Ignore:
			fmt.Fprintf(bw, "    Note over %s: ignores %s\n", id(e.Box), mermaidText(e.Text))
		case trace.Result:
			fmt.Fprintf(bw, "    Note over %s,%s: result %s\n", id(hosts[0].Name), id(hosts[len(hosts)-1].Name), mermaidText(e.Verdict+": "+e.Text))
		}
	}
	for _, c := range fold.Conns { // bytes after the last close, or never closed
		flushData(c)
	}
}

// mermaidText escapes what Mermaid would read as syntax in message text,
// and keeps what it would trim: leading spaces (FEAT's and a multi-line
// banner's continuation lines) become no-break spaces, #160;. Control
// characters become their codes; a line break, a space.
func mermaidText(s string) string {
	lead := len(s) - len(strings.TrimLeft(s, " "))
	var b strings.Builder
	b.WriteString(strings.Repeat("#160;", lead))
	for _, r := range s[lead:] {
		switch {
		case r == '\n':
			b.WriteByte(' ')
		case r == '\r':
		case strings.ContainsRune("#;%<>:{}", r) || r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, "#%d;", r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
