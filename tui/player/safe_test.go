package player

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/sim/trace"
)

// injected finds, raw on a screen, any of the sequences the hostile
// fixtures carry: OSC (hyperlinks, clipboard, title), the colour red, a
// screen clear, cursor moves, a bell, a carriage return, a C1 CSI. The
// player's own styling is SGR only, and never these.
func injected(screen string) string {
	for _, bad := range []string{"\x1b]", "\x1b[31m", "\x1b[2J", "\x1b[H", "\x1b[1A", "\x1b\\", "\x07", "\r", "\u009b"} {
		if i := strings.Index(screen, bad); i >= 0 {
			return fmt.Sprintf("%q at %d: %q", bad, i, screen[max(0, i-20):min(len(screen), i+40)])
		}
	}
	return ""
}

// TestPlayerEscapesTraceText: a trace (recorded, edited or imported from a
// capture) with escape sequences in every field is shown with each one
// as text, at every step and size.
func TestPlayerEscapesTraceText(t *testing.T) {
	tr, err := trace.ReadFile("../../sim/trace/testdata/hostile-escapes.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		p := sized(Session{Header: tr.Header, Events: tr.Events}, Options{NoColor: true}, size[0], size[1])
		press(p, "i", "e") // the inspector and the event list quote every field too
		var all strings.Builder
		for i := range tr.Events {
			p.step(i - p.tr.i)
			screen := p.Render()
			if bad := injected(screen); bad != "" {
				t.Fatalf("%dx%d step %d: %s", size[0], size[1], i, bad)
			}
			all.WriteString(screen)
		}
		for _, want := range []string{`\x1b]52;c;aGk=`, `\x1b]8;;http://evil.example/`, `\x1b[31m`} {
			if !strings.Contains(all.String(), want) {
				t.Errorf("%dx%d: %s is never shown as text", size[0], size[1], want)
			}
		}
	}
	if !strings.Contains(tr.Header.Title, "\x1b]52") || !strings.Contains(tr.Events[4].Text, "\x1b]52") {
		t.Error("the player changed the trace it was given")
	}
}

// TestPlayerEscapesLessonText: a lesson file's question, choices,
// explanation and narration reach the player's screen as text.
func TestPlayerEscapesLessonText(t *testing.T) {
	src, err := os.ReadFile("../../lessons/testdata/hostile-escapes.md")
	if err != nil {
		t.Fatal(err)
	}
	l, err := lessons.Parse("hostile-escapes.md", src)
	if err != nil {
		t.Fatal(err)
	}
	run, err := sim.Run(context.Background(), l.Scenario, sim.Options{Title: l.Title})
	if err != nil {
		t.Fatal(err)
	}
	s := Session{Header: run.Header, Events: run.Events, Guide: lessonGuide{l}}
	p := sized(s, Options{NoColor: true}, 120, 40)
	var all strings.Builder
	for steps := 0; steps < 3*len(s.Events); steps++ {
		screen := p.Render()
		if bad := injected(screen); bad != "" {
			t.Fatalf("step %d: %s", p.tr.i, bad)
		}
		all.WriteString(screen)
		if p.q.asking != nil && p.q.answered == 0 {
			press(p, "2")
		} else {
			press(p, "right")
		}
	}
	for _, want := range []string{`Who dials? \x1b]52;c;aGk=`, `The client \x1b[31m`, `Because \x1b[2J`, `listens \x1b]8;;http://evil.example/`} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("%s is never shown", want)
		}
	}
}
