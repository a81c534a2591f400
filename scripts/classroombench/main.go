// Command classroombench measures `ftplab classroom` with many students
// next to one local `ftplab lesson` process, in the same run: resident
// memory per session, CPU per idle session, and the time from a key to
// the first byte of the next frame (p95). It starts both programs itself,
// dials loopback only, and stops by itself (every wait has a deadline).
//
// Prints scripts/bench's lines (NAME value unit ratio=X target=Y
// PASS|FAIL), the ratio being to the local process: classroom-rss (KiB a
// session), classroom-idle (CPU ms per second a session), classroom-key95
// (ms). Exits 1 when a target fails.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creack/pty"
	gossh "golang.org/x/crypto/ssh"
)

const password = "bench"

func main() {
	bin := flag.String("ftplab", "ftplab", "the ftplab binary")
	n := flag.Int("sessions", 50, "concurrent SSH sessions")
	idle := flag.Duration("idle", 10*time.Second, "how long to measure idle CPU")
	keys := flag.Int("keys", 10, "timed keys per session")
	flag.Parse()
	if err := run(*bin, *n, *idle, *keys); err != nil {
		fmt.Fprintln(os.Stderr, "classroombench:", err)
		os.Exit(1)
	}
	if failed {
		os.Exit(1)
	}
}

// watched is a byte counter on a program's output.
type watched struct{ n atomic.Int64 }

func (w *watched) drain(r io.Reader) {
	buf := make([]byte, 32*1024)
	for {
		k, err := r.Read(buf)
		w.n.Add(int64(k))
		if err != nil {
			return
		}
	}
}

// settle waits until no output came for 100 ms (at most d).
func (w *watched) settle(d time.Duration) {
	deadline := time.Now().Add(d)
	for last := w.n.Load(); time.Now().Before(deadline); last = w.n.Load() {
		time.Sleep(100 * time.Millisecond)
		if w.n.Load() == last {
			return
		}
	}
}

// keyToFrame writes key and waits for the next output byte.
func (w *watched) keyToFrame(in io.Writer, key string) (time.Duration, error) {
	w.settle(2 * time.Second)
	before := w.n.Load()
	t0 := time.Now()
	if _, err := in.Write([]byte(key)); err != nil {
		return 0, err
	}
	for time.Since(t0) < 5*time.Second {
		if w.n.Load() > before {
			return time.Since(t0), nil
		}
		time.Sleep(100 * time.Microsecond)
	}
	return 0, fmt.Errorf("no frame within 5 s of a key")
}

