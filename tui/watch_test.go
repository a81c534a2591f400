package tui

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ftplab/internal/peertest"
	"ftplab/internal/play"
	"ftplab/sim/ftp"
	"ftplab/sim/trace"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestWatchRealCurl: real curl sessions (passive, then active) against the
// server feed the watch screen, which shows each as its own session with
// the real addresses, the PASV/PORT exchange and the data connection.
func TestWatchRealCurl(t *testing.T) {
	curl := peertest.Need(t, "curl")[0]
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hi\n"), 0o644)
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	events := make(chan trace.SessionEvent, 4096)
	w := play.NewWatcher(nil, func(e trace.SessionEvent) { events <- e })
	srv, err := ftp.NewServer(ftp.ServerConfig{Root: root, Anonymous: true, Observer: w.Observe})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan struct{})
	go func() { srv.Serve(context.Background(), l); close(done) }()
	url := "ftp://" + l.Addr().String() + "/hello.txt"
	for _, args := range [][]string{{"-sS", "--disable-epsv", url}, {"-sS", "-P", "127.0.0.1", url}} {
		if out, err := exec.Command(curl, args...).CombinedOutput(); err != nil || string(out) != "hi\n" {
			t.Fatalf("curl %v: %v %s", args, err, out)
		}
	}
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
	if len(m.sessions) != 2 {
		t.Fatalf("%d sessions, want 2 (one per curl)", len(m.sessions))
	}
	checks := []struct {
		session int
		want    []string
	}{
		{0, []string{"PASV", "227 Entering Passive Mode (127,0,0,1,", "data #2", "226 Transfer complete."}},
		{1, []string{"EPRT |1|127.0.0.1|", "200 EPRT command successful.", "150 Opening", "data #2"}},
	}
	for _, c := range checks {
		if c.session > 0 {
			m.Update(keyMsg("tab"))
		}
		// Everything the session showed, step by step from its start.
		m.Update(keyMsg("g"))
		var all strings.Builder
		for k := 0; k < 500; k++ {
			all.WriteString(m.Render())
			if atEnd(ansi.Strip(m.Render())) {
				break
			}
			m.Update(keyMsg("right"))
		}
		if !atEnd(ansi.Strip(m.Render())) {
			t.Fatalf("session %d: stepping never reached its end", c.session)
		}
		for _, want := range c.want {
			if !strings.Contains(all.String(), want) {
				t.Errorf("session %d never shows %q", c.session, want)
			}
		}
		if !strings.Contains(m.Render(), "127.0.0.1") {
			t.Errorf("session %d: the real addresses are missing", c.session)
		}
	}
}
