package tui

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"ftplab/sim/trace"
)

// TestProgramThroughTeatest drives the real Bubble Tea program on a live
// lesson: the stage draws, End lets the paced run through to its result,
// and q quits.
func TestProgramThroughTeatest(t *testing.T) {
	s, err := LiveLesson(context.Background(), "active-client-firewall")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	tm := teatest.NewTestModel(t, NewPlayer(s, Options{NoColor: true, Width: 100, Height: 30}), teatest.WithInitialTermSize(100, 30))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("client")) },
		teatest.WithDuration(5*time.Second))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnd})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("result: failed")) },
		teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Player)
	last := final.s.Events[len(final.s.Events)-1]
	if last.Kind != trace.Result || final.i != len(final.s.Events)-1 {
		t.Errorf("after End the player should stand on the result; at %d of %d, last %s", final.i, len(final.s.Events), last.Kind)
	}
	if !strings.Contains(final.Render(), "425 Failed to establish connection.") {
		t.Errorf("final screen lacks the 425:\n%s", final.Render())
	}
}

func TestGoldenHelpAndMidway(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		p := NewPlayer(lesson(t, "active"), Options{NoColor: true, Width: size[0], Height: size[1]})
		seekTo(p, func(e trace.Event) bool { return e.Kind == trace.Segment && strings.HasPrefix(e.Text, "PORT ") })
		golden(t, "active-port-"+itoa(size), screen(t, p))
		press(p, "?")
		golden(t, "help-"+itoa(size), screen(t, p))
	}
}

func itoa(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }
