// Package peertest lets tests that need a real peer program (curl, lftp,
// python3, vsftpd, tshark, tmux) skip when it is missing, and fail instead
// when FTPLAB_REQUIRE_PEERS=1 says the peers were installed (CI).
package peertest

import (
	"os"
	"os/exec"
	"testing"
)

// Required reports whether missing peers are a failure.
func Required() bool { return os.Getenv("FTPLAB_REQUIRE_PEERS") == "1" }

// Need returns the path of each named program, or skips (fails under
// FTPLAB_REQUIRE_PEERS=1) the test when one is missing.
func Need(t testing.TB, names ...string) []string {
	t.Helper()
	paths := make([]string, len(names))
	for i, name := range names {
		p, err := exec.LookPath(name)
		if err != nil {
			Missing(t, name+" is not installed")
		}
		paths[i] = p
	}
	return paths
}

// Missing skips the test with reason, or fails it when peers are required.
func Missing(t testing.TB, reason string) {
	t.Helper()
	if Required() {
		t.Fatalf("FTPLAB_REQUIRE_PEERS=1 but %s", reason)
	}
	t.Skipf("skipping: %s (install it, or set FTPLAB_REQUIRE_PEERS=1 to make this a failure)", reason)
}
