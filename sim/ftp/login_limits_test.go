package ftp

import (
	"bufio"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// dialFrom opens a control connection from the loopback address src
// (127.0.0.2 is another host as far as the server can tell).
func dialFrom(t *testing.T, src, addr string) *rawConn {
	t.Helper()
	c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}}).Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c, r: bufio.NewReader(c)}
}

// TestLoginTimeout: a client that keeps talking (NOOP is allowed before
// login and used to reset the idle timer) but never logs in is cut off at
// the login timeout; a logged-in one is not.
func TestLoginTimeout(t *testing.T) {
	const limit = 300 * time.Millisecond
	addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.LoginTimeout = limit })
	idler := dialRaw(t, addr)
	user := dialRaw(t, addr)
	user.login()
	start := time.Now()
	for time.Since(start) < 3*time.Second {
		idler.send("NOOP")
		if rep := idler.reply(); rep.Code == 421 {
			if !strings.Contains(rep.Text(), "Login") {
				t.Errorf("timeout reply %q does not say it is the login", rep.String())
			}
			if took := time.Since(start); took > limit+time.Second {
				t.Errorf("cut off after %v, want about %v", took, limit)
			}
			user.cmd("NOOP", 200) // logged in: no login timeout
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("a client sending NOOP without logging in was still served after 3 s (login timeout %v)", limit)
}

// TestConnectionsPerAddress: past MaxConnsPerIP, one address gets 421
// while another still gets in, and a slot freed is a slot again.
func TestConnectionsPerAddress(t *testing.T) {
	srv, addr := startServer(t, "127.0.0.1:0", sandbox(t), func(c *ServerConfig) { c.MaxConnsPerIP = 3 })
	var held []*rawConn
	for range 3 {
		c := dialFrom(t, "127.0.0.2", addr)
		c.expect(220)
		held = append(held, c)
	}
	over := dialFrom(t, "127.0.0.2", addr)
	if rep := over.reply(); rep.Code != 421 || !strings.Contains(rep.Text(), "address") {
		t.Errorf("4th connection from one address: %q, want 421 naming the address", rep.String())
	}
	other := dialFrom(t, "127.0.0.1", addr)
	other.expect(220)
	other.login()
	held[0].cmd("QUIT", 221)
	if !eventually(2*time.Second, func() bool { return srv.sessionCount() == 3 }) {
		t.Fatal("the session that quit did not end")
	}
	again := dialFrom(t, "127.0.0.2", addr)
	again.expect(220)
}

// TestMaxLoginFails: after three wrong passwords (vsftpd's default
// max_login_fails) the server hangs up.
func TestMaxLoginFails(t *testing.T) {
	addr := testServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	for range 3 {
		c.cmd("USER ada", 331)
		c.cmd("PASS wrong", 530)
	}
	c.c.SetDeadline(time.Now().Add(2 * time.Second))
	if line, err := c.r.ReadString('\n'); err == nil || isTimeout(err) {
		t.Errorf("after 3 failed logins the connection is still open: %q, %v", line, err)
	}
}

// TestGuessingByReconnecting: 16 workers on one address guess passwords
// for 2 s, each reconnecting after every guess, as a script would. The
// delay follows the address, so they get few answers; a user on another
// address logs in at once all along, and one on the attackers' address
// can still log in, after a wait.
func TestGuessingByReconnecting(t *testing.T) {
	const base = 20 * time.Millisecond // checks from a guessing address: 5 x 20 ms apart
	addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.FailedLoginDelay = base })
	var answered atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				c, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).Dial("tcp", addr)
				if err != nil {
					continue
				}
				c.SetDeadline(time.Now().Add(3 * time.Second))
				r := bufio.NewReader(c)
				r.ReadString('\n')
				c.Write([]byte("USER ada\r\nPASS guess\r\n"))
				r.ReadString('\n')
				if line, _ := r.ReadString('\n'); strings.HasPrefix(line, "530") {
					answered.Add(1)
				}
				c.Close()
			}
		}()
	}
	var worst time.Duration
	for range 5 {
		time.Sleep(300 * time.Millisecond)
		start := time.Now()
		u := dialFrom(t, "127.0.0.1", addr)
		u.expect(220)
		u.cmd("USER ada", 331)
		u.cmd("PASS lovelace", 230)
		worst = max(worst, time.Since(start))
		u.c.Close()
	}
	close(stop)
	wg.Wait()
	// About 1.6 s at one check per 100 ms once the address has 5
	// failures is 16, plus the ramp to 5 and the first round of 16 that
	// all came before any failure was counted: about 40. Per connection,
	// as the delay was before, it was one answer per 20 ms per worker:
	// over 1000.
	if n := answered.Load(); n > 60 {
		t.Errorf("%d guesses answered in about 2 s from one address, want at most 60", n)
	}
	if worst > 500*time.Millisecond {
		t.Errorf("a user on another address took %v to log in during the attack", worst)
	}
	t.Logf("guesses answered: %d; slowest login from another address: %v", answered.Load(), worst)
	// The attackers' address, once they stop, is let in after its wait.
	u := dialFrom(t, "127.0.0.2", addr)
	u.expect(220)
	u.cmd("USER ada", 331)
	u.send("PASS lovelace")
	u.c.SetDeadline(time.Now().Add(15 * time.Second))
	rep, err := ReadReply(u.r, nil)
	if err != nil || (rep.Code != 230 && rep.Code != 421) {
		t.Errorf("the right password from the attackers' address: %q, %v", rep.String(), err)
	}
}
