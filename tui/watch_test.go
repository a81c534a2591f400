package tui

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ftplab/internal/peertest"

	"github.com/charmbracelet/x/ansi"
)

// TestWatchRealCurl: real curl sessions (passive, then active) against the
// server feed the watch screen, which shows each as its own session with
// the real addresses, the PASV/PORT exchange and the data connection.
func TestWatchRealCurl(t *testing.T) {
	curl := peertest.Need(t, "curl")[0]
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hi\n"), 0o644)
	ws := startWatched(t, dir, 4096)
	url := "ftp://" + ws.addr + "/hello.txt"
	for _, args := range [][]string{{"-sS", "--disable-epsv", url}, {"-sS", "-P", "127.0.0.1", url}} {
		if out, err := exec.Command(curl, args...).CombinedOutput(); err != nil || string(out) != "hi\n" {
			t.Fatalf("curl %v: %v %s", args, err, out)
		}
	}
	ws.stop()
	m := drainedWatch(ws.events)
	if len(m.sessions) != 2 {
		t.Fatalf("%d sessions, want 2 (one per curl)", len(m.sessions))
	}
	checks := []struct {
		session int
		want    []string
	}{
		{0, []string{"PASV", "227 Entering Passive Mode (127,0,0,1,", "data 1", "226 Transfer complete."}},
		{1, []string{"EPRT |1|127.0.0.1|", "200 EPRT command successful.", "150 Opening", "data 1"}},
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
