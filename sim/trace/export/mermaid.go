package export

import (
	"bufio"
	"fmt"
	"ftplab/sim/trace"
	"io"
	"maps"
	"slices"
	"strings"
)

// Mermaid writes a Mermaid sequenceDiagram: the hosts and boxes as
// participants, control lines as messages, data dials as arrows (a dropped
// or refused one ends in an x at the box that stopped it), verdicts,
// rewrites and timeouts as notes.
func Mermaid(w io.Writer, t trace.Trace) error {
	bw := bufio.NewWriter(w)
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
	synTo := map[int]string{}
	synAt := map[int]int64{}
	syns := map[int]int{}
	blocker := map[int]string{}
	dataBytes := map[int]int64{}
	dataFrom := map[int]string{}
	// flushData draws a data connection's bytes as one message when it ends.
	flushData := func(conn int) {
		if n := dataBytes[conn]; n > 0 {
			fmt.Fprintf(bw, "    %s->>%s: %d bytes of data\n", id(dataFrom[conn]), id(other(dataFrom[conn])), n)
		}
		delete(dataBytes, conn)
	}
	for _, e := range t.Events {
		switch e.Kind {
		case trace.Segment:
			if e.Channel == trace.Data {
				dataBytes[e.Conn] += e.Bytes
				dataFrom[e.Conn] = e.Host
				continue
			}
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
		case trace.SYN:
			synTo[e.Conn], synAt[e.Conn], syns[e.Conn] = e.To, e.T, 1
		case trace.Retransmit:
			syns[e.Conn]++
		case trace.Verdict:
			if e.Verdict != "accept" {
				blocker[e.Conn] = e.Box
				fmt.Fprintf(bw, "    %s-x%s: SYN %s %s\n", id(e.Host), id(e.Box), e.Channel, mermaidText(synTo[e.Conn]))
				fmt.Fprintf(bw, "    Note over %s: %s by %s\n", id(e.Box), strings.ToUpper(e.Verdict), mermaidText(e.Rule))
			}
		case trace.Connected:
			fmt.Fprintf(bw, "    %s->>%s: %s connection %s\n", id(e.Host), id(other(e.Host)), e.Channel, mermaidText(e.From+" to "+e.To))
		case trace.Timeout:
			target := other(e.Host)
			if b := blocker[e.Conn]; b != "" {
				target = b
			} else {
				fmt.Fprintf(bw, "    %s-x%s: SYN %s %s\n", id(e.Host), id(target), e.Channel, mermaidText(e.To))
			}
			fmt.Fprintf(bw, "    Note over %s: gives up after %s, %d SYNs unanswered\n", id(e.Host), trace.Seconds(e.T-synAt[e.Conn]), syns[e.Conn])
		case trace.Refused:
			if blocker[e.Conn] == "" {
				fmt.Fprintf(bw, "    %s-x%s: SYN %s refused\n", id(e.Host), id(other(e.Host)), e.Channel)
			}
		case trace.NAT:
			fmt.Fprintf(bw, "    Note over %s: translates %s to %s\n", id(e.Box), mermaidText(e.Before), mermaidText(e.After))
		case trace.Close, trace.Reset:
			flushData(e.Conn)
			if e.Kind == trace.Reset {
				who := e.Host
				if who == "" {
					who = hosts[0].Name
				}
				fmt.Fprintf(bw, "    Note over %s: %s connection reset\n", id(who), e.Channel)
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
	for _, conn := range slices.Sorted(maps.Keys(dataBytes)) { // never closed
		flushData(conn)
	}
	return bw.Flush()
}

// mermaidText escapes what Mermaid would read as syntax in message text.
func mermaidText(s string) string {
	r := strings.NewReplacer("#", "#35;", ";", "#59;", "\n", " ", "\r", "", "%", "#37;", "<", "#lt;", ">", "#gt;", ":", "#58;")
	return r.Replace(s)
}
