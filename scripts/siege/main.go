// Command siege attacks a running FTP server on loopback with a slowloris
// (many connections that trickle a byte now and then and never log in) and
// a password guesser (workers that reconnect after every wrong guess),
// while a legitimate user logs in and downloads a file once a second. It
// prints the user's success rate and times and what the attackers got.
// It only dials loopback and stops by itself after -duration.
//
// Each party can come from its own loopback address (127.0.0.2 and
// 127.0.0.3 are other hosts as far as the server can tell) or share the
// user's, as in a classroom behind one NAT.
package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"flag"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"ftplab/sim/ftp"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:2121", "server address (loopback only)")
	duration := flag.Duration("duration", 30*time.Second, "how long the attack runs")
	loris := flag.Int("loris", 200, "slowloris connections")
	lorisFrom := flag.String("loris-from", "127.0.0.2", "slowloris source address")
	guessers := flag.Int("guessers", 32, "password-guessing workers")
	guessFrom := flag.String("guess-from", "127.0.0.3", "guessers' source address")
	userFrom := flag.String("user-from", "127.0.0.1", "the legitimate user's source address")
	user := flag.String("user", "bob:secret", "the legitimate user NAME:PASSWORD (the guessers try NAME)")
	file := flag.String("file", "data.bin", "file the user downloads")
	flag.Parse()
	host, _, err := net.SplitHostPort(*addr)
	if err != nil || !net.ParseIP(host).IsLoopback() {
		fmt.Fprintln(os.Stderr, "siege: -addr must be a loopback address")
		os.Exit(2)
	}
	for _, a := range []string{*lorisFrom, *guessFrom, *userFrom} {
		if ip := net.ParseIP(a); ip == nil || !ip.IsLoopback() {
			fmt.Fprintf(os.Stderr, "siege: source %q must be a loopback address\n", a)
			os.Exit(2)
		}
	}
	name, pass, _ := strings.Cut(*user, ":")
	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()

	var wg sync.WaitGroup
	var lorisHeld, lorisRefused, lorisCut atomic.Int64
	for range *loris {
		wg.Add(1)
		go func() { defer wg.Done(); slowloris(ctx, *addr, *lorisFrom, &lorisHeld, &lorisRefused, &lorisCut) }()
	}
	var guesses, answered, refused atomic.Int64
	for i := range *guessers {
		wg.Add(1)
		go func() { defer wg.Done(); guess(ctx, *addr, *guessFrom, name, i, &guesses, &answered, &refused) }()
	}

	var times []time.Duration
	var failures []string
	tries := 0
	tick := time.NewTicker(time.Second)
	for ctx.Err() == nil {
		select {
		case <-ctx.Done():
		case <-tick.C:
			tries++
			took, err := download(*addr, *userFrom, name, pass, *file)
			if err != nil {
				failures = append(failures, err.Error())
			} else {
				times = append(times, took)
			}
		}
	}
	tick.Stop()
	wg.Wait()

	slices.Sort(times)
	fmt.Printf("attack: %v; slowloris %d conns from %s, %d guessers from %s; user from %s\n",
		*duration, *loris, *lorisFrom, *guessers, *guessFrom, *userFrom)
	fmt.Printf("user: %d of %d logins+downloads succeeded", len(times), tries)
	if len(times) > 0 {
		fmt.Printf("; time median %v, max %v", times[len(times)/2].Round(time.Millisecond), times[len(times)-1].Round(time.Millisecond))
	}
	fmt.Println()
	for i, f := range failures {
		if i == 5 {
			fmt.Printf("  ... %d more\n", len(failures)-5)
			break
		}
		fmt.Println("  failed:", f)
	}
	fmt.Printf("slowloris: %d greeted with 220, %d refused with 421 at connect, %d cut off by the server\n",
		lorisHeld.Load(), lorisRefused.Load(), lorisCut.Load())
	fmt.Printf("guessers: %d passwords sent, %d answered 530, %d refused 421 or cut off unanswered (%.1f answers/s)\n",
		guesses.Load(), answered.Load(), refused.Load(), float64(answered.Load())/duration.Seconds())
}

func dialFrom(ctx context.Context, src, addr string) (net.Conn, error) {
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	return d.DialContext(ctx, "tcp", addr)
}

// slowloris holds connections open: one byte of "USER x" every 5 s,
// reconnecting whenever the server hangs up, until ctx ends.
func slowloris(ctx context.Context, addr, src string, held, refused, cut *atomic.Int64) {
	for ctx.Err() == nil {
		c, err := dialFrom(ctx, src, addr)
		if err != nil {
			sleep(ctx, time.Second)
			continue
		}
		stop := context.AfterFunc(ctx, func() { c.Close() })
		r := bufio.NewReader(c)
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		greet, err := r.ReadString('\n')
		switch {
		case err != nil:
		case strings.HasPrefix(greet, "421"):
			refused.Add(1)
		default:
			held.Add(1)
			for _, b := range []byte("USER slowloris") {
				if !sleep(ctx, 5*time.Second) {
					break
				}
				if _, err := c.Write([]byte{b}); err != nil {
					cut.Add(1)
					break
				}
				c.SetReadDeadline(time.Now().Add(time.Millisecond))
				if _, err := r.ReadByte(); err != nil && !isTimeout(err) {
					cut.Add(1) // the server said 421 and closed, or reset
					break
				}
			}
		}
		stop()
		c.Close()
		sleep(ctx, 100*time.Millisecond)
	}
}

// guess tries wrong passwords for name, one per connection.
func guess(ctx context.Context, addr, src, name string, worker int, guesses, answered, refused *atomic.Int64) {
	for n := 0; ctx.Err() == nil; n++ {
		c, err := dialFrom(ctx, src, addr)
		if err != nil {
			sleep(ctx, 100*time.Millisecond)
			continue
		}
		stop := context.AfterFunc(ctx, func() { c.Close() })
		c.SetDeadline(time.Now().Add(15 * time.Second))
		r := bufio.NewReader(c)
		if greet, err := r.ReadString('\n'); err == nil && strings.HasPrefix(greet, "220") {
			fmt.Fprintf(c, "USER %s\r\nPASS guess-%d-%d\r\n", name, worker, n)
			guesses.Add(1)
			r.ReadString('\n') // 331
			line, err := r.ReadString('\n')
			switch {
			case err == nil && strings.HasPrefix(line, "530"):
				answered.Add(1)
			case err == nil && strings.HasPrefix(line, "230"):
				fmt.Println("guessers: a guess was accepted!")
			default:
				refused.Add(1)
			}
		}
		stop()
		c.Close()
	}
}

// download logs in and retrieves file with a fresh client, timing it all.
func download(addr, src, name, pass, file string) (time.Duration, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := ftp.Dial(ctx, addr, ftp.ClientConfig{LocalAddr: net.JoinHostPort(src, "0"), Mode: ftp.ModeEPSV, Timeout: 20 * time.Second})
	if err != nil {
		return 0, fmt.Errorf("dial: %w", err)
	}
	defer c.Close()
	if err := c.Login(name, pass); err != nil {
		return 0, fmt.Errorf("login: %w", err)
	}
	h := sha256.New()
	if _, err := c.Retrieve(file, h); err != nil {
		return 0, fmt.Errorf("RETR: %w", err)
	}
	c.Quit()
	return time.Since(start), nil
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}
