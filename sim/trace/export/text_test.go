package export

import (
	"bytes"
	"strings"
	"testing"

	"ftplab/sim/trace"
)

// TestTextEscapesTraceFields: a trace with escape sequences in every field
// (title, hosts, boxes, rules, control lines, verdicts, notes, an unknown
// kind) prints without one control byte, each shown as text, and a CR LF
// inside a reply cannot start a forged line.
func TestTextEscapesTraceFields(t *testing.T) {
	tr, err := trace.ReadFile("../testdata/hostile-escapes.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Text(&b, tr); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if i := strings.IndexFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }); i >= 0 {
		t.Errorf("control byte %q at %d in:\n%q", out[i], i, out)
	}
	for _, want := range []string{
		`ftplab hostile\x1b]0;owned\x07 - Escapes \x1b]52;c;aGk=\x07 in every field`,
		`fw\x1b]8;;http://evil.example/\x1b\click`,
		`server: 220 \x1b]52;c;aGk=\x07\x1b]0;owned\x07\x1b[2J\x1b[Hhello`,
		`server: 331 \x1b[31mok\r\n230 forged`,
		`odd\x1b]0;owned\x07 [control\x1b[31m #1]`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
	if n := strings.Count(out, "\n"); n != 1+2+2+1+len(tr.Events) {
		t.Errorf("%d lines, want one per header line and event:\n%s", n, out)
	}
	// The trace itself stays as it was read.
	if !strings.Contains(tr.Events[4].Text, "\x1b]52;") {
		t.Error("Text changed the trace it printed")
	}
}
