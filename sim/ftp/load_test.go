package ftp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestLoad: many sessions at once against one in-process server on
// loopback, each logging in, listing (EPSV LIST), downloading a 1 MiB file
// (EPSV RETR, sha256 checked) and quitting. Every session is logged in
// before any transfer starts, so they really are open all at once. No
// session may fail. Wall time, goroutines and memory are logged, not
// judged: speed is for benchmarks.
//
// 1000 sessions with and without -race: on the 2-core machine it was
// written on, 1.6-1.7 s without and 2.6-5.3 s with the race detector, and
// about 3000 goroutines at the peak, well inside the race detector's limit
// of 8128; so no smaller count is needed under -race.
func TestLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load test: skipped with -short")
	}
	const sessions = 1000
	// Per session, both ends in this process: 2 control sockets, up to 2
	// data sockets and a passive listener; then some room.
	needFDs(t, uint64(sessions)*5+256)
	dir := t.TempDir()
	const size = 1 << 20
	want := randomFile(t, filepath.Join(dir, "1mib.bin"), size)
	for i := range 20 {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("file%02d.txt", i)), []byte("x\n"), 0o644)
	}
	srv, addr := startServer(t, "127.0.0.1:0", dir, func(c *ServerConfig) {
		c.MaxConns = sessions // exactly: the cap must let all of them in
		c.DataTimeout = 30 * time.Second
		c.IdleTimeout = time.Minute
	})
	fdsBefore := openFDs(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	// A sampler notes the peaks while the sessions run.
	var peakG, peakSessions, peakHeap atomic.Int64
	stopSampling := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		var ms runtime.MemStats
		for n := 0; ; n++ {
			peakG.Store(max(peakG.Load(), int64(runtime.NumGoroutine())))
			peakSessions.Store(max(peakSessions.Load(), int64(srv.sessionCount())))
			if n%20 == 0 { // ReadMemStats stops the world: every 100 ms
				runtime.ReadMemStats(&ms)
				peakHeap.Store(max(peakHeap.Load(), int64(ms.HeapInuse)))
			}
			select {
			case <-stopSampling:
				return
			case <-tick.C:
			}
		}
	}()

	var (
		mu       sync.Mutex
		failures int
		firstErr []string
	)
	fail := func(i int, step string, err error) {
		mu.Lock()
		defer mu.Unlock()
		failures++
		if len(firstErr) < 5 {
			firstErr = append(firstErr, fmt.Sprintf("session %d, %s: %v", i, step, err))
		}
	}
	// loggedIn: this session has logged in (or failed to); allIn: all have.
	session := func(loggedIn func(), allIn <-chan struct{}) error {
		cl, err := Dial(ctx, addr, ClientConfig{Mode: ModeEPSV, Timeout: 20 * time.Second})
		if err != nil {
			return fmt.Errorf("dial: %w", err)
		}
		defer context.AfterFunc(ctx, func() { cl.Close() })()
		defer cl.Close()
		if err := cl.Login("anonymous", "load@"); err != nil {
			return fmt.Errorf("login: %w", err)
		}
		loggedIn()
		select {
		case <-allIn:
		case <-ctx.Done():
			return ctx.Err()
		}
		list, err := cl.List("")
		if err != nil {
			return fmt.Errorf("LIST: %w", err)
		}
		if !bytes.Contains(list, []byte("1mib.bin")) || bytes.Count(list, []byte("\n")) != 21 {
			return fmt.Errorf("LIST: %q", list)
		}
		h := sha256.New()
		n, err := cl.Retrieve("1mib.bin", h)
		if err != nil {
			return fmt.Errorf("RETR: %w", err)
		}
		if n != size || [32]byte(h.Sum(nil)) != want {
			return fmt.Errorf("RETR: %d bytes, sha256 differs: %v", n, [32]byte(h.Sum(nil)) != want)
		}
		if err := cl.Quit(); err != nil {
			return fmt.Errorf("QUIT: %w", err)
		}
		return nil
	}
	start := time.Now()
	allLoggedIn := flood(sessions, func(i int, loggedIn func(), allIn <-chan struct{}) {
		if err := session(loggedIn, allIn); err != nil {
			fail(i, "", err)
		}
	})
	loginTime := allLoggedIn.Sub(start)
	wall := time.Since(start)
	close(stopSampling)
	<-sampled

	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	t.Logf("%d sessions: all logged in after %v, all done after %v (deadline 60s)",
		sessions, loginTime.Round(time.Millisecond), wall.Round(time.Millisecond))
	t.Logf("failures: %d; peak sessions on the server: %d; peak goroutines: %d",
		failures, peakSessions.Load(), peakG.Load())
	t.Logf("heap in use: %.1f MiB before, peak %.1f MiB, %.1f MiB after; Sys %.1f MiB before, %.1f MiB after; allocated during the run: %.1f MiB",
		mib(before.HeapInuse), mib(uint64(peakHeap.Load())), mib(after.HeapInuse), mib(before.Sys), mib(after.Sys), mib(after.TotalAlloc-before.TotalAlloc))
	t.Logf("process peak RSS (VmHWM, the whole test binary so far): %s", vmHWM())
	if failures != 0 {
		t.Errorf("%d of %d sessions failed; first: %s", failures, sessions, strings.Join(firstErr, "; "))
	}
	if int(peakSessions.Load()) != sessions && failures == 0 {
		t.Errorf("at most %d sessions were open at once, want all %d", peakSessions.Load(), sessions)
	}
	noLeaks(t, srv, fdsBefore)
}

func mib(n uint64) float64 { return float64(n) / (1 << 20) }

// vmHWM is the process's peak resident set size from /proc/self/status.
func vmHWM() string {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown (" + err.Error() + ")"
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// TestConnectionCapExact: 100 connections at once against MaxConns=50,
// the first 50 held open: exactly 50 are greeted 220 and exactly 50 get 421
// and are closed.
func TestConnectionCapExact(t *testing.T) {
	const clients, limit = 100, 50
	srv, addr := startServer(t, "127.0.0.1:0", t.TempDir(), func(c *ServerConfig) { c.MaxConns = limit })
	before := openFDs(t)
	var (
		got220 atomic.Int32
		got421 atomic.Int32
		mu     sync.Mutex
		errs   []error
	)
	flood(clients, func(_ int, greeted func(), allIn <-chan struct{}) {
		err := func() error {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(15 * time.Second))
			r := bufio.NewReader(c)
			line, err := r.ReadString('\n')
			greeted()
			switch {
			case err != nil:
				return err
			case line == "421 Too many connections.\r\n":
				got421.Add(1)
				if _, err := r.ReadByte(); err == nil {
					return errors.New("421 and the connection stays open")
				}
				return nil
			case strings.HasPrefix(line, "220 "):
				got220.Add(1)
				select { // hold the slot until everyone has been answered
				case <-allIn:
				case <-time.After(10 * time.Second):
					return errors.New("the others were never answered")
				}
				io.WriteString(c, "QUIT\r\n")
				if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, "221 ") {
					return fmt.Errorf("QUIT: %q", line)
				}
				return nil
			default:
				return fmt.Errorf("greeting %q", line)
			}
		}()
		if err != nil {
			mu.Lock()
			errs = append(errs, err)
			mu.Unlock()
		}
	})
	if got220.Load() != limit || got421.Load() != clients-limit || len(errs) > 0 {
		t.Errorf("%d at once against a cap of %d: %d got 220, %d got 421; errors: %v",
			clients, limit, got220.Load(), got421.Load(), errors.Join(errs...))
	}
	noLeaks(t, srv, before)
}
