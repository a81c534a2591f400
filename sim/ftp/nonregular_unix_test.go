//go:build unix

package ftp

import (
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"ftplab/internal/peertest"
)

// TestNonRegularFiles: a FIFO (and, as root, a device node) in the root is
// refused at once by RETR, STOR, APPE and REST+STOR, never opened: open(2)
// of a FIFO blocks until a writer comes, which used to hang the session
// past ABOR, QUIT and SIGTERM.
func TestNonRegularFiles(t *testing.T) {
	dir := sandbox(t)
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o666); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	names := []string{"pipe"}
	if os.Geteuid() == 0 && syscall.Mknod(filepath.Join(dir, "null"), syscall.S_IFCHR|0o666, 1<<8|3) == nil {
		names = append(names, "null") // a character device, 1:3 as /dev/null
	}
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.loginAda()
	for _, name := range names {
		start := time.Now()
		if got, rep := c.pasvGet("RETR " + name); got != "" || rep.Code != 550 {
			t.Errorf("RETR %s: %q %q, want 550", name, got, rep.String())
		}
		for _, cmd := range []string{"STOR", "APPE"} {
			if rep := c.pasvPut(cmd+" "+name, "x"); rep.Code != 553 {
				t.Errorf("%s %s: %q, want 553", cmd, name, rep.String())
			}
		}
		c.cmd("REST 1", 350)
		if rep := c.pasvPut("STOR "+name, "x"); rep.Code != 553 {
			t.Errorf("REST+STOR %s: %q, want 553", name, rep.String())
		}
		c.cmd("SIZE "+name, 550)
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("%s: the refusals took %v", name, took)
		}
		if fi, err := os.Lstat(filepath.Join(dir, name)); err != nil || fi.Mode().IsRegular() {
			t.Errorf("%s was replaced: %v %v", name, fi, err)
		}
	}
	c.cmd("NOOP", 200)
}

// TestMirrorLeavesOutFIFOs: lftp's mirror of a tree with a FIFO copies the
// files and makes nothing of the FIFO (MLSD typed it "file" once, and lftp
// made an empty file of it).
func TestMirrorLeavesOutFIFOs(t *testing.T) {
	peertest.Need(t, "lftp")
	srv := t.TempDir()
	os.WriteFile(filepath.Join(srv, "a.txt"), []byte("a\n"), 0o644)
	if err := syscall.Mkfifo(filepath.Join(srv, "pipe"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	addr := testServer(t, srv, nil)
	host, port, _ := net.SplitHostPort(addr)
	down := t.TempDir()
	out, err := runIn(t, down, "", nil, "lftp", "-c", "set net:max-retries 1; set cmd:fail-exit yes; open -u anonymous,x -p "+port+" "+host+"; mirror / .")
	if err != nil || out != "" {
		t.Fatalf("lftp mirror: %v\n%s", err, out)
	}
	if _, err := os.Lstat(filepath.Join(down, "pipe")); err == nil {
		t.Error("lftp made something of the FIFO")
	}
	compareTrees(t, "lftp mirror", treeSums(t, down), map[string]string{"a.txt": sha256Hex([]byte("a\n"))})
}
