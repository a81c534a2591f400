package cli

import (
	"context"
	"net"
	"path/filepath"
	"testing"
	"time"

	"github.com/spf13/cobra"
	"go.uber.org/goleak"

	"ftplab/internal/classroom"
)

// noLeaks checks, once the test and its cleanups are done (the server
// stopped), that no goroutine started since is left. Call it first.
// Bubble Tea leaves a tea.Tick's goroutine behind a program that quit
// until its timer fires (tea.go says so: it cannot cancel a Cmd), and the
// player's slowest autoplay tick is 1.6 s, past goleak's own retries
// (about half a second): so it waits up to 3 s for goroutines to end
// before it counts one as leaked.
func noLeaks(t *testing.T) {
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() {
		for deadline := time.Now().Add(3 * time.Second); goleak.Find(opt) != nil && time.Now().Before(deadline); {
			time.Sleep(50 * time.Millisecond)
		}
		goleak.VerifyNone(t, opt)
	})
}

// testClass is a classroom served on a loopback port for one test.
type testClass struct {
	addr    string
	class   *classroom.Class
	results string
	hostKey string
}

// startClass serves a classroom with f's settings (host key and results
// in a temporary folder) until the test ends, then checks it stopped.
func startClass(t *testing.T, f classroomFlags) *testClass {
	t.Helper()
	dir := t.TempDir()
	f.addr = "127.0.0.1:0"
	f.hostKey = filepath.Join(dir, "host_ed25519")
	f.results = filepath.Join(dir, "results.jsonl")
	if f.maxStudents == 0 {
		f.maxStudents = 60
	}
	if f.perIP == 0 {
		f.perIP = 60
	}
	if f.auth == 0 {
		f.auth = 5 * time.Second
	}
	if f.idle == 0 {
		f.idle = time.Minute
	}
	s, err := f.setup(&cobra.Command{})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := classroom.New(s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		stop()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("serve: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("the classroom did not stop within 10 s of being told")
		}
		s.results.Close()
	})
	return &testClass{addr: ln.Addr().String(), class: s.cfg.Class, results: f.results, hostKey: f.hostKey}
}

// row is a student's dashboard row, if connected.
func (c *testClass) row(name string) (classroom.Row, bool) {
	for _, r := range c.class.Rows() {
		if r.Student == name && r.Connected {
			return r, true
		}
	}
	return classroom.Row{}, false
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
