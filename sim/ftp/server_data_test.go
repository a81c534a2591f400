package ftp

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestDataCopyIsZeroCopy: RETR hands io.Copy the bare *net.TCPConn and the
// *os.File (sendfile), STOR the *os.File and the *net.TCPConn (splice). A
// wrapper on either side would silently copy through user space.
func TestDataCopyIsZeroCopy(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	copyHook = func(dst io.Writer, src io.Reader) {
		mu.Lock()
		seen = append(seen, fmt.Sprintf("%T<-%T", dst, src))
		mu.Unlock()
	}
	t.Cleanup(func() { copyHook = nil }) // runs after the server has stopped
	dir := sandbox(t)
	addr := testServer(t, dir, nil)
	c := loginBinary(t, addr)
	if data, rep := c.pasvGet("RETR hello.txt"); rep.Code != 226 || data != "hello\n" {
		t.Fatalf("RETR: %q %q", data, rep.String())
	}
	d := c.openTransfer("STOR up.txt")
	d.Write([]byte("up\n"))
	d.Close()
	c.expect(226)
	mu.Lock()
	defer mu.Unlock()
	want := []string{"*net.TCPConn<-*os.File", "*os.File<-*net.TCPConn"}
	if strings.Join(seen, " ") != strings.Join(want, " ") {
		t.Errorf("data copies %v, want %v", seen, want)
	}
}

