package ftp

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ftplab/internal/peertest"
)

// TestCurlConnectsAtOnce: curl 7.88.1 waits before its passive data
// connection (200 ms, or 1 s on a reused connection) when the 227/229 is
// already there as it first looks (see pauseBeforePassiveReply). One
// curl, 50 files over one connection, with EPSV and with PASV: without
// the pause 11-17 of 50 waited 1 s; more than 3 fails.
func TestCurlConnectsAtOnce(t *testing.T) {
	peertest.Need(t, "curl")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "one.bin"), make([]byte, 64<<10), 0o644)
	addr := testServer(t, dir, nil)
	const n = 50
	for _, mode := range []string{"--epsv", "--disable-epsv"} {
		args := []string{"-sS", mode, "-w", "%{time_pretransfer}\n"}
		for range n {
			args = append(args, "-o", os.DevNull, "ftp://"+addr+"/one.bin")
		}
		waited := 0
		var slow []string
		for _, f := range strings.Fields(run(t, "curl", args...)) {
			s, err := strconv.ParseFloat(f, 64)
			if err != nil {
				t.Fatalf("curl -w gave %q", f)
			}
			if s >= 0.19 {
				waited++
				slow = append(slow, f)
			}
		}
		t.Logf("curl %s: %d of %d transfers waited", mode, waited, n)
		if waited > 3 {
			t.Errorf("curl %s: %d of %d transfers waited >= 190 ms before their data connection (%v)", mode, waited, n, slow)
		}
	}
}
