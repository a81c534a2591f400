package ftp

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func (s *Server) sessionCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// eventually polls cond every 10 ms for up to limit.
func eventually(limit time.Duration, cond func() bool) bool {
	for end := time.Now().Add(limit); ; time.Sleep(10 * time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(end) {
			return false
		}
	}
}

// noLeaks fails t unless srv is down to no session and the process holds
// no more descriptors than before (a little slack for the runtime). The
// test's own control connections must be closed first.
func noLeaks(t *testing.T, srv *Server, fdsBefore int) {
	t.Helper()
	if !eventually(5*time.Second, func() bool { return srv.sessionCount() == 0 }) {
		t.Errorf("%d sessions still open", srv.sessionCount())
	}
	var after int
	if !eventually(2*time.Second, func() bool {
		// splice(2) keeps pipes in a sync.Pool that a GC empties
		// (internal/poll); they are a cache, not a leak.
		runtime.GC()
		after = openFDs(t)
		return after <= fdsBefore+2
	}) {
		t.Errorf("descriptors: %d before, %d after: %s", fdsBefore, after, fdList())
	}
}

// fdList names the process's open descriptors, for a failure message.
func fdList() string {
	es, _ := os.ReadDir("/proc/self/fd")
	var out []string
	for _, e := range es {
		target, _ := os.Readlink(filepath.Join("/proc/self/fd", e.Name()))
		out = append(out, e.Name()+"->"+target)
	}
	return strings.Join(out, " ")
}

// reset closes c with SO_LINGER 0: the kernel sends RST, not FIN.
func reset(c net.Conn) {
	c.(*net.TCPConn).SetLinger(0)
	c.Close()
}

// drain reads d until it ends and reports how: nil for EOF, else the error.
// A server that left d open shows as a timeout after limit.
func drain(d net.Conn, limit time.Duration) (int64, error) {
	d.SetReadDeadline(time.Now().Add(limit))
	n, err := io.Copy(io.Discard, d)
	return n, err
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// randomFile writes size pseudo-random bytes (fixed seed) to path and
// returns their sha256.
func randomFile(t *testing.T, path string, size int) [32]byte {
	t.Helper()
	b := make([]byte, size)
	rand.NewChaCha8([32]byte{'f', 't', 'p'}).Read(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

// sparseFile makes a file of size zero bytes that takes no disk space.
func sparseFile(t *testing.T, path string, size int64) {
	t.Helper()
	f, err := os.Create(path)
	if err == nil {
		err = f.Truncate(size)
		f.Close()
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestClientResetsMidSTOR: a client that resets its data connection while
// the server is writing the upload gets 426 (or 451), finds neither the
// target nor a temporary file, and can go on using the session.
func TestClientResetsMidSTOR(t *testing.T) {
	dir := t.TempDir()
	srv, addr := startServer(t, "127.0.0.1:0", dir, nil)
	before := openFDs(t)
	c := loginBinary(t, addr)
	d := c.openTransfer("STOR up.bin")
	d.SetWriteDeadline(time.Now().Add(5 * time.Second))
	if _, err := d.Write(make([]byte, 4<<20)); err != nil {
		t.Fatal(err)
	}
	// The reset must come mid-upload: wait for the server to have written
	// part of the data to its temporary file.
	var tmp string
	if !eventually(5*time.Second, func() bool {
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if fi, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), ".ftplab-upload-") && fi.Size() > 0 {
				tmp = e.Name()
				return true
			}
		}
		return false
	}) {
		t.Fatal("the server never started writing the upload")
	}
	reset(d) // no FIN ever went out: the upload cannot look complete
	if rep := c.reply(); rep.Code != 426 && rep.Code != 451 {
		t.Fatalf("STOR whose data connection was reset: %q, want 426 or 451", rep.String())
	}
	// The reply comes after the cleanup, so the directory is final now.
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		t.Errorf("left behind after a reset upload: %s (the temporary file was %s)", e.Name(), tmp)
	}
	c.cmd("NOOP", 200)
	c.cmd("QUIT", 221)
	c.c.Close()
	noLeaks(t, srv, before)
}

// fakeRETRServer is a hand-written FTP server on loopback that answers a
// login, TYPE and EPSV, and on RETR sends 150 and some data, then resets the
// data connection and ends the transfer with final ("" sends nothing).
func fakeRETRServer(t *testing.T, final string) (addr string, done <-chan error) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan error, 1)
	go func() {
		defer l.Close()
		ch <- func() error {
			l.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
			c, err := l.Accept()
			if err != nil {
				return err
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(10 * time.Second))
			r := bufio.NewReader(c)
			var data net.Listener
			say := func(s string) { io.WriteString(c, s+"\r\n") }
			say("220 fake")
			for {
				line, err := r.ReadString('\n')
				if err != nil {
					return nil // the client hung up: done
				}
				verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
				switch verb {
				case "USER":
					say("331 password")
				case "PASS":
					say("230 in")
				case "TYPE":
					say("200 ok")
				case "EPSV":
					if data, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
						return err
					}
					defer data.Close()
					say("229 " + Format229(uint16(data.Addr().(*net.TCPAddr).Port)))
				case "RETR":
					data.(*net.TCPListener).SetDeadline(time.Now().Add(5 * time.Second))
					d, err := data.Accept()
					if err != nil {
						return err
					}
					say("150 here it comes")
					d.Write(make([]byte, 256<<10))
					reset(d)
					if final != "" {
						say(final)
					}
				default:
					say("502 not here")
				}
			}
		}()
	}()
	return l.Addr().String(), ch
}

