package trace_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

// TestMermaidStaysUnderTheLimit: a session whose diagram would pass
// Mermaid's 50,000 characters keeps its beginning and end, says what it
// left out, and is still a valid diagram.
func TestMermaidStaysUnderTheLimit(t *testing.T) {
	tr := loadFixture(t, "passive-list-get")
	end := tr.Events[len(tr.Events)-1]
	body := tr.Events[:len(tr.Events)-1]
	for i := range 3000 {
		e := trace.Event{Kind: trace.Segment, Conn: 1, Channel: trace.Control, Host: "client", From: "192.0.2.10:2000", To: "198.51.100.21:21", Text: fmt.Sprintf("NOOP %d", i), Bytes: 11}
		body = append(body, e)
	}
	tr.Events = append(body, end)
	for i := range tr.Events {
		tr.Events[i].Seq = i
	}
	var b bytes.Buffer
	if err := export.Mermaid(&b, tr); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if len(out) > export.MermaidLimit {
		t.Fatalf("%d characters, over Mermaid's %d", len(out), export.MermaidLimit)
	}
	checkMermaid(t, out)
	for _, want := range []string{"USER anonymous", "more messages left out here", "NOOP 2999", "result"} {
		if !strings.Contains(out, want) {
			t.Errorf("the diagram lacks %q", want)
		}
	}
}

// TestMermaidEscapesEveryField: leading spaces survive, and no field can
// end a statement, start a comment or inject markup.
func TestMermaidEscapesEveryField(t *testing.T) {
	hostile := "a;b#c%%d<br>e:f{g}\nh\x01"
	tr := trace.Trace{Header: trace.Header{Topology: trace.Topology{
		Hosts: []trace.Host{{Name: "client", Addr: "192.0.2.10;x"}, {Name: "server", Addr: "198.51.100.21"}},
		Boxes: []trace.Box{{Name: "client-fw%%", Kind: "firewall", Side: "client"}}}}}
	tr.Events = []trace.Event{
		{Kind: trace.Segment, Conn: 1, Channel: trace.Control, Host: "server", Text: " EPSV", Bytes: 7},
		{Kind: trace.Segment, Conn: 1, Channel: trace.Control, Host: "server", Text: "   ", Bytes: 5},
		{Kind: trace.SYN, Conn: 2, Channel: trace.Channel(hostile), Host: "server", To: hostile},
		{Kind: trace.Verdict, Conn: 2, Channel: trace.Channel(hostile), Host: "server", Box: "client-fw%%", Verdict: hostile, Rule: hostile},
		{Kind: trace.Connected, Conn: 3, Channel: trace.Channel(hostile), Host: "client", From: hostile, To: hostile},
		{Kind: trace.Refused, Conn: 4, Channel: trace.Channel(hostile), Host: "client"},
		{Kind: trace.Timeout, Conn: 5, Channel: trace.Channel(hostile), Host: "client", To: hostile},
		{Kind: trace.NAT, Box: "client-fw%%", Before: hostile, After: hostile},
		{Kind: trace.Rewrite, Box: "client-fw%%", Before: hostile, After: hostile},
		{Kind: trace.Reset, Conn: 3, Channel: trace.Channel(hostile), Host: "client"},
		{Kind: trace.Result, Verdict: hostile, Text: hostile},
	}
	var b bytes.Buffer
	if err := export.Mermaid(&b, tr); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	checkMermaid(t, out)
	for _, bad := range []string{"%%", "<br>", "{", "}", "\x01", "a;b"} {
		if strings.Contains(out, bad) {
			t.Errorf("raw %q in the diagram:\n%s", bad, out)
		}
	}
	if !strings.Contains(out, ": #160;EPSV\n") || !strings.Contains(out, ": #160;#160;#160;\n") {
		t.Errorf("leading spaces lost:\n%s", out)
	}
}
