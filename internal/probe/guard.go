package probe

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"

	"ftplab/sim/ftp"
)

// guard is the network a probe runs on: it keeps the promise that the probe
// contacts only the host it is given. The first dial is the control
// connection, to the address given; every later dial (a data connection)
// must go to that connection's peer, at a port an FTP server hands out
// (1024 and up). In active mode only the server may connect back. A server
// cannot use the probe to scan another host, a privileged port or the
// probing machine itself (0.0.0.0).
type guard struct {
	inner ftp.Network
	addr  string // the HOST:PORT the probe was given

	mu      sync.Mutex
	server  netip.Addr // the control connection's peer, once connected
	refused []string   // dials and connections the guard stopped
}

// minDataPort is the lowest data port the probe will dial; servers pick
// passive ports from unprivileged ranges (vsftpd: 1024 and up).
const minDataPort = 1024

func (g *guard) note(format string, args ...any) {
	g.mu.Lock()
	g.refused = append(g.refused, fmt.Sprintf(format, args...))
	g.mu.Unlock()
}

func (g *guard) notes() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.refused...)
}

func (g *guard) Dial(ctx context.Context, laddr, raddr string) (net.Conn, error) {
	g.mu.Lock()
	server := g.server
	g.mu.Unlock()
	if !server.IsValid() {
		if raddr != g.addr {
			return nil, fmt.Errorf("probe: will not dial %s: the probe contacts only %s", raddr, g.addr)
		}
		c, err := g.inner.Dial(ctx, laddr, raddr)
		if err != nil {
			return nil, err
		}
		ap, perr := netip.ParseAddrPort(c.RemoteAddr().String())
		if perr != nil {
			c.Close()
			return nil, fmt.Errorf("probe: control connection to %s: %w", raddr, perr)
		}
		g.mu.Lock()
		g.server = ap.Addr().Unmap()
		g.mu.Unlock()
		return c, nil
	}
	ap, err := netip.ParseAddrPort(raddr)
	switch {
	case err != nil:
		err = fmt.Errorf("probe: will not dial %q: not an IP address and port", raddr)
	case ap.Addr().Unmap() != server:
		err = fmt.Errorf("probe: will not dial %s: it is not the server (%s)", raddr, server)
	case ap.Port() < minDataPort:
		err = fmt.Errorf("probe: will not dial %s: port %d is below %d, not a data port a server hands out", raddr, ap.Port(), minDataPort)
	}
	if err != nil {
		g.note("%v", err)
		return nil, err
	}
	return g.inner.Dial(ctx, laddr, raddr)
}

func (g *guard) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := g.inner.Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return &guardedListener{Listener: l, g: g}, nil
}

// guardedListener hands over only connections from the server; others are
// closed at once and noted.
type guardedListener struct {
	net.Listener
	g *guard
}

func (l *guardedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		l.g.mu.Lock()
		server := l.g.server
		l.g.mu.Unlock()
		if ap, err := netip.ParseAddrPort(c.RemoteAddr().String()); err == nil && ap.Addr().Unmap() == server {
			return c, nil
		}
		l.g.note("probe: closed a data connection from %s: it is not the server (%s)", c.RemoteAddr(), server)
		c.Close()
	}
}
