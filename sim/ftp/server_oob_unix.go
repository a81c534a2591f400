//go:build unix

package ftp

import (
	"net"
	"syscall"
)

// keepUrgentInline sets SO_OOBINLINE on a TCP control socket. Python's
// ftplib sends "ABOR\r\n" as urgent data; without this the kernel takes the
// last byte (the LF) out of the stream and the line never ends.
func keepUrgentInline(conn net.Conn) {
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return // not an OS socket (netem): no urgent data there
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return
	}
	raw.Control(func(fd uintptr) {
		syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_OOBINLINE, 1)
	})
}
