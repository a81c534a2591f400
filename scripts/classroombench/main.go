// Command classroombench measures `ftplab classroom` with many students
// next to one local `ftplab lesson` process, in the same run: resident
// memory per session, CPU per idle session, and the time from a key to
// the first byte of the next frame (p95). It starts both programs itself,
// dials loopback only, and stops by itself (every wait has a deadline).
//
// Prints scripts/bench's lines (NAME value unit ratio=X target=Y
// PASS|FAIL), the ratio being to the local process: classroom-rss (KiB a
// session), classroom-idle (CPU ms per second a session), classroom-key95
// (ms). Each figure is the median of -rounds rounds (a fresh classroom
// and local process each), the two sides' spreads printed; the key
// timings alternate which side goes first. Exits 1 when a target fails.
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
	rounds := flag.Int("rounds", 5, "rounds, each with a fresh classroom and local lesson")
	flag.Parse()
	var results []round
	for i := range *rounds {
		r, err := run(*bin, *n, *idle, *keys, i%2 == 1)
		if err != nil {
			fmt.Fprintf(os.Stderr, "classroombench: round %d: %v\n", i+1, err)
			os.Exit(1)
		}
		results = append(results, r)
	}
	report(results, *n, *idle)
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

// round is one round's figures: each side's, the class's per session.
type round struct {
	perRSS, localRSS     float64 // KiB
	perIdle, localIdle   float64 // CPU ms per second
	key95, localKey95    float64 // ms
	keyMedian, localKeyM float64 // ms
	keys, localKeys      int
}

// run measures one round; localFirst times the local lesson's keys before
// the class's.
func run(bin string, n int, idle time.Duration, keys int, localFirst bool) (r round, err error) {
	dir, err := os.MkdirTemp("", "classroombench")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)

	// The classroom, without a terminal: it logs and serves.
	srv := exec.Command(bin, "classroom", "--addr", "127.0.0.1:0", "--password", password,
		"--per-ip", strconv.Itoa(n+10), "--max-students", strconv.Itoa(n+10))
	srv.Env = append(os.Environ(), "XDG_DATA_HOME="+filepath.Join(dir, "data"))
	out, _ := srv.StdoutPipe()
	srv.Stderr = io.Discard
	if err := srv.Start(); err != nil {
		return r, err
	}
	defer func() { srv.Process.Kill(); srv.Wait() }()
	addr, err := readAddr(out)
	if err != nil {
		return r, err
	}
	go io.Copy(io.Discard, out)

	// The local peer: one `ftplab lesson` in a pseudo-terminal.
	local := exec.Command(bin, "lesson", "two-channels")
	local.Env = append(os.Environ(), "XDG_STATE_HOME="+filepath.Join(dir, "state"), "TERM=xterm-256color")
	ptmx, err := pty.StartWithSize(local, &pty.Winsize{Cols: 80, Rows: 24})
	if err != nil {
		return r, err
	}
	defer func() { local.Process.Kill(); local.Wait(); ptmx.Close() }()
	var lout watched
	go lout.drain(ptmx)
	lout.settle(5 * time.Second)

	time.Sleep(500 * time.Millisecond)
	base, err := rssKiB(srv.Process.Pid)
	if err != nil {
		return r, err
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
		return r, err
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

	// Key to frame: every session presses keys at once, one at a time each,
	// and the local process alone; which goes first alternates by round.
	// The key is ? (the help, on and off): it always draws a new frame,
	// where a step may stop at a question.
	var lat, llat []time.Duration
	classKeys := func() {
		var mu sync.Mutex
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
	}
	localKeys := func() {
		for range keys * 2 {
			if d, err := lout.keyToFrame(ptmx, "?"); err == nil {
				llat = append(llat, d)
			}
		}
	}
	if localFirst {
		localKeys()
		classKeys()
	} else {
		classKeys()
		localKeys()
	}
	if len(lat) < n*keys {
		return r, fmt.Errorf("%d of %d keys got no frame within 5 s", n*keys-len(lat), n*keys)
	}
	sec := idle.Seconds()
	return round{
		perRSS: float64(held-base) / float64(n), localRSS: float64(lrss),
		perIdle: float64(s1-s0) / sec / float64(n), localIdle: float64(l1-l0) / sec,
		key95: p(lat, 95), localKey95: p(llat, 95), keyMedian: p(lat, 50), localKeyM: p(llat, 50),
		keys: len(lat), localKeys: len(llat),
	}, nil
}

// report prints each figure: the medians of the rounds and their ratio,
// with each side's spread (min-max) over the rounds.
func report(rs []round, n int, idle time.Duration) {
	pick := func(f func(round) float64) (med float64, spread string) {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		sort.Float64s(v)
		return v[len(v)/2], fmt.Sprintf("%.1f-%.1f", v[0], v[len(v)-1])
	}
	rss, rssS := pick(func(r round) float64 { return r.perRSS })
	lrss, lrssS := pick(func(r round) float64 { return r.localRSS })
	line("classroom-rss", rss, "KiB/session", lrss, fmt.Sprintf("(rounds=%d;sessions=%d;runs:session=%s,local-lesson=%sKiB)", len(rs), n, rssS, lrssS))
	idl, idlS := pick(func(r round) float64 { return r.perIdle })
	lidl, lidlS := pick(func(r round) float64 { return r.localIdle })
	line("classroom-idle", idl, "CPU-ms/s/session", lidl, fmt.Sprintf("(rounds=%d;sessions=%d;idle=%v;local-lesson=%.1fCPU-ms/s;runs:session=%s,local=%s)", len(rs), n, idle, lidl, idlS, lidlS))
	k95, k95S := pick(func(r round) float64 { return r.key95 })
	lk95, lk95S := pick(func(r round) float64 { return r.localKey95 })
	km, _ := pick(func(r round) float64 { return r.keyMedian })
	lkm, _ := pick(func(r round) float64 { return r.localKeyM })
	line("classroom-key95", k95, "ms", lk95, fmt.Sprintf("(rounds=%d;keys/round=%d;sessions-at-once=%d;median=%.1f;local-lesson:p95=%.1f,median=%.1f,keys/round=%d;runs:class-p95=%s,local-p95=%s)",
		len(rs), rs[0].keys, n, km, lk95, lkm, rs[0].localKeys, k95S, lk95S))
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
