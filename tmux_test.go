package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ftplab/internal/peertest"
)

// TestTmuxEndToEnd drives the real binary in a 100x30 tmux pane: step
// through active-client-firewall until the 425 shows, check the stage shows
// the drop, quit, and check the exit status.
func TestTmuxEndToEnd(t *testing.T) {
	peertest.Need(t, "tmux")
	bin, dir, tm := tmuxRig(t, "e2e")
	status := filepath.Join(dir, "status")
	shell := bin + " lesson active-client-firewall 2>" + filepath.Join(dir, "stderr") + "; echo $? > " + status + "; sleep 30"
	if out := tm("new", "-d", "-s", "e2e", "-x", "100", "-y", "30", shell); out != "" {
		t.Fatalf("tmux: %s", out)
	}
	screen := ""
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(screen, "425 Failed") {
		time.Sleep(100 * time.Millisecond)
		screen = tm("capture-pane", "-p", "-t", "e2e")
		if strings.Contains(screen, "press 1-") {
			tm("send-keys", "-t", "e2e", "2")
			time.Sleep(100 * time.Millisecond)
		}
		tm("send-keys", "-t", "e2e", "Right")
	}
	if !strings.Contains(screen, "425 Failed to establish connection.") {
		t.Fatalf("never saw the 425:\n%s", screen)
	}
	if !strings.Contains(screen, "DROP client-fw: rule 3: drop in") || !strings.Contains(screen, "✗") {
		t.Errorf("the stage does not show the drop:\n%s", screen)
	}
	// The inspector on the step shown (the lesson's end, on the control
	// connection), then the event list filtered to failures.
	look := func(keys, want string) string {
		tm("send-keys", "-t", "e2e", keys)
		var sc string
		for end := time.Now().Add(5 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			if sc = tm("capture-pane", "-p", "-t", "e2e"); strings.Contains(sc, want) {
				break
			}
		}
		return sc
	}
	if sc := look("i", "inspector"); !strings.Contains(sc, "· control") || !strings.Contains(sc, "client-fw · firewall in front of the client") || !strings.Contains(sc, "▶ 1: accept out") {
		t.Errorf("the inspector does not show the control connection's step and the rule that let it out:\n%s", sc)
	}
	tm("send-keys", "-t", "e2e", "i")
	look("e", "events · all")
	if sc := look("ffff", "events · failures"); !strings.Contains(sc, "client-fw DROP the SYN (rule 3: drop in") || strings.Contains(sc, "USER anonymous") {
		t.Errorf("the event list filtered to failures should list the drop and no commands:\n%s", sc)
	}
	tm("send-keys", "-t", "e2e", "q")
	var code string
	for time.Now().Before(deadline.Add(5 * time.Second)) {
		// The shell creates the file before it writes the status: an empty
		// read is too early, not an answer.
		if b, err := os.ReadFile(status); err == nil && strings.TrimSpace(string(b)) != "" {
			code = strings.TrimSpace(string(b))
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code != "0" {
		t.Errorf("exit status %q, want 0", code)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "stderr")); strings.Contains(string(b), "panic") {
		t.Errorf("stderr has a panic:\n%s", b)
	}
}

// TestTmuxServeWatch: `ftplab serve --watch` in a pane shows a real curl
// session on the stage as it happens.
func TestTmuxServeWatch(t *testing.T) {
	paths := peertest.Need(t, "tmux", "curl")
	bin, dir, tm := tmuxRig(t, "watch")
	root := filepath.Join(dir, "root")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(root, "hello.txt"), []byte("hi\n"), 0o644)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	shell := bin + " serve --watch --anonymous --allow-root --root " + root + " --addr " + addr + "; sleep 30"
	if out := tm("new", "-d", "-s", "w", "-x", "100", "-y", "30", shell); out != "" {
		t.Fatalf("tmux: %s", out)
	}
	var out []byte
	for i := 0; i < 200; i++ { // wait for the server to listen (a loaded CI machine is slow)
		if out, err = exec.Command(paths[1], "-sS", "--disable-epsv", "ftp://"+addr+"/hello.txt").CombinedOutput(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if string(out) != "hi\n" {
		t.Fatalf("curl: %v %s\nthe pane:\n%s", err, out, tm("capture-pane", "-p", "-t", "w"))
	}
	screen := ""
	for i := 0; i < 50 && !strings.Contains(screen, "1 client session"); i++ {
		time.Sleep(100 * time.Millisecond)
		screen = tm("capture-pane", "-p", "-t", "w")
	}
	if !strings.Contains(screen, "1 client session") || !strings.Contains(screen, "127.0.0.1") || !strings.Contains(screen, "data 1") {
		t.Errorf("the watch screen does not show the session:\n%s", screen)
	}
	tm("send-keys", "-t", "w", "q")
}
