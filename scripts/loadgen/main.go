// Command loadgen opens many concurrent FTP sessions against one server
// (login, LIST, RETR, QUIT) and prints "<wall seconds> <failures> <server
// peak RSS MB>" for scripts/bench. It only dials loopback and stops by
// itself: every session has a deadline and the count is fixed.
//
// -list DIR lists DIR instead of the root; -file "" skips the RETR.
// -together logs every session in first and then starts their LISTs at
// the same moment (a barrier), so the listings overlap. -tree samples the
// proportional set size (PSS) of -pid and all its descendants every few
// milliseconds and reports the peak: vsftpd forks a process per session,
// so its memory is the sum over its tree, shared pages counted once.
//
// -dials N paces the connects: at most N control connections wait for
// their 220 greeting at once (the sessions themselves still overlap). It
// exists because vsftpd listens with a fixed backlog of 32: a thousand
// simultaneous SYNs overflow its accept queue and most are reset, which
// measures the backlog, not the server.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ftplab/sim/ftp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2121", "server address (loopback only)")
	sessions := flag.Int("sessions", 1000, "concurrent sessions")
	file := flag.String("file", "one.bin", "file each session retrieves")
	timeout := flag.Duration("timeout", 2*time.Minute, "bound for the whole run")
	pid := flag.Int("pid", 0, "server process to report peak memory of (0: none)")
	verbose := flag.Bool("v", false, "print each failure")
	dials := flag.Int("dials", 0, "control connects waiting for their greeting at once (0: all at once)")
	list := flag.String("list", "", "directory each session lists (default: the root)")
	together := flag.Bool("together", false, "log every session in, then start all the LISTs at once")
	tree := flag.Bool("tree", false, "report the peak PSS of -pid's whole process tree, sampled, instead of its VmHWM")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		fmt.Fprintln(os.Stderr, "loadgen: -addr must be a loopback address")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()

	var gate chan struct{}
	if *dials > 0 {
		gate = make(chan struct{}, *dials)
	}
	var barrier *sync.WaitGroup
	if *together {
		barrier = &sync.WaitGroup{}
		barrier.Add(*sessions)
	}
	var sampler *treeSampler
	if *tree && *pid != 0 {
		sampler = sampleTree(*pid)
	}
	var failures atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *sessions; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := session(ctx, *addr, *file, *list, *timeout, gate, barrier); err != nil {
				failures.Add(1)
				if *verbose {
					fmt.Fprintln(os.Stderr, "loadgen:", err)
				}
			}
		}()
	}
	wg.Wait()
	wall := time.Since(start).Seconds()
	peak := peakRSS(*pid)
	if sampler != nil {
		peak = sampler.stop()
	}
	fmt.Printf("%.2f %d %s\n", wall, failures.Load(), peak)
}

func session(ctx context.Context, addr, file, list string, timeout time.Duration, gate chan struct{}, barrier *sync.WaitGroup) error {
	if barrier == nil {
		return sessionAt(ctx, addr, file, list, timeout, gate, func() {})
	}
	// Every session reaches the barrier exactly once, logged in or failed,
	// or the others would wait for it until the timeout.
	var once sync.Once
	arrive := func() { once.Do(func() { barrier.Done(); barrier.Wait() }) }
	defer arrive()
	return sessionAt(ctx, addr, file, list, timeout, gate, arrive)
}

func sessionAt(ctx context.Context, addr, file, list string, timeout time.Duration, gate chan struct{}, loggedIn func()) error {
	if gate != nil {
		gate <- struct{}{}
	}
	c, err := ftp.Dial(ctx, addr, ftp.ClientConfig{Network: ftp.OSNetwork{DialTimeout: timeout}, Mode: ftp.ModePassive, Timeout: timeout})
	if gate != nil {
		<-gate // greeted (or failed): the next connect may go
	}
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login("anonymous", "load@ftplab"); err != nil {
		return err
	}
	loggedIn()
	if _, err := c.List(list); err != nil {
		return err
	}
	if file != "" {
		if _, err := c.Retrieve(file, io.Discard); err != nil {
			return err
		}
	}
	return c.Quit()
}

// peakRSS reads VmHWM of a process, in MB, or "-" when not asked or unknown.
func peakRSS(pid int) string {
	if pid == 0 {
		return "-"
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return "-"
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmHWM:" {
			var kb int
			fmt.Sscan(f[1], &kb)
			return fmt.Sprintf("%d", kb/1024)
		}
	}
	return "-"
}

// treeSampler keeps the peak PSS of a process and its descendants.
type treeSampler struct {
	quit chan struct{}
	done chan struct{}
	peak int64 // kB
}

func sampleTree(pid int) *treeSampler {
	s := &treeSampler{quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		tick := time.NewTicker(5 * time.Millisecond)
		defer tick.Stop()
		for {
			if kb := treePSS(pid); kb > s.peak {
				s.peak = kb
			}
			select {
			case <-s.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return s
}

// stop ends the sampling and returns the peak in MB.
func (s *treeSampler) stop() string {
	close(s.quit)
	<-s.done
	return fmt.Sprintf("%d", s.peak/1024)
}

// treePSS sums the Pss of pid and every process descending from it, in kB.
func treePSS(pid int) int64 {
	parent := map[int]int{}
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		var p int
		if _, err := fmt.Sscan(e.Name(), &p); err != nil {
			continue
		}
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", p))
		if err != nil {
			continue
		}
		// The command name is in parentheses and may hold spaces.
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 {
			var pp int
			fmt.Sscan(f[1], &pp)
			parent[p] = pp
		}
	}
	var total int64
	for p := range parent {
		for a := p; a > 1; a = parent[a] {
			if a == pid {
				total += pss(p)
				break
			}
		}
	}
	return total
}

func pss(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/smaps_rollup", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "Pss:" {
			var kb int64
			fmt.Sscan(f[1], &kb)
			return kb
		}
	}
	return 0
}
