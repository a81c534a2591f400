package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// tmuxRig builds the binary into a temporary directory and gives a tmux
// command on a server of the test's own (named for it and this process),
// killed when the test ends.
func tmuxRig(t *testing.T, name string) (bin, dir string, tm func(args ...string) string) {
	t.Helper()
	dir = t.TempDir()
	bin = filepath.Join(dir, "ftplab")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	server := "ftplab-" + name + "-" + strconv.Itoa(os.Getpid())
	tm = func(args ...string) string {
		out, _ := exec.Command("tmux", append([]string{"-L", server}, args...)...).CombinedOutput()
		return string(out)
	}
	t.Cleanup(func() { tm("kill-server") })
	return bin, dir, tm
}
