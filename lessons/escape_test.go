package lessons

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"

	"ftplab/sim"
)

// TestWriteNarratedEscapes: `lesson FILE --headless` on a lesson whose
// title, intro, question, choices, explanation and narration hold escape
// sequences (clipboard, title, hyperlink, colour, screen clear) prints no
// control byte; each shows as text.
func TestWriteNarratedEscapes(t *testing.T) {
	src, err := os.ReadFile("testdata/hostile-escapes.md")
	if err != nil {
		t.Fatal(err)
	}
	l, err := Parse("hostile-escapes.md", src)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sim.Run(context.Background(), l.Scenario, sim.Options{Title: l.Title})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteNarrated(&b, l, s.Events); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if i := strings.IndexFunc(out, func(r rune) bool { return r < 0x20 && r != '\n' || r == 0x7f }); i >= 0 {
		t.Errorf("control byte %q at %d in:\n%s", out[i], i, out)
	}
	for _, want := range []string{
		`Escapes \x1b]0;owned\x07 everywhere`,
		`Intro \x1b]52;c;aGk=\x07 with a clear \x1b[2J and a second line.`, // a paragraph, reflowed as Markdown
		`? Who dials? \x1b]52;c;aGk=\x07`,
		`1. The client \x1b[31m`,
		`2. The server \x1b]8;;http://evil.example/\x1b\x\x1b]8;;\x1b\`,
		`answer: 2. Because \x1b[2J`,
		`| The client listens \x1b]8;;http://evil.example/\x1b\click`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
}
