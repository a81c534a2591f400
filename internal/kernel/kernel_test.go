//go:build linux

package kernel

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"ftplab/internal/peertest"
)

// needKernel skips without root or namespaces (this machine cannot say),
// and without the programs (fails under FTPLAB_REQUIRE_PEERS=1).
func needKernel(t *testing.T) error {
	t.Helper()
	if testing.Short() {
		t.Skip("the kernel comparison takes about three minutes")
	}
	peertest.Need(t, Tools...)
	t.Cleanup(Sweep) // even when the test fails or panics
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	helper, err := Check(ctx)
	switch {
	case errors.Is(err, ErrNoNamespaces):
		t.Skip(err)
	case err != nil:
		peertest.Missing(t, err.Error())
	}
	if helper != nil {
		t.Logf("helper rows skip: %v", helper)
	}
	return helper
}

// TestKernelMatchesNetem plays every row on Linux and on netem and
// requires them to agree on the outcome, the dialer, the dial's fate and
// the final reply.
func TestKernelMatchesNetem(t *testing.T) {
	helper := needKernel(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute) // 85 rows, about 3 min on an idle machine
	defer cancel()
	start := time.Now()
	results, err := Compare(ctx, Rows, helper, false)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	bad := WriteTable(&b, results, false)
	t.Logf("%d rows in %.1f s\n%s", len(results), time.Since(start).Seconds(), b.String())
	if bad > 0 {
		t.Errorf("%d rows disagree", bad)
	}
	if len(results) != len(Rows) {
		t.Errorf("%d results for %d rows", len(results), len(Rows))
	}
}
