//go:build !linux

package kernel

import (
	"context"
	"fmt"
	"io"
)

// Verify needs Linux: network namespaces, nftables and the kernel's FTP
// helper. Elsewhere ftplab builds and runs, and this says why it cannot.
func Verify(ctx context.Context, w io.Writer) error {
	return fmt.Errorf("%w: verify-kernel needs Linux (network namespaces, nftables, nf_conntrack_ftp)", ErrNoNamespaces)
}
