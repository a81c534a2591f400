package tui

import (
	"bytes"
	"context"
	"ftplab/internal/play"
	"ftplab/tui/player"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"
)

// TestProgramThroughTeatest drives the real Bubble Tea program on a live
// lesson: the stage draws, End lets the paced run through to its result,
// and q quits.
func TestProgramThroughTeatest(t *testing.T) {
	s, err := play.Lesson(context.Background(), "active-client-firewall")
	if err != nil {
		t.Fatal(err)
	}
	tm := teatest.NewTestModel(t, NewApp(player.New(s, opts)), teatest.WithInitialTermSize(100, 30))
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("client")) },
		teatest.WithDuration(5*time.Second))
	// End runs the lesson on, and stops at its question: skipping ahead
	// never skips one. Answered, End goes on to the result.
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnd})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("press 1-")) },
		teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyPressMsg{Code: '2', Text: "2"})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyRight})
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnd})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("result: failed")) },
		teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := screen(tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*App))
	if !atEnd(final) || !strings.Contains(final, "result: failed") {
		t.Errorf("after End the player should stand on the result:\n%s", final)
	}
	if !strings.Contains(final, "425 Failed to establish connection.") {
		t.Errorf("final screen lacks the 425:\n%s", final)
	}
}
