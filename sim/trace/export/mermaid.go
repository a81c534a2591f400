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
	d := &diagram{bw: bw, ids: map[string]string{}, drawn: map[int]int64{}, hosts: t.Header.Topology.Hosts}
	fmt.Fprintln(bw, "sequenceDiagram")
	if len(d.hosts) == 0 {
		d.hosts = []trace.Host{{Name: "client"}, {Name: "server"}}
	}
	d.participant(d.hosts[0].Name, strings.TrimSpace(d.hosts[0].Name+" "+d.hosts[0].Addr))
	for _, b := range t.Header.Topology.Boxes {
		d.participant(b.Name, b.Name)
	}
	for _, h := range d.hosts[1:] {
		d.participant(h.Name, strings.TrimSpace(h.Name+" "+h.Addr))
	}
	for _, e := range t.Events {
		c := d.fold.Conn(e.Conn) // the connection as it stood before e
		d.fold.Apply(e)
		d.event(e, c)
	}
	for _, c := range d.fold.Conns { // bytes after the last close, or never closed
		d.flushData(c)
	}
}

// diagram is a sequence diagram being drawn: its participants, and the
// connections as the events so far tell them.
type diagram struct {
	bw    *strings.Builder
	ids   map[string]string // participant name -> P0, P1...
	hosts []trace.Host
	fold  trace.Fold
	drawn map[int]int64 // a data connection's bytes already drawn
}

func (d *diagram) participant(name, label string) {
	id := fmt.Sprintf("P%d", len(d.ids))
	d.ids[name] = id
	fmt.Fprintf(d.bw, "    participant %s as %s\n", id, mermaidText(label))
}

// id is a participant's id; a name the topology did not list joins.
func (d *diagram) id(name string) string {
	if v, ok := d.ids[name]; ok {
		return v
	}
	d.participant(name, name)
	return d.ids[name]
}

// other is the host at the far end from host.
func (d *diagram) other(host string) string {
	for _, h := range d.hosts {
		if h.Name != host {
			return h.Name
		}
	}
	return host
}

func (d *diagram) line(format string, args ...any) { fmt.Fprintf(d.bw, "    "+format+"\n", args...) }

// flushData draws a data connection's bytes since the last drawing as one
// message, when it ends.
func (d *diagram) flushData(c *trace.Conn) {
	if c == nil || c.Channel != trace.Data {
		return
	}
	if n := c.Bytes - d.drawn[c.ID]; n > 0 {
		d.line("%s->>%s: %d bytes of data", d.id(c.Sender), d.id(d.other(c.Sender)), n)
	}
	d.drawn[c.ID] = c.Bytes
}

// event draws one event; c is its connection as it stood before it.
func (d *diagram) event(e trace.Event, c *trace.Conn) {
	ch := mermaidText(string(e.Channel))
	switch e.Kind {
	case trace.Segment:
		if e.Channel != trace.Control {
			return
		}
		text := e.Text
		if text == "" {
			text = fmt.Sprintf("(%d encrypted bytes)", e.Bytes)
		}
		arrow := "->>"
		if e.Host == "server" {
			arrow = "-->>"
		}
		d.line("%s%s%s: %s", d.id(e.Host), arrow, d.id(d.other(e.Host)), mermaidText(text))
	case trace.Verdict:
		if e.Verdict == "accept" {
			return
		}
		to := e.To
		if c != nil {
			to = c.To
		}
		d.line("%s-x%s: SYN %s %s", d.id(e.Host), d.id(e.Box), ch, mermaidText(to))
		d.line("Note over %s: %s by %s", d.id(e.Box), mermaidText(strings.ToUpper(e.Verdict)), mermaidText(e.Rule))
	case trace.Connected:
		d.line("%s->>%s: %s connection %s", d.id(e.Host), d.id(d.other(e.Host)), ch, mermaidText(e.From+" to "+e.To))
	case trace.Timeout:
		if c == nil {
			return
		}
		if _, _, blocked := c.Blocked(); !blocked {
			d.line("%s-x%s: SYN %s %s", d.id(e.Host), d.id(d.other(e.Host)), ch, mermaidText(e.To))
		}
		d.line("Note over %s: gives up after %s, %d SYNs unanswered", d.id(e.Host), trace.Seconds(e.T-c.Opened), c.Attempts+1)
	case trace.Refused:
		if c == nil {
			return
		}
		if _, _, blocked := c.Blocked(); !blocked {
			d.line("%s-x%s: SYN %s refused", d.id(e.Host), d.id(d.other(e.Host)), ch)
		}
	case trace.NAT:
		d.line("Note over %s: translates %s to %s", d.id(e.Box), mermaidText(e.Before), mermaidText(e.After))
	case trace.Close, trace.Reset:
		d.flushData(c)
		if e.Kind == trace.Reset {
			who := e.Host
			if who == "" {
				who = d.hosts[0].Name
			}
			d.line("Note over %s: %s connection reset", d.id(who), ch)
		}
	case trace.Rewrite:
		d.line("Note over %s: rewrites %s to %s", d.id(e.Box), mermaidText(e.Before), mermaidText(e.After))
	case trace.Blind:
		d.line("Note over %s: blind (TLS)", d.id(e.Box))
	case trace.Ignore:
		d.line("Note over %s: ignores %s", d.id(e.Box), mermaidText(e.Text))
	case trace.Result:
		d.line("Note over %s,%s: result %s", d.id(d.hosts[0].Name), d.id(d.hosts[len(d.hosts)-1].Name), mermaidText(e.Verdict+": "+e.Text))
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