func run(bin string, n int, idle time.Duration, keys int) error {
	dir, err := os.MkdirTemp("", "classroombench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	// The classroom, without a terminal: it logs and serves.
	srv := exec.Command(bin, "classroom", "--addr", "127.0.0.1:0", "--password", password,
		"--per-ip", strconv.Itoa(n+10), "--max-students", strconv.Itoa(n+10))
	srv.Env = append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	out, _ := srv.StdoutPipe()
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		return err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	addr, err := readAddr(out)
	if err != nil {
		return err
	}
	go io.Copy(io.Discard, out)

	// The local peer: one `ftplab lesson` in a pseudo-terminal.
	local := exec.Command(bin, "lesson", "two-channels")
	local.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(dir, "state"), "TERM=xterm-256color")
	ptmx, err := pty.StartWithSize(local, &pty.Winsize{Cols: 80, Rows: 24})
	if err != nil {
		return err
	}
	defer func() { local.Process.Kill(); local.Wait(); ptmx.Close() }()
	var lout watched
	go lout.drain(ptmx)
	lout.settle(5 * time.Second)

	time.Sleep(500 * time.Millisecond)
	base, err := rssKiB(srv.Process.Pid)
	if err != nil {
		return err
	}
	students := make([]*student, n)
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range students {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s, err := dial(addr, fmt.Sprintf("s%02d", i))
			if err != nil {
				errs <- err
				return
			}
			students[i] = s
			s.in.Write([]byte("\r")) // open the first lesson
			time.Sleep(500 * time.Millisecond)
			for range 5 {
				s.in.Write([]byte("\x1b[C"))
				time.Sleep(100 * time.Millisecond)
			}
			s.out.settle(5 * time.Second)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		return err
	}
	defer func() {
		for _, s := range students {
			s.close()
		}
	}()
	// The local player: the same lesson, the same five steps.
	for range 5 {
		ptmx.Write([]byte("\x1b[C"))
		time.Sleep(100 * time.Millisecond)
	}
	lout.settle(5 * time.Second)

	time.Sleep(time.Second)
	held, _ := rssKiB(srv.Process.Pid)
	lrss, _ := rssKiB(local.Process.Pid)

	// Idle CPU: nobody presses anything.
	s0, _ := cpuMs(srv.Process.Pid)
	l0, _ := cpuMs(local.Process.Pid)
	time.Sleep(idle)
	s1, _ := cpuMs(srv.Process.Pid)
	l1, _ := cpuMs(local.Process.Pid)

	// Key to frame: every session presses keys at once, one at a time each;
	// then the local process, alone. The key is ? (the help, on and off):
	// it always draws a new frame, where a step may stop at a question.
	var mu sync.Mutex
	var lat []time.Duration
	for _, s := range students {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range keys {
				if d, err := s.out.keyToFrame(s.in, "?"); err == nil {
					mu.Lock()
					lat = append(lat, d)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	var llat []time.Duration
	for range keys * 2 {
		if d, err := lout.keyToFrame(ptmx, "?"); err == nil {
			llat = append(llat, d)
		}
	}
	sec := idle.Seconds()
	perRSS, perIdle := float64(held-base)/float64(n), float64(s1-s0)/sec/float64(n)
	localIdle := float64(l1-l0) / sec
	line("classroom-rss", perRSS, "KiB/session", float64(lrss), fmt.Sprintf("(sessions=%d;server=%d->%dKiB;local-lesson=%dKiB)", n, base, held, lrss))
	line("classroom-idle", perIdle, "CPU-ms/s/session", localIdle, fmt.Sprintf("(sessions=%d;idle=%v;local-lesson=%.1fCPU-ms/s)", n, idle, localIdle))
	line("classroom-key95", p(lat, 95), "ms", p(llat, 95), fmt.Sprintf("(keys=%d;sessions-at-once=%d;median=%.1f;local-lesson:p95=%.1f,median=%.1f,keys=%d)",
		len(lat), n, p(lat, 50), p(llat, 95), p(llat, 50), len(llat)))
	if len(lat) < n*keys {
		return fmt.Errorf("%d of %d keys got no frame within 5 s", n*keys-len(lat), n*keys)
	}
	return nil
}

// line prints a figure in scripts/bench's form, with its ratio to the
// local process: a session must cost less than a whole local ftplab
// (ratio < 1), and a key over SSH with the class pressing at once may
// take at most 3 times a local key.
func line(name string, v float64, unit string, local float64, note string) {
	r, target := 0.0, 1.0
	if local > 0 {
		r = v / local
	}
	if name == "classroom-key95" {
		target = 3
	}
	verdict := "PASS"
	if r >= target {
		verdict = "FAIL"
		failed = true
	}
	fmt.Printf("%-22s %.2f %s%s ratio=%.2f target=<%g %s\n", name, v, unit, note, r, target, verdict)
}

var failed bool

func p(d []time.Duration, q int) float64 {
	if len(d) == 0 {
		return 0
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	return float64(d[min(len(d)*q/100, len(d)-1)]) / 1e6
}

// readAddr reads the "ftplab classroom on ADDR" line.
func readAddr(r io.Reader) (string, error) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		if a, ok := strings.CutPrefix(sc.Text(), "ftplab classroom on "); ok {
			return a, nil
		}
	}
	return "", fmt.Errorf("the classroom never said its address")
}

type student struct {
	c   *gossh.Client
	in  io.Writer
	out *watched
}

func dial(addr, name string) (*student, error) {
	c, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: name, Auth: []gossh.AuthMethod{gossh.Password(password)},
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	s, err := c.NewSession()
	if err != nil {
		c.Close()
		return nil, err
	}
	if err := s.RequestPty("xterm-256color", 24, 80, gossh.TerminalModes{}); err != nil {
		c.Close()
		return nil, err
	}
	in, _ := s.StdinPipe()
	o, _ := s.StdoutPipe()
	st := &student{c: c, in: in, out: &watched{}}
	go st.out.drain(o)
	if err := s.Shell(); err != nil {
		c.Close()
		return nil, err
	}
	return st, nil
}

func (s *student) close() { s.c.Close() }

func rssKiB(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmRSS:" {
			return strconv.ParseInt(f[1], 10, 64)
		}
	}
	return 0, fmt.Errorf("no VmRSS for %d", pid)
}

// cpuMs is the process's user+system CPU time in ms (clock ticks of 10 ms).
func cpuMs(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+2:])
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return (ut + st) * 10, nil
}
