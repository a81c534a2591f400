package tui

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
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
	ws := startWatched(t, t.TempDir(), 4096)
	c, err := net.Dial("tcp", ws.addr)
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
	ws.stop()
	m := drainedWatch(ws.events)
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
