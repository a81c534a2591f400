package classroom

import (
	"context"
	"io"

	tea "charm.land/bubbletea/v2"
	uv "github.com/charmbracelet/ultraviolet"
)

// pumpInput reads a session's keys itself and hands each one to the
// program with Send. Bubble Tea's own reader sends the events it decoded
// from one read without looking back: a client that sends "q" and more
// keys in one packet ends the program with events left over, and that
// goroutine then waits forever. Send gives up once the program ended, so
// here both goroutines end when the session's input does (the session
// closes after the handler returns).
func pumpInput(ctx context.Context, in io.Reader, term string, prog *tea.Program) {
	events := make(chan uv.Event)
	rd := uv.NewTerminalReader(in, term)
	go func() {
		defer close(events)
		rd.StreamEvents(ctx, events)
	}()
	go func() {
		for ev := range events {
			prog.Send(ev)
		}
	}()
}
