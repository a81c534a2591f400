package trace

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

// ExportMermaid writes a Mermaid sequenceDiagram: the hosts and boxes as
// participants, control lines as messages, data dials as arrows (a dropped
// or refused one ends in an x at the box that stopped it), verdicts,
// rewrites and timeouts as notes.
func ExportMermaid(w io.Writer, t Trace) error {
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
		hosts = []Host{{Name: "client"}, {Name: "server"}}
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
	blocker := map[int]string{}
	for _, e := range t.Events {
		switch e.Kind {
		case Segment:
			if e.Channel != Control {
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
		case SYN:
			synTo[e.Conn] = e.To
		case Verdict:
			if e.Verdict != "accept" {
				blocker[e.Conn] = e.Box
				fmt.Fprintf(bw, "    %s-x%s: SYN %s %s\n", id(e.Host), id(e.Box), e.Channel, mermaidText(synTo[e.Conn]))
				fmt.Fprintf(bw, "    Note over %s: %s by %s\n", id(e.Box), strings.ToUpper(e.Verdict), mermaidText(e.Rule))
			}
		case Connected:
			fmt.Fprintf(bw, "    %s->>%s: %s connection %s\n", id(e.Host), id(other(e.Host)), e.Channel, mermaidText(e.From+" to "+e.To))
		case Timeout:
			target := other(e.Host)
			if b := blocker[e.Conn]; b != "" {
				target = b
			} else {
				fmt.Fprintf(bw, "    %s-x%s: SYN %s %s\n", id(e.Host), id(target), e.Channel, mermaidText(e.To))
			}
			fmt.Fprintf(bw, "    Note over %s: gives up after %s (no answer)\n", id(e.Host), Seconds(e.T))
		case Refused:
			if blocker[e.Conn] == "" {
				fmt.Fprintf(bw, "    %s-x%s: SYN %s refused\n", id(e.Host), id(other(e.Host)), e.Channel)
			}
		case Rewrite:
			fmt.Fprintf(bw, "    Note over %s: rewrites %s to %s\n", id(e.Box), mermaidText(e.Before), mermaidText(e.After))
		case Blind:
			fmt.Fprintf(bw, "    Note over %s: blind (TLS)\n", id(e.Box))
		case Result:
			fmt.Fprintf(bw, "    Note over %s,%s: result %s\n", id(hosts[0].Name), id(hosts[len(hosts)-1].Name), mermaidText(e.Verdict+": "+e.Text))
		}
	}
	return bw.Flush()
}

// mermaidText escapes what Mermaid would read as syntax in message text.
func mermaidText(s string) string {
	r := strings.NewReplacer("#", "#35;", ";", "#59;", "\n", " ", "\r", "", "%", "#37;", "<", "#lt;", ">", "#gt;", ":", "#58;")
	return r.Replace(s)
}
