//go:build !unix

package ftp

import "net"

// keepUrgentInline is a no-op where SO_OOBINLINE is not available.
func keepUrgentInline(net.Conn) {}
