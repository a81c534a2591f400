//go:build linux

package ftp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDiskFull: on a full file system (a 1 MiB tmpfs, so root only) STOR
// and APPE get 452, not 426 (the data connection was fine), nothing is
// left behind and a small upload works afterwards.
func TestDiskFull(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a small tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Skipf("cannot mount a tmpfs: %v %s", err, out)
	}
	t.Cleanup(func() { exec.Command("umount", dir).Run() })
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.loginAda()
	big := strings.Repeat("x", 2<<20)
	for _, cmd := range []string{"STOR big.bin", "APPE big2.bin"} {
		if rep := c.pasvPut(cmd, big); rep.Code != 452 {
			t.Errorf("%s on a full disk: %q, want 452", cmd, rep.String())
		}
	}
	if es, _ := os.ReadDir(dir); len(es) != 0 {
		t.Errorf("left on the full disk: %v", es)
	}
	if rep := c.pasvPut("STOR small.txt", "fits\n"); rep.Code != 226 {
		t.Errorf("a small upload afterwards: %q", rep.String())
	}
}

// TestOutOfDescriptors: with every descriptor in use, RETR and SIZE of a
// file that exists get 451 (try again), not 550, which reads as "no such
// file".
func TestOutOfDescriptors(t *testing.T) {
	dir := sandbox(t)
	os.WriteFile(filepath.Join(dir, "sub", "f.txt"), []byte("f\n"), 0o644)
	addr := testServer(t, dir, nil)
	c := loginBinary(t, addr)
	c.epsvDial() // the data connection is set up while descriptors last

	var old syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &old); err != nil {
		t.Skip(err)
	}
	low := old
	low.Cur = uint64(openFDs(t) + 16)
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &low); err != nil {
		t.Skip(err)
	}
	var held []*os.File
	release := func() {
		for _, f := range held {
			f.Close()
		}
		held = nil
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &old)
	}
	defer release()
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			break
		}
		held = append(held, f)
	}
	size := c.cmdAny("SIZE sub/f.txt")
	retr := c.cmdAny("RETR hello.txt")
	release()
	if size.Code != 451 || !strings.Contains(size.Text(), "resources") {
		t.Errorf("SIZE out of descriptors: %q, want 451", size.String())
	}
	if retr.Code != 451 {
		t.Errorf("RETR out of descriptors: %q, want 451", retr.String())
	}
	c.cmd("SIZE sub/f.txt", 213)
}
