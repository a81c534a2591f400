package tui

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"ftplab/internal/play"
	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

// injected finds, raw on a screen, any of the sequences a hostile client
// sends: OSC (hyperlinks, clipboard, title), the colour red, a screen
// clear, a bell, a carriage return, a C1 CSI.
func injected(screen string) string {
	for _, bad := range []string{"\x1b]", "\x1b[31m", "\x1b[2J", "\x1b[H", "\x1b[1A", "\x1b\\", "\x07", "\r", "\u009b"} {
		if i := strings.Index(screen, bad); i >= 0 {
			return fmt.Sprintf("%q at %d: %q", bad, i, screen[max(0, i-20):min(len(screen), i+40)])
		}
	}
	return ""
}

// TestWatchEscapesClientText: on `serve --watch`, a real client that sends
// a hyperlink and colours before login is shown as text.
func TestWatchEscapesClientText(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	events := make(chan trace.SessionEvent, 4096)
	w := play.NewWatcher(nil, func(e trace.SessionEvent) { events <- e })
	srv, err := ftp.NewServer(ftp.ServerConfig{Root: root, Anonymous: true, Observer: w.Observe})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(context.Background(), l); close(done) }()
	c, err := net.Dial("tcp", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	r.ReadString('\n')
	io.WriteString(c, "USER \x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\ \x1b[31mred\x1b]52;c;aGk=\x07\r\n")
	r.ReadString('\n')
	io.WriteString(c, "QUIT\r\n")
	r.ReadString('\n')
	c.Close()
	srv.Close()
	<-done
	close(events)

	m := NewWatch(events, opts)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	for cmd := m.Init(); cmd != nil; {
		msg := cmd()
		if msg == nil {
			break
		}
		m.Update(msg)
		cmd = m.next()
	}
	if m.current() == nil {
		t.Fatal("no session on the watch screen")
	}
	var all strings.Builder
	m.Update(keyMsg("g"))
	for k := 0; k < 100; k++ {
		screen := m.Render()
		if bad := injected(screen); bad != "" {
			t.Fatalf("step %d: %s", k, bad)
		}
		all.WriteString(screen)
		if atEnd(screen) {
			break
		}
		m.Update(keyMsg("right"))
	}
	if !strings.Contains(all.String(), `USER \x1b]8;;http://evil.example/`) {
		t.Errorf("the client's command is never shown:\n%s", all.String())
	}
}
