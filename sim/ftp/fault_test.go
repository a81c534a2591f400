package ftp

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func openFDs(t *testing.T) int {
	t.Helper()
	es, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skip("no /proc/self/fd here")
	}
	return len(es)
}

// TestClientVanishesMidTransfer: a client that drops the data connection
// mid-RETR gets 426, the session goes on, and a client that vanishes
// without QUIT costs no goroutine and no descriptor.
func TestClientVanishesMidTransfer(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "big"), make([]byte, 32<<20), 0o644)
	addr := testServer(t, dir, nil)
	before := openFDs(t)
	for i := 0; i < 20; i++ {
		c := dialRaw(t, addr)
		c.login()
		c.cmd("TYPE I", 200)
		rep := c.cmd("EPSV", 229)
		port, _ := Parse229(rep.String())
		d, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
		if err != nil {
			t.Fatal(err)
		}
		c.send("RETR big")
		c.expect(150)
		io.CopyN(io.Discard, d, 1<<16)
		d.(*net.TCPConn).SetLinger(0)
		d.Close() // gone mid-file
		if rep := c.reply(); rep.Code != 426 {
			t.Fatalf("a broken download answered %q, want 426", rep.String())
		}
		c.cmd("NOOP", 200) // the control connection still works
		c.c.Close()        // and now the client vanishes without QUIT
	}
	time.Sleep(200 * time.Millisecond)
	if after := openFDs(t); after > before+2 {
		t.Errorf("descriptors: %d before, %d after 20 broken sessions", before, after)
	}
}

// TestIdleClientTimesOut: a client that goes quiet gets 421 and is closed.
func TestIdleClientTimesOut(t *testing.T) {
	addr := testServer(t, t.TempDir(), func(c *ServerConfig) { c.IdleTimeout = 200 * time.Millisecond })
	c := dialRaw(t, addr)
	c.login()
	c.c.SetDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c.r).ReadString('\n')
	if !strings.HasPrefix(line, "421 ") {
		t.Fatalf("an idle client got %q, want 421", line)
	}
	if _, err := c.r.ReadByte(); err == nil {
		t.Error("the server should close the connection after 421")
	}
}

// TestSlowLoris: a client trickling one byte at a time cannot hold a
// session past the idle timeout.
func TestSlowLoris(t *testing.T) {
	addr := testServer(t, t.TempDir(), func(c *ServerConfig) { c.IdleTimeout = 300 * time.Millisecond })
	c := dialRaw(t, addr)
	start := time.Now()
	for _, b := range []byte("USER anonymous") {
		if _, err := c.c.Write([]byte{b}); err != nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
		if time.Since(start) > 3*time.Second {
			break
		}
	}
	c.c.SetDeadline(time.Now().Add(3 * time.Second))
	line, _ := c.r.ReadString('\n')
	if !strings.HasPrefix(line, "421 ") {
		t.Errorf("a 1-byte-per-100ms client got %q, want 421 once the idle timeout passes", line)
	}
}

// TestServerCloseMidSTOR: closing the server during an upload leaves no
// file under the target name and no temporary file.
func TestServerCloseMidSTOR(t *testing.T) {
	dir := t.TempDir()
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	srv, _ := NewServer(ServerConfig{Root: root, Anonymous: true, AllowUpload: true, FailedLoginDelay: -1})
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	done := make(chan struct{})
	go func() { srv.Serve(context.Background(), l); close(done) }()
	c := dialRaw(t, l.Addr().String())
	c.login()
	rep := c.cmd("EPSV", 229)
	port, _ := Parse229(rep.String())
	d, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c.send("STOR half.bin")
	c.expect(150)
	d.Write(make([]byte, 1<<20))
	srv.Close() // the server goes away mid-upload
	<-done
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		t.Errorf("left behind: %s", e.Name())
	}
}
