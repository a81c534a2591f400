package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ftplab/internal/classroom"
	"ftplab/internal/peertest"
)

// TestClassroomOpenSSH: a student on the real OpenSSH client, in tmux,
// sees the menu, opens a lesson and steps; the dashboard shows them at
// that step; after the end card a results line is there.
func TestClassroomOpenSSH(t *testing.T) {
	bins := peertest.Need(t, "ssh", "ssh-keygen", "tmux")
	ssh, keygen, tmux := bins[0], bins[1], bins[2]
	noLeaks(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "student")
	if out, err := exec.Command(keygen, "-q", "-t", "ed25519", "-N", "", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	ak := filepath.Join(dir, "authorized_keys")
	pub, _ := os.ReadFile(key + ".pub")
	os.WriteFile(ak, pub, 0o600)
	c := startClass(t, classroomFlags{authorizedKeys: ak})

	host, port, _ := strings.Cut(c.addr, ":")
	name := "ftplab-classroom-" + filepath.Base(dir)
	sshCmd := strings.Join([]string{ssh, "-p", port, "-i", key, "-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR", "-t", "alice@" + host}, " ")
	if out, err := exec.Command(tmux, "new-session", "-d", "-s", name, "-x", "100", "-y", "30", sshCmd+"; sleep 30").CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	defer exec.Command(tmux, "kill-session", "-t", name).Run()
	screen := func() string {
		out, _ := exec.Command(tmux, "capture-pane", "-p", "-t", name).Output()
		return string(out)
	}
	keys := func(k ...string) { exec.Command(tmux, append([]string{"send-keys", "-t", name}, k...)...).Run() }
	waitScreen := func(what string) {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for !strings.Contains(screen(), what) {
			if time.Now().After(deadline) {
				t.Fatalf("the student's screen never showed %q:\n%s", what, screen())
			}
			time.Sleep(100 * time.Millisecond)
		}
	}

	waitScreen("1. Two channels")
	keys("Enter")
	waitScreen("ftplab · Two channels")
	keys("Right")
	waitScreen("step 2/")
	keys("Right")
	waitScreen("step 3/")
	r, ok := c.row("alice")
	if !ok || r.Lesson != "two-channels" || r.Progress.Step != 3 {
		t.Fatalf("the roster has %+v (connected %v), want alice in two-channels at step 3", r, ok)
	}
	dash := classroom.NewDashboard(c.class, "test", nil)
	if text := dash.Text(); !strings.Contains(text, "alice | two-channels | step 3/") {
		t.Errorf("the dashboard does not show alice at step 3:\n%s", text)
	}

	// To the end: answer each question with 1, until the end card.
	deadline := time.Now().Add(30 * time.Second)
	for !strings.Contains(screen(), "enter: next lesson") && !fileHas(c.results, `"student":"alice"`) {
		if time.Now().After(deadline) {
			t.Fatalf("never reached the end card:\n%s", screen())
		}
		keys("End")
		time.Sleep(200 * time.Millisecond)
		keys("1")
		time.Sleep(200 * time.Millisecond)
	}
	waitFor(t, 10*time.Second, "no results line for alice", func() bool { return fileHas(c.results, `"lesson":"two-channels"`) })
	rs, bad, err := classroom.ReadResults(c.results)
	if err != nil || len(bad) > 0 || len(rs) != 1 || rs[0].Student != "alice" || rs[0].Total == 0 || !rs[0].Ended.After(rs[0].Started) {
		t.Fatalf("results: %+v, bad lines %v, err %v; want one line for alice with the questions", rs, bad, err)
	}
	keys("Escape")
	waitScreen("✓ ")
	keys("q")
	waitFor(t, 10*time.Second, "alice still connected after q", func() bool { _, ok := c.row("alice"); return !ok })

	// Alice comes back: her menu still marks the lesson she finished.
	again := name + "-again"
	if out, err := exec.Command(tmux, "new-session", "-d", "-s", again, "-x", "100", "-y", "30", sshCmd+"; sleep 30").CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	defer exec.Command(tmux, "kill-session", "-t", again).Run()
	name = again
	waitScreen("1. Two channels  ✓ ")
}

func fileHas(path, s string) bool {
	b, _ := os.ReadFile(path)
	return strings.Contains(string(b), s)
}
