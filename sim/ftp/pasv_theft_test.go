package ftp

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPassivePortsUnpredictable: on the OS network a PASV's port cannot be
// told from the ones before it. 40 PASV in a range of 200: in order, 39 of
// them would be the previous port plus one; at random about 0.2 are.
func TestPassivePortsUnpredictable(t *testing.T) {
	lo := 20000 + os.Getpid()%5000
	addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.PasvMinPort, c.PasvMaxPort = lo, lo+199 })
	c := dialRaw(t, addr)
	c.login()
	prev, next := -1, 0
	for range 40 {
		ap, err := Parse227(c.cmd("PASV", 227).String())
		if err != nil {
			t.Fatal(err)
		}
		p := int(ap.Port())
		if p < lo || p > lo+199 {
			t.Fatalf("port %d outside the range %d-%d", p, lo, lo+199)
		}
		if prev >= 0 && p == lo+(prev-lo+1)%200 {
			next++
		}
		prev = p
	}
	if next > 5 {
		t.Errorf("%d of 39 passive ports were the previous one plus one: predictable", next)
	}
}

// TestSecondPassiveConnection: a thief from the control peer's own address
// (a classroom behind one NAT) connects to the victim's passive port, and
// so does the victim. Nothing tells which is whose, so both are refused
// and the victim gets 425: the thief gets no byte of a RETR and cannot
// forge a STOR.
func TestSecondPassiveConnection(t *testing.T) {
	dir := sandbox(t)
	var (
		mu     sync.Mutex
		logged strings.Builder
	)
	addr := testServer(t, dir, func(c *ServerConfig) {
		c.Logf = func(f string, a ...any) {
			mu.Lock()
			defer mu.Unlock()
			fmt.Fprintf(&logged, f+"\n", a...)
		}
	})
	for _, tc := range []struct{ cmd, thief string }{
		{"RETR hello.txt", ""},
		{"STOR hello.txt", "FORGED BY THE THIEF"},
	} {
		c := loginBinary(t, addr)
		port, err := Parse229(c.cmd("EPSV", 229).String())
		if err != nil {
			t.Fatal(err)
		}
		target := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
		thief, err := net.Dial("tcp", target) // the same IP as the victim
		if err != nil {
			t.Fatal(err)
		}
		defer thief.Close()
		if tc.thief != "" {
			io.WriteString(thief, tc.thief)
			thief.(*net.TCPConn).CloseWrite()
		}
		own, err := net.Dial("tcp", target)
		if err != nil {
			t.Fatal(err)
		}
		defer own.Close()
		time.Sleep(20 * time.Millisecond) // both are queued on the port
		c.send(tc.cmd)
		if rep := c.reply(); rep.Code != 425 {
			t.Errorf("%s with two connections on the port: %q, want 425", tc.cmd, rep.String())
		}
		thief.SetDeadline(time.Now().Add(2 * time.Second))
		stolen, _ := io.ReadAll(bufio.NewReader(thief))
		if len(stolen) != 0 {
			t.Errorf("%s: the thief read %q", tc.cmd, stolen)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "hello.txt")); string(got) != "hello\n" {
			t.Errorf("%s: hello.txt is now %q", tc.cmd, got)
		}
		c.cmd("NOOP", 200) // the session goes on
	}
	mu.Lock()
	defer mu.Unlock()
	if n := strings.Count(logged.String(), "refused two data connections"); n != 2 {
		t.Errorf("log has %d refusals, want 2:\n%s", n, logged.String())
	}
}