// TestDataStall: a client that opens the data connection and then stops
// reading (RETR) or sending (STOR) gets 426 after DataTimeout, and a
// stalled upload leaves no file behind.
func TestDataStall(t *testing.T) {
	dir := sandbox(t)
	// Larger than the loopback socket buffers, so the sender must block.
	if err := os.Truncate(filepath.Join(dir, "hello.txt"), 64<<20); err != nil {
		t.Fatal(err)
	}
	addr := testServer(t, dir, func(c *ServerConfig) { c.DataTimeout = 300 * time.Millisecond })
	for _, cmd := range []string{"RETR hello.txt", "STOR stalled.bin"} {
		t.Run(strings.Fields(cmd)[0], func(t *testing.T) {
			c := loginBinary(t, addr)
			d := c.openTransfer(cmd)
			defer d.Close()
			if rep := c.reply(); rep.Code != 426 {
				t.Errorf("%s stalled: %q, want 426", cmd, rep.String())
			}
			c.cmd("NOOP", 200) // the session goes on
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "stalled.bin")); !os.IsNotExist(err) {
		t.Errorf("a stalled upload left a file: %v", err)
	}
}

// TestABORDuringTransfer: ABOR while data flows stops it at once: 426 for
// the transfer, 226 for the ABOR; lines other than ABOR wait their turn;
// and the session goes on.
func TestABORDuringTransfer(t *testing.T) {
	dir := sandbox(t)
	if err := os.Truncate(filepath.Join(dir, "hello.txt"), 256<<20); err != nil {
		t.Fatal(err)
	}
	var log eventLog
	addr := testServer(t, dir, func(c *ServerConfig) { c.Observer = log.observe })
	for _, abor := range []string{"ABOR", "\xff\xf4\xff\xf2ABOR"} {
		c := loginBinary(t, addr)
		d := c.openTransfer("RETR hello.txt")
		d.Read(make([]byte, 1024)) // the transfer is under way and stalls: nobody reads on
		c.send(abor)
		if rep := c.reply(); rep.Code != 426 {
			t.Errorf("%q during RETR: %q, want 426", abor, rep.String())
		}
		if rep := c.reply(); rep.String() != "226 ABOR successful." {
			t.Errorf("%q: second reply %q", abor, rep.String())
		}
		c.cmd("NOOP", 200)
		d.Close()
	}
	steps := strings.Join(log.steps("ABOR"), ", ")
	if !strings.HasPrefix(steps, "command control ABOR, transfer-end data RETR err, close data, reply control 426, reply control 226") {
		t.Errorf("events after ABOR: %s", steps)
	}
}

// TestCommandDuringTransfer: a command sent while a transfer runs is
// answered after the transfer's own reply.
func TestCommandDuringTransfer(t *testing.T) {
	dir := sandbox(t)
	if err := os.Truncate(filepath.Join(dir, "hello.txt"), 16<<20); err != nil {
		t.Fatal(err)
	}
	addr := testServer(t, dir, nil)
	c := loginBinary(t, addr)
	d := c.openTransfer("RETR hello.txt")
	defer d.Close()
	c.send("NOOP")
	d.SetDeadline(time.Now().Add(10 * time.Second))
	n, err := io.Copy(io.Discard, d)
	if err != nil || n != 16<<20 {
		t.Fatalf("data: %d bytes, %v", n, err)
	}
	c.expect(226)
	c.expect(200)
}

// TestSlowButSteady: a transfer that takes many times DataTimeout but
// keeps moving is not cut: the limit is on a stall.
func TestSlowButSteady(t *testing.T) {
	dir := sandbox(t)
	// The kernel wakes a blocked sender only when a good part of its
	// socket buffer is free, so the client moves 1 MiB per step: steady at
	// the scale of the buffers, and still four times DataTimeout in all.
	const size = 48 << 20
	if err := os.Truncate(filepath.Join(dir, "hello.txt"), size); err != nil {
		t.Fatal(err)
	}
	limit := 300 * time.Millisecond
	addr := testServer(t, dir, func(c *ServerConfig) { c.DataTimeout = limit })
	for _, cmd := range []string{"RETR hello.txt", "STOR steady.bin"} {
		t.Run(strings.Fields(cmd)[0], func(t *testing.T) {
			c := loginBinary(t, addr)
			d := c.openTransfer(cmd)
			defer d.Close()
			start := time.Now()
			buf := make([]byte, 1<<20)
			var moved int
			for moved < size {
				time.Sleep(25 * time.Millisecond)
				var n int
				var err error
				if cmd[0] == 'R' {
					d.SetReadDeadline(time.Now().Add(5 * time.Second))
					n, err = io.ReadFull(d, buf)
				} else {
					n, err = d.Write(buf)
				}
				moved += n
				if err != nil {
					t.Fatalf("after %d bytes: %v", moved, err)
				}
			}
			if cmd[0] == 'S' {
				d.Close()
			}
			if took := time.Since(start); took < 4*limit {
				t.Fatalf("took only %v: not a test of a long transfer", took)
			}
			c.expect(226)
		})
	}
}

// pasvPut uploads data with cmd over EPSV and returns the final reply.
func (rc *rawConn) pasvPut(cmd, data string) Reply {
	rc.t.Helper()
	d := rc.epsvDial()
	rc.send(cmd)
	if first := rc.reply(); first.Code != 150 {
		d.Close()
		return first
	}
	io.WriteString(d, data)
	d.Close()
	return rc.reply()
}

// TestRESTOffsets: REST n before RETR skips n bytes, before STOR resumes
// the upload at n, and is used once only.
func TestRESTOffsets(t *testing.T) {
	dir := sandbox(t)
	addr := testServer(t, dir, nil)
	c := loginBinary(t, addr)
	steps := []struct {
		rest       string
		cmd, data  string
		code       int
		want, file string // want: RETR data; file: content of x afterwards
	}{
		{"", "STOR x", "abcdef", 226, "", "abcdef"},
		{"REST 3", "STOR x", "XYZW", 226, "", "abcXYZW"},
		{"REST 2", "RETR x", "", 226, "cXYZW", "abcXYZW"},
		// A resume past the end (here of a file that is not there) would
		// make a sparse file of any size: 554, and no y.
		{"REST 4", "STOR y", "q", 554, "", "abcXYZW"},
		{"", "RETR x", "", 226, "abcXYZW", "abcXYZW"}, // the REST before STOR y is spent
		{"REST 1", "APPE x", "!", 226, "", "abcXYZW!"},
		{"", "RETR x", "", 226, "abcXYZW!", "abcXYZW!"},
	}
	for _, st := range steps {
		if st.rest != "" {
			c.cmd(st.rest, 350)
		}
		var rep Reply
		var got string
		if strings.HasPrefix(st.cmd, "RETR") {
			got, rep = c.pasvGet(st.cmd)
		} else {
			rep = c.pasvPut(st.cmd, st.data)
		}
		if rep.Code != st.code || got != st.want {
			t.Errorf("%s + %s: %q %q, want %d %q", st.rest, st.cmd, rep.String(), got, st.code, st.want)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "x")); string(b) != st.file {
			t.Errorf("%s + %s: x holds %q, want %q", st.rest, st.cmd, b, st.file)
		}
	}
	// As in vsftpd, the offset waits for the transfer that spends it,
	// whatever comes between (lftp and curl send SIZE or MDTM there).
	c.cmd("REST 3", 350)
	for _, cmd := range []string{"NOOP", "SIZE x", "MDTM x", "CWD /", "PWD"} {
		c.send(cmd)
		c.reply()
	}
	if data, rep := c.pasvGet("LIST"); rep.Code != 226 || !strings.Contains(data, " x\r\n") {
		t.Errorf("LIST after REST: %q %q", rep.String(), data)
	}
	if got, _ := c.pasvGet("RETR x"); got != "XYZW!" {
		t.Errorf("REST 3, NOOP SIZE MDTM CWD PWD LIST, RETR: %q, want from byte 3", got)
	}
	if got, _ := c.pasvGet("RETR x"); got != "abcXYZW!" {
		t.Errorf("RETR after the offset was spent: %q, want the whole file", got)
	}
	c.cmd("TYPE A", 200)
	c.cmd("REST 3", 350)
	if _, rep := c.pasvGet("RETR x"); rep.Code != 550 {
		t.Errorf("REST in TYPE A, RETR: %q, want 550 (no resume of ASCII)", rep.String())
	}
	c.cmd("TYPE I", 200)
	if _, err := os.Stat(filepath.Join(dir, "y")); err == nil {
		t.Error("REST 4 + a refused STOR y left a file y")
	}
}
