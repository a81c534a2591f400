// Command loadgen opens many concurrent FTP sessions against one server
// (login, LIST, RETR, QUIT) and prints "<wall seconds> <failures> <server
// peak RSS MB>" for scripts/bench. It only dials loopback and stops by
// itself: every session has a deadline and the count is fixed.
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
	var failures atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < *sessions; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := session(ctx, *addr, *file, *timeout, gate); err != nil {
				failures.Add(1)
				if *verbose {
					fmt.Fprintln(os.Stderr, "loadgen:", err)
				}
			}
		}()
	}
	wg.Wait()
	fmt.Printf("%.2f %d %s\n", time.Since(start).Seconds(), failures.Load(), peakRSS(*pid))
}

func session(ctx context.Context, addr, file string, timeout time.Duration, gate chan struct{}) error {
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
	if _, err := c.List(""); err != nil {
		return err
	}
	if _, err := c.Retrieve(file, io.Discard); err != nil {
		return err
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
