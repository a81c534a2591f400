//go:build unix

package ftp

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestSTORKeepsModeAndOwner: a replaced file keeps its mode and (as root)
// its owner; a rename used to reset both to 0644 and the server's user.
func TestSTORKeepsModeAndOwner(t *testing.T) {
	dir := sandbox(t)
	p := filepath.Join(dir, "shared.txt")
	os.WriteFile(p, []byte("old\n"), 0o640)
	os.Chmod(p, 0o640)
	root := os.Geteuid() == 0
	if root {
		if err := os.Chown(p, 4321, 4322); err != nil {
			t.Fatal(err)
		}
	}
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.loginAda()
	if rep := c.pasvPut("STOR shared.txt", "new\n"); rep.Code != 226 {
		t.Fatalf("STOR: %q", rep.String())
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after STOR: %v, want -rw-r-----", fi.Mode())
	}
	if st := fi.Sys().(*syscall.Stat_t); root && (st.Uid != 4321 || st.Gid != 4322) {
		t.Errorf("owner after STOR: %d:%d, want 4321:4322", st.Uid, st.Gid)
	}
}

// TestSTORRefusesReadOnly: as an unprivileged user the server will not
// replace a file it could not write (0444, or another user's): 553, as
// vsftpd, and the file is unchanged. Root may write anything, so the test
// needs a non-root run.
func TestSTORRefusesReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("as root every file is writable; TestSTORRefusesReadOnlyAsNobody runs this as nobody")
	}
	dir := sandbox(t)
	p := filepath.Join(dir, "ro.txt")
	os.WriteFile(p, []byte("keep\n"), 0o444)
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.loginAda()
	if rep := c.pasvPut("STOR ro.txt", "overwritten\n"); rep.Code != 553 {
		t.Errorf("STOR over a 0444 file: %q, want 553", rep.String())
	}
	if b, _ := os.ReadFile(p); string(b) != "keep\n" {
		t.Errorf("ro.txt is now %q", b)
	}
}

// TestSTORRefusesReadOnlyAsNobody runs TestSTORRefusesReadOnly as the
// user nobody when the tests run as root (as in CI).
func TestSTORRefusesReadOnlyAsNobody(t *testing.T) {
	if os.Geteuid() != 0 || os.Getenv("FTPLAB_AS_NOBODY") != "" {
		t.Skip("needs root to switch to nobody")
	}
	// A copy nobody may run: go test builds into a directory only root
	// can enter.
	binDir, err := os.MkdirTemp("", "ftplab-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	bin := filepath.Join(binDir, "ftp.test")
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(binDir, 0o755)
	cmd := exec.Command(bin, "-test.run=^TestSTORRefusesReadOnly$", "-test.v")
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "FTPLAB_AS_NOBODY=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSTORRefusesReadOnly") {
		t.Errorf("as nobody: %v\n%s", err, out)
	}
}
