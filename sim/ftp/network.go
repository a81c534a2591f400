// Package ftp holds ftplab's FTP server and client. Both speak real FTP
// (RFC 959, 2428, 3659, 4217) over whatever Network they are given: the OS
// network for `ftplab serve` and interop tests, or netem for lessons.
package ftp

import (
	"context"
	"net"
	"time"
)

// Network is all the endpoints need from a network. netem implements it with
// virtual addresses; OSNetwork implements it with real sockets.
type Network interface {
	// Listen opens a listening TCP socket on addr ("ip:port"). Port 0 lets the
	// network choose.
	Listen(ctx context.Context, addr string) (net.Listener, error)
	// Dial connects to raddr. laddr ("ip:port", "ip:0" or "") names the local
	// end; FTP's active mode dials from port 20 by convention.
	Dial(ctx context.Context, laddr, raddr string) (net.Conn, error)
}

// Clock tells the time. Under netem it is the virtual clock, so timestamps in
// observer events line up with the simulated network's.
type Clock interface {
	Now() time.Time
}

// SystemClock is the wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// OSNetwork is the real network of the operating system.
type OSNetwork struct {
	// DialTimeout bounds a connect; zero means 10 seconds.
	DialTimeout time.Duration
}

// Listen opens a real TCP listener.
func (OSNetwork) Listen(ctx context.Context, addr string) (net.Listener, error) {
	var lc net.ListenConfig
	return lc.Listen(ctx, "tcp", addr)
}

// Dial opens a real TCP connection. A laddr whose port cannot be bound without
// privileges (such as 20) is the caller's business: pass "ip:0" on the OS.
func (n OSNetwork) Dial(ctx context.Context, laddr, raddr string) (net.Conn, error) {
	d := net.Dialer{Timeout: n.DialTimeout}
	if d.Timeout == 0 {
		d.Timeout = 10 * time.Second
	}
	if laddr != "" {
		la, err := net.ResolveTCPAddr("tcp", laddr)
		if err != nil {
			return nil, err
		}
		d.LocalAddr = la
	}
	return d.DialContext(ctx, "tcp", raddr)
}