// TestServerResetsMidRETR: when the server resets the data connection in
// the middle of a download, Client.Retrieve returns an error that says so,
// whatever the control channel says next, and within the client's timeout.
func TestServerResetsMidRETR(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name  string
		final string // the fake server's reply after the reset
		check func(error) bool
	}{
		{"then 426", "426 Connection reset; transfer aborted.", func(err error) bool {
			var re *ReplyError
			return errors.As(err, &re) && re.Reply.Code == 426
		}},
		// A server that resets and still claims success: the reset must
		// not be lost behind the 226.
		{"then a lying 226", "226 Transfer complete.", func(err error) bool { return errors.Is(err, syscall.ECONNRESET) }},
		// A server that resets and says nothing: the client's timeout ends it.
		{"then silence", "", isTimeout},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr, done := fakeRETRServer(t, tt.final)
			cl, err := Dial(context.Background(), addr, ClientConfig{Mode: ModeEPSV, Timeout: timeout})
			if err != nil {
				t.Fatal(err)
			}
			if err := cl.Login("anonymous", "x@"); err != nil {
				t.Fatal(err)
			}
			result := make(chan error, 1)
			go func() {
				_, err := cl.Retrieve("file", io.Discard)
				result <- err
			}()
			select {
			case err = <-result:
			case <-time.After(10 * timeout):
				cl.Close()
				<-result
				t.Fatalf("Retrieve still running %v after the reset", 10*timeout)
			}
			cl.Close()
			if err == nil || !tt.check(err) {
				t.Errorf("Retrieve after a data reset returned %v", err)
			}
			if ferr := <-done; ferr != nil {
				t.Errorf("fake server: %v", ferr)
			}
		})
	}
}

// TestControlResetMidRETR: a client whose control connection is reset in
// the middle of a download loses the data connection at once (not after
// DataTimeout), and the session ends without leaking anything.
func TestControlResetMidRETR(t *testing.T) {
	dir := t.TempDir()
	const size = 256 << 20 // far more than the socket buffers hold
	sparseFile(t, filepath.Join(dir, "big"), size)
	srv, addr := startServer(t, "127.0.0.1:0", dir, func(c *ServerConfig) { c.DataTimeout = time.Minute })
	before := openFDs(t)
	c := loginBinary(t, addr)
	d := c.openTransfer("RETR big")
	if _, err := io.CopyN(io.Discard, d, 64<<10); err != nil {
		t.Fatal(err)
	}
	reset(c.c) // the control connection goes; the data one stays open
	// The server must close the data connection: draining it ends well
	// before the one-minute DataTimeout could have done it.
	n, err := drain(d, 10*time.Second)
	if isTimeout(err) {
		t.Fatalf("data connection still open 10s after the control connection was reset (%d bytes read)", n)
	}
	if n+64<<10 >= size {
		t.Errorf("the whole file went out (%d bytes) after the control connection was reset", n)
	}
	d.Close()
	noLeaks(t, srv, before)
}

// TestHalfOpenDataFreed: a client that connects for RETR and never reads
// (its window fills) gets 426 after DataTimeout, and the server really
// lets go of the data connection and its descriptors.
func TestHalfOpenDataFreed(t *testing.T) {
	dir := t.TempDir()
	sparseFile(t, filepath.Join(dir, "big"), 256<<20)
	const limit = 300 * time.Millisecond
	srv, addr := startServer(t, "127.0.0.1:0", dir, func(c *ServerConfig) { c.DataTimeout = limit })
	before := openFDs(t)
	c := loginBinary(t, addr)
	d := c.epsvDial()
	start := time.Now()
	c.send("RETR big")
	c.expect(150)
	if rep := c.reply(); rep.Code != 426 {
		t.Fatalf("RETR to a client that never reads: %q, want 426", rep.String())
	}
	if took := time.Since(start); took < limit {
		t.Errorf("426 after %v, before DataTimeout %v", took, limit)
	}
	if _, err := drain(d, 5*time.Second); isTimeout(err) {
		t.Error("after 426 the server still holds the data connection open")
	}
	d.Close()
	c.cmd("NOOP", 200)
	c.cmd("QUIT", 221)
	c.c.Close()
	noLeaks(t, srv, before)
}

