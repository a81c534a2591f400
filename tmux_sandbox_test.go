package main

import (
	"strings"
	"testing"
	"time"

	"ftplab/internal/peertest"
)

// TestTmuxSandboxListing drives the real binary's sandbox in tmux panes as
// a learner would: the whole placeholder shows at 60 and 100 columns, and
// `ls; get hello.txt` shows the listing's line and the get's sha256 on
// screen, under the narration.
func TestTmuxSandboxListing(t *testing.T) {
	peertest.Need(t, "tmux")
	bin, _, tm := tmuxRig(t, "sandbox")
	// wait captures pane until it shows every want, or 10 s have passed.
	wait := func(pane string, want ...string) string {
		var sc string
		for end := time.Now().Add(10 * time.Second); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			sc = tm("capture-pane", "-p", "-t", pane)
			all := true
			for _, w := range want {
				all = all && strings.Contains(sc, w)
			}
			if all {
				break
			}
		}
		return sc
	}
	for _, sz := range []struct{ name, w, h string }{{"narrow", "60", "24"}, {"walk", "100", "30"}} {
		if out := tm("new", "-d", "-s", sz.name, "-x", sz.w, "-y", sz.h, bin+" sandbox; sleep 30"); out != "" {
			t.Fatalf("tmux: %s", out)
		}
		sc := wait(sz.name, "ftp> get hello.txt", "an empty line runs get hello.txt")
		if flat := strings.Join(strings.Fields(sc), " "); !strings.Contains(flat, "ftp> get hello.txt commands: ls [DIR] · nlst [DIR] · get FILE · put FILE ·") {
			t.Errorf("%sx%s: the placeholder and the commands are not whole:\n%s", sz.w, sz.h, sc)
		}
	}
	tm("send-keys", "-t", "walk", "-l", "ls; g")
	if sc := wait("walk", "tab: ▸ls; get hello.txt"); !strings.Contains(sc, "tab: ▸ls; get hello.txt") {
		t.Errorf("typing should show what tab completes to:\n%s", sc)
	}
	tm("send-keys", "-t", "walk", "Tab")
	tm("send-keys", "-t", "walk", "Enter")
	wait("walk", "step 1/")
	tm("send-keys", "-t", "walk", "G")
	sc := wait("walk", "result: ok", "what the client received", "the same as the server's hello.txt")
	for _, want := range []string{"── what the client received", "  ls  (65 bytes on data 1)", "ftp        4134 ",
		"  get hello.txt  (4134 bytes on data 2)", "4134 bytes received, sha256 4c605b02fdbc46d2…: the same as the server's hello.txt"} {
		if !strings.Contains(sc, want) {
			t.Errorf("the end of `ls; get hello.txt` lacks %q:\n%s", want, sc)
		}
	}
	if !strings.Contains(sc, " hello.txt\n") {
		t.Errorf("the listing's line naming hello.txt is not on screen:\n%s", sc)
	}
}
