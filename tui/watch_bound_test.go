package tui

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"ftplab/sim/trace"

	"github.com/charmbracelet/x/ansi"
)

// TestWatchIsBounded: serve --watch keeps nothing of a finished session in
// the watcher, at most maxWatchSessions sessions on screen, and the first
// maxWatchEvents steps of a session that never ends.
func TestWatchIsBounded(t *testing.T) {
	ws := startWatched(t, t.TempDir(), 1<<16)
	const clients = 120
	for i := 0; i < clients; i++ {
		c, err := net.Dial("tcp", ws.addr)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(c)
		r.ReadString('\n')
		io.WriteString(c, "USER anonymous\r\n")
		r.ReadString('\n')
		io.WriteString(c, "QUIT\r\n")
		r.ReadString('\n')
		r.ReadString('\n') // EOF: the server closed
		c.Close()
	}
	ws.stop()
	if n := ws.watcher.Entries(); n != 0 {
		t.Errorf("the watcher still holds %d entries after %d finished sessions", n, clients)
	}
	m := drainedWatch(ws.events)
	if len(m.sessions) != maxWatchSessions || len(m.players) != maxWatchSessions {
		t.Errorf("%d sessions, %d players after %d clients, want %d", len(m.sessions), len(m.players), clients, maxWatchSessions)
	}
	if m.Render() == "" {
		t.Error("no screen")
	}

	// One client that never stops.
	long := make(chan trace.SessionEvent, 16)
	m = NewWatch(long, opts)
	go func() {
		for i := 0; i < maxWatchEvents+500; i++ {
			long <- trace.SessionEvent{Session: "127.0.0.1:5000", Event: trace.Event{Seq: i, Kind: trace.Segment, Channel: trace.Control, Host: "client", Text: fmt.Sprint("NOOP ", i)}}
		}
		close(long)
	}()
	for cmd := m.Init(); cmd != nil; {
		msg := cmd()
		if msg == nil {
			break
		}
		m.Update(msg)
		cmd = m.next()
	}
	screen := ansi.Strip(m.Render())
	if n := m.steps["127.0.0.1:5000"]; n != maxWatchEvents+1 || !strings.Contains(screen, "step 10001/10001") || !strings.Contains(screen, "ftplab keeps the first 10000 steps") {
		t.Errorf("%d events kept, want %d ending in the note:\n%s", n, maxWatchEvents+1, screen)
	}
}