// TestPassiveNeverConnected: a client that asks for PASV or EPSV and never
// connects gets 425 after DataTimeout, and the passive port is closed; a
// passive port left unused is closed when the session ends.
func TestPassiveNeverConnected(t *testing.T) {
	const limit = 200 * time.Millisecond
	srv, addr := startServer(t, "127.0.0.1:0", sandbox(t), func(c *ServerConfig) { c.DataTimeout = limit })
	before := openFDs(t)
	c := dialRaw(t, addr)
	c.login()
	passivePort := func(verb string) string {
		var port uint16
		if verb == "PASV" {
			ap, err := Parse227(c.cmd("PASV", 227).String())
			if err != nil {
				t.Fatal(err)
			}
			port = ap.Port()
		} else {
			var err error
			if port, err = Parse229(c.cmd("EPSV", 229).String()); err != nil {
				t.Fatal(err)
			}
		}
		return net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	}
	for _, tt := range []struct{ verb, cmd string }{
		{"PASV", "RETR hello.txt"}, {"EPSV", "LIST"}, {"EPSV", "STOR never.bin"},
	} {
		target := passivePort(tt.verb)
		start := time.Now()
		c.send(tt.cmd)
		if rep := c.reply(); rep.Code != 425 {
			t.Fatalf("%s, %s, no connection: %q, want 425", tt.verb, tt.cmd, rep.String())
		}
		if took := time.Since(start); took < limit {
			t.Errorf("%s, %s: 425 after %v, before DataTimeout %v", tt.verb, tt.cmd, took, limit)
		}
		if d, err := net.Dial("tcp", target); err == nil {
			d.Close()
			t.Errorf("%s, %s: the passive port %s still accepts after 425", tt.verb, tt.cmd, target)
		}
	}
	c.cmd("NOOP", 200)
	target := passivePort("EPSV")
	c.cmd("QUIT", 221)
	c.c.Close()
	if !eventually(5*time.Second, func() bool {
		d, err := net.Dial("tcp", target)
		if err == nil {
			d.Close()
		}
		return err != nil
	}) {
		t.Errorf("the passive port %s outlived its session", target)
	}
	if _, err := os.Stat(filepath.Join(srv.cfg.Root.Name(), "never.bin")); !os.IsNotExist(err) {
		t.Errorf("STOR with no data connection left a file: %v", err)
	}
	noLeaks(t, srv, before)
}

// TestStallThenResume: a client that pauses for less than DataTimeout in
// the middle of a transfer (long enough for the server to block on the full
// socket buffers) and then goes on gets the whole file, byte for byte, both
// ways. (TestSlowButSteady covers many short pauses, on zeros, no sha256.)
func TestStallThenResume(t *testing.T) {
	dir := t.TempDir()
	const size = 48 << 20
	want := randomFile(t, filepath.Join(dir, "r.bin"), size)
	const limit = 400 * time.Millisecond
	pause := limit / 2
	srv, addr := startServer(t, "127.0.0.1:0", dir, func(c *ServerConfig) { c.DataTimeout = limit })
	before := openFDs(t)
	pauseAt := []int64{4 << 20} // bytes moved before the pause
	t.Run("RETR", func(t *testing.T) {
		c := loginBinary(t, addr)
		d := c.openTransfer("RETR r.bin")
		h := sha256.New()
		var got int64
		for _, at := range append(pauseAt, size) {
			d.SetReadDeadline(time.Now().Add(5 * time.Second))
			n, err := io.CopyN(h, d, at-got)
			got += n
			if err != nil {
				t.Fatalf("after %d bytes: %v", got, err)
			}
			if got < size {
				time.Sleep(pause)
			}
		}
		if n, _ := drain(d, 5*time.Second); n != 0 {
			t.Errorf("%d bytes beyond the file's %d", n, size)
		}
		c.expect(226)
		if [32]byte(h.Sum(nil)) != want {
			t.Error("sha256 of the download differs from the file's")
		}
		c.cmd("QUIT", 221)
	})
	t.Run("STOR", func(t *testing.T) {
		data, _ := os.ReadFile(filepath.Join(dir, "r.bin"))
		c := loginBinary(t, addr)
		d := c.openTransfer("STOR w.bin")
		var sent int64
		for _, at := range append(pauseAt, size) {
			d.SetWriteDeadline(time.Now().Add(5 * time.Second))
			n, err := d.Write(data[sent:at])
			sent += int64(n)
			if err != nil {
				t.Fatalf("after %d bytes: %v", sent, err)
			}
			if sent < size {
				time.Sleep(pause)
			}
		}
		d.Close()
		c.expect(226)
		stored, err := os.ReadFile(filepath.Join(dir, "w.bin"))
		if err != nil || sha256.Sum256(stored) != want {
			t.Errorf("stored file: %d bytes, err %v, sha256 equal: %v", len(stored), err, sha256.Sum256(stored) == want)
		}
		c.cmd("QUIT", 221)
	})
	noLeaks(t, srv, before)
}
