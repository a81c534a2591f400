package tui

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"ftplab/internal/play"
	"ftplab/sim/scenario"
	"ftplab/tui/player"
)

func typeLine(t *testing.T, a *App, line string) {
	t.Helper()
	for _, r := range line {
		send(t, a, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
}

// TestSandboxShowsTheListing: `ls` in the sandbox shows the lines the
// server's listing held, from the step the data connection closes on, and
// not a step before: what has not arrived is not shown.
func TestSandboxShowsTheListing(t *testing.T) {
	r := &recorder{}
	sb := NewSandbox(r.run, opts)
	a := NewApp(sb)
	send(t, a, tea.WindowSizeMsg{Width: 100, Height: 30})
	sb.input.SetValue("ls; get hello.txt") // typing is the other tests' (each key waits for the cursor's blink)
	send(t, a, keyMsg("enter"))
	if len(r.last.Received) != 2 {
		t.Fatalf("the run received %+v, want the listing and the get", r.last.Received)
	}
	listed := 0 // the step of the close: At counts every event, the player steps past the transport's own
	for _, e := range r.last.Events[:r.last.Received[0].At] {
		if !e.Kind.Transport() {
			listed++
		}
	}
	for step := 1; step <= listed; step++ { // up to the close, one before it
		s := screen(a)
		if strings.Contains(s, "ftp        4134 ") || strings.Contains(s, " hello.txt\n") {
			t.Fatalf("step %d shows the listing before its data connection closed (event %d):\n%s", step, listed+1, s)
		}
		if step == listed && !strings.Contains(s, "  ls  (65 bytes so far on data 1: whole when the server closes it)") {
			t.Errorf("with the bytes on the wire, the pane should say they are on their way:\n%s", s)
		}
		send(t, a, keyMsg("right"))
	}
	s := screen(a)
	if !strings.Contains(s, "step "+itoa(listed+1)+"/") || !strings.Contains(s, "── what the client received") ||
		!strings.Contains(s, "  ls  (65 bytes on data 1)") || !strings.Contains(s, "ftp        4134 ") || !strings.Contains(s, " hello.txt\n") {
		t.Fatalf("at the data connection's close the listing's line should show:\n%s", s)
	}
	if strings.Contains(s, "get hello.txt  (") {
		t.Errorf("the get's line shows before the get ran:\n%s", s)
	}
	send(t, a, keyMsg("G"))
	if s := screen(a); !strings.Contains(s, "4134 bytes received, sha256 4c605b02fdbc46d2…: the same as the server's hello.txt") {
		t.Errorf("at the end the get's size and sha256 should show:\n%s", s)
	}
	send(t, a, keyMsg("g"))
	if s := screen(a); strings.Contains(s, "what the client received") {
		t.Errorf("back at the start nothing has been received:\n%s", s)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

// TestSandboxListingThroughTeatest: the real program, typed into like a
// learner: `ls`, enter, End, and the listing is on the terminal.
func TestSandboxListingThroughTeatest(t *testing.T) {
	tm := teatest.NewTestModel(t, NewApp(NewSandbox(play.Sandbox(context.Background()), opts)), teatest.WithInitialTermSize(100, 30))
	tm.Type("ls")
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnter})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("step 1/")) },
		teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyPressMsg{Code: tea.KeyEnd})
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		return bytes.Contains(b, []byte("what the client received")) && bytes.Contains(b, []byte("hello.txt"))
	}, teatest.WithDuration(10*time.Second))
	tm.Send(tea.KeyPressMsg{Code: 'q', Text: "q"})
	final := screen(tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*App))
	if !strings.Contains(final, "  ls  (65 bytes on data 1)") || !strings.Contains(final, "ftp        4134 ") {
		t.Errorf("the last screen should hold the listing:\n%s", final)
	}
}

// TestSandboxEscapesHostileNames: a file whose name holds escape
// sequences (a window title, a clear screen) is listed as visible text;
// nothing of it reaches the terminal as a sequence.
func TestSandboxEscapesHostileNames(t *testing.T) {
	hostile := "\x1b]0;pwned\x07\x1b[2Jx.txt"
	// The server really holds the file: the run uploads it first.
	run := func(sc scenario.Scenario, title string) (player.Session, error) {
		sc.Script = append([]string{"put " + hostile}, sc.Script...)
		return play.Sandbox(context.Background())(sc, title)
	}
	a := NewApp(NewSandbox(run, player.Options{}))
	send(t, a, tea.WindowSizeMsg{Width: 100, Height: 30})
	typeLine(t, a, "ls")
	send(t, a, keyMsg("enter"))
	send(t, a, keyMsg("G"))
	p, ok := a.Top().(*player.Player)
	if !ok {
		t.Fatal("no player")
	}
	raw := p.Render()
	for _, seq := range []string{"\x1b]0;pwned", "\x07", "\x1b[2J"} {
		if strings.Contains(raw, seq) {
			t.Errorf("the screen sends %q to the terminal:\n%s", seq, raw)
		}
	}
	if s := screen(a); !strings.Contains(s, ` \x1b]0;pwned\x07\x1b[2Jx.txt`) || !strings.Contains(s, "what the client received") {
		t.Errorf("the hostile name should be listed, escaped:\n%s", s)
	}
}
