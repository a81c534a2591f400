package kernel

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"ftplab/sim/peertest"
)

// TestKernelMatchesNetem runs every row on Linux (namespaces, nftables,
// the kernel's FTP helper, curl, vsftpd) and on netem, and requires them
// to agree.
func TestKernelMatchesNetem(t *testing.T) {
	if testing.Short() {
		t.Skip("the kernel comparison takes about a minute")
	}
	switch err := Check(); {
	case errors.Is(err, ErrNoNamespaces):
		t.Skip(err) // no root or namespaces: this machine cannot say
	case errors.Is(err, ErrUnavailable):
		peertest.Missing(t, err.Error())
	}
	results, err := Compare(context.Background(), Rows)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if bad := WriteTable(&b, results); bad > 0 {
		t.Errorf("%d rows disagree:\n%s", bad, b.String())
	} else {
		t.Logf("\n%s", b.String())
	}
}
