package ftp

import (
	"bufio"
	"io"
	"os"
	"path/filepath"
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
		c := loginBinary(t, addr)
		d := c.openTransfer("RETR big")
		io.CopyN(io.Discard, d, 1<<16)
		reset(d) // gone mid-file
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
	// Only anonymous uploads, and the server's default DataTimeout.
	_, addr, stop := serveDir(t, "127.0.0.1:0", dir, func(c *ServerConfig) { c.Users, c.DataTimeout = nil, 0 })
	c := dialRaw(t, addr)
	c.login()
	d := c.openTransfer("STOR half.bin")
	d.Write(make([]byte, 1<<20))
	stop() // the server goes away mid-upload
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		t.Errorf("left behind: %s", e.Name())
	}
}
