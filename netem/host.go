package netem

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"syscall"
	"time"

	"ftplab/sim/trace"
)

// Host is one machine on the network; it is the ftp.Network its endpoints
// use.
type Host struct {
	w              *World
	name           string
	addr           netip.Addr
	connectTimeout time.Duration
	synSchedule    []time.Duration // see HostConfig.SYNSchedule
	dataTimeout    time.Duration   // see HostConfig.DataTimeout
	nextPort       int             // next ephemeral virtual port (guarded by World.mu)
}

// Name is the host's name ("client").
func (h *Host) Name() string { return h.name }

// Addr is the host's own virtual address.
func (h *Host) Addr() string { return h.addr.String() }

// parseLocal reads "ip:port", "ip:0", ":port" or "" for this host.
func (h *Host) parseLocal(addr string) (netip.AddrPort, error) {
	if addr == "" {
		return netip.AddrPortFrom(h.addr, 0), nil
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("netem: %s: bad address %q", h.name, addr)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("netem: %s: bad port in %q", h.name, addr)
	}
	ip := h.addr
	if host != "" {
		a, err := netip.ParseAddr(host)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("netem: %s: bad address %q", h.name, addr)
		}
		if a.Unmap() != h.addr && !a.IsUnspecified() {
			return netip.AddrPort{}, fmt.Errorf("netem: %s has address %s, not %s", h.name, h.addr, a)
		}
	}
	return netip.AddrPortFrom(ip, uint16(p)), nil
}

// ephemeral picks the next free virtual port (callers hold World.mu).
func (h *Host) ephemeral() uint16 {
	for {
		p := h.nextPort
		h.nextPort++
		if h.nextPort > 65535 {
			h.nextPort = 49152
		}
		if _, busy := h.w.listeners[netip.AddrPortFrom(h.addr, uint16(p))]; !busy {
			return uint16(p)
		}
	}
}

// Listen opens a listener on a virtual address of this host. The real
// socket is an ephemeral loopback port.
func (h *Host) Listen(ctx context.Context, addr string) (net.Listener, error) {
	ap, err := h.parseLocal(addr)
	if err != nil {
		return nil, err
	}
	real, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	w := h.w
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		real.Close()
		return nil, errClosed
	}
	if ap.Port() == 0 {
		ap = netip.AddrPortFrom(ap.Addr(), h.ephemeral())
	}
	if _, busy := w.listeners[ap]; busy {
		w.mu.Unlock()
		real.Close()
		return nil, &net.OpError{Op: "listen", Net: "tcp", Addr: tcpAddr(ap), Err: syscall.EADDRINUSE}
	}
	l := &listener{host: h, addr: ap, real: real}
	w.listeners[ap] = l
	w.mu.Unlock()
	w.step(0, trace.Event{Kind: trace.Listen, Host: h.name, From: ap.String()})
	return l, nil
}

func tcpAddr(ap netip.AddrPort) *net.TCPAddr { return net.TCPAddrFromAddrPort(ap) }

// listener is a virtual listening socket.
type listener struct {
	host *Host
	addr netip.AddrPort
	real net.Listener
}

// Accept returns the next connection, which reports the virtual addresses
// the listening host sees.
func (l *listener) Accept() (net.Conn, error) {
	for {
		rc, err := l.real.Accept()
		if err != nil {
			return nil, err
		}
		// The dialer sends the pair's id first: four bytes, then the
		// connection is the application's.
		rc.SetReadDeadline(time.Now().Add(5 * time.Second))
		var id [4]byte
		if _, err := io.ReadFull(rc, id[:]); err != nil {
			rc.Close()
			continue
		}
		rc.SetReadDeadline(time.Time{})
		w := l.host.w
		w.mu.Lock()
		p := w.pending[binary.BigEndian.Uint32(id[:])]
		delete(w.pending, binary.BigEndian.Uint32(id[:]))
		w.mu.Unlock()
		if p == nil {
			rc.Close()
			continue
		}
		// Hand the connection over only once the dialer has shown it
		// connected, so the trace never has the server talking first.
		<-p.ready
		p.mu.Lock()
		p.acceptor.real = rc
		wasReset := p.reset
		p.mu.Unlock()
		if wasReset {
			resetReal(rc)
		}
		return p.acceptor, nil
	}
}

func (l *listener) Close() error {
	w := l.host.w
	w.mu.Lock()
	if w.listeners[l.addr] == l {
		delete(w.listeners, l.addr)
	}
	w.mu.Unlock()
	return l.real.Close()
}

func (l *listener) Addr() net.Addr { return tcpAddr(l.addr) }

// SetDeadline bounds Accept (the server's data timeout).
func (l *listener) SetDeadline(t time.Time) error {
	if d, ok := l.real.(interface{ SetDeadline(time.Time) error }); ok {
		return d.SetDeadline(t)
	}
	return nil
}

// hop is one box a SYN passes and the direction it passes it in.
type hop struct {
	b    *box
	dir  Direction
	side string
}

// route finds who owns dst and the boxes a SYN from h passes to get there.
// An address nobody owns (a private address behind someone else's NAT) has
// no route: the SYN vanishes.
func (w *World) route(h *Host, dst netip.Addr) (*Host, []hop) {
	var to *Host
	for _, x := range w.hosts {
		if x == h {
			continue
		}
		if x.addr == dst && !w.behindNAT(x) {
			to = x
		}
		for _, b := range w.boxes[x.name] {
			if b.nat != nil && b.nat.public == dst {
				to = x
			}
		}
	}
	if to == nil {
		return nil, nil
	}
	var hops []hop
	for _, b := range w.boxes[h.name] { // inner to outer
		hops = append(hops, hop{b, Out, h.name})
	}
	bs := w.boxes[to.name]
	for i := len(bs) - 1; i >= 0; i-- { // outer to inner
		hops = append(hops, hop{bs[i], In, to.name})
	}
	return to, hops
}

func (w *World) behindNAT(h *Host) bool {
	for _, b := range w.boxes[h.name] {
		if b.nat != nil {
			return true
		}
	}
	return false
}

// SYNLinearThenDoubling is a SYN retransmission schedule: the offsets,
// from the first SYN, of each retransmission when the first linear waits
// are 1 s (the initial RTO) and every later wait doubles, up to limit.
// Linux since 6.5 (net.ipv4.tcp_syn_linear_timeouts = 4) is
// SYNLinearThenDoubling(5, ...): SYNs leave at 0, 1, 2, 3, 4, 5, 7, 11,
// 19, 35, 67 s, as measured on Linux 6.18 (docs/fidelity.md). Before 6.5
// the wait doubles from the start, SYNLinearThenDoubling(1, ...): 0, 1, 3,
// 7, 15, 31, 63 s.
func SYNLinearThenDoubling(linear int, limit time.Duration) []time.Duration {
	var out []time.Duration
	at, wait := time.Duration(0), time.Second
	for i := 0; ; i++ {
		if i >= max(linear, 1) {
			wait *= 2
		}
		at += wait
		if at > limit {
			return out
		}
		out = append(out, at)
	}
}

// defaultSYNSchedule is Linux's since 6.5.
var defaultSYNSchedule = SYNLinearThenDoubling(5, 10*time.Minute)

// Dial connects from this host (laddr, "" or "ip:0" for an ephemeral port)
// to the virtual raddr through the boxes between them.
func (h *Host) Dial(ctx context.Context, laddr, raddr string) (net.Conn, error) {
	w := h.w
	src, err := h.parseLocal(laddr)
	if err != nil {
		return nil, err
	}
	dst, err := netip.ParseAddrPort(raddr)
	if err != nil {
		return nil, fmt.Errorf("netem: bad address %q", raddr)
	}
	dst = netip.AddrPortFrom(dst.Addr().Unmap(), dst.Port())

	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil, errClosed
	}
	if src.Port() == 0 {
		src = netip.AddrPortFrom(src.Addr(), h.ephemeral())
	}
	w.nextConn++
	id := w.nextConn
	link := w.link
	w.mu.Unlock()

	ch := trace.Data
	if int(dst.Port()) == w.opts.ControlPort {
		ch = trace.Control
	}
	base := trace.Event{Conn: id, Channel: ch, Host: h.name}
	ev := func(k trace.Kind) trace.Event { e := base; e.Kind = k; return e }

	start := w.Elapsed()
	e := ev(trace.SYN)
	e.From, e.To = src.String(), dst.String()
	w.step(0, e)

	// Walk the path, translating as NATs do and asking each firewall.
	w.mu.Lock()
	to, hops := w.route(h, dst.Addr())
	w.mu.Unlock()
	cur := struct{ src, dst netip.AddrPort }{src, dst}
	verdict, reason, decider := Accept, "", ""
	if to == nil {
		verdict, reason = Drop, "no host at "+dst.Addr().String()
	}
	for _, hp := range hops {
		if verdict != Accept {
			break
		}
		b := hp.b
		if b.nat != nil {
			w.mu.Lock()
			before, after, ok, used := b.translate(hp.dir, cur.src, cur.dst, h.addr)
			w.mu.Unlock()
			if !ok {
				verdict, reason, decider = Drop, fmt.Sprintf("no forward for port %d", cur.dst.Port()), b.name
				v := ev(trace.Verdict)
				v.Box, v.Verdict, v.Rule, v.State = b.name, "drop", reason, string(StateNew)
				w.step(0, v)
				break
			}
			if used {
				u := ev(trace.ExpectUsed)
				u.Box, u.To = b.name, before.String()
				w.step(0, u)
			}
			n := ev(trace.NAT)
			n.Box, n.Before, n.After = b.name, before.String(), after.String()
			w.step(0, n)
			if hp.dir == Out {
				cur.src = after
			} else {
				cur.dst = after
			}
			continue
		}
		w.mu.Lock()
		act, rule, st, used := b.filter(hp.dir, cur.dst)
		w.mu.Unlock()
		// Conntrack finds the expectation when it creates the new entry,
		// before the filter runs: that lookup is why the filter sees
		// RELATED, so it comes first.
		if used {
			u := ev(trace.ExpectUsed)
			u.Box, u.To = b.name, cur.dst.String()
			w.step(0, u)
		}
		v := ev(trace.Verdict)
		v.Box, v.Verdict, v.Rule, v.State = b.name, act.String(), rule, string(st)
		w.step(0, v)
		if act != Accept {
			verdict, reason, decider = act, rule, b.name
		}
	}

	var l *listener
	if verdict == Accept {
		w.mu.Lock()
		l = w.listeners[cur.dst]
		w.mu.Unlock()
	}
	switch {
	case verdict == Drop:
		return nil, w.dropped(h, base, start, src, dst, reason, decider)
	case verdict == Reject || l == nil:
		e := ev(trace.Refused)
		e.From, e.To = src.String(), dst.String()
		msg := "connection refused"
		if verdict == Reject {
			e.Box, e.Rule = decider, reason
			msg += " by " + decider + " (" + reason + ")"
		}
		e.Err = msg
		w.step(rtt(link), e)
		return nil, &net.OpError{Op: "dial", Net: "tcp", Addr: tcpAddr(dst), Err: syscall.ECONNREFUSED}
	}

	p := newPair(w, id, ch, link)
	p.dialer = &conn{p: p, host: h, local: src, remote: dst, isDialer: true}
	p.acceptor = &conn{p: p, host: to, local: cur.dst, remote: cur.src}
	if ch == trace.Control {
		p.hops = hops
	}
	rc, err := w.dialReal(l.real.Addr().String(), uint32(id), p)
	if err != nil {
		close(p.ready)
		return nil, err
	}
	p.mu.Lock()
	p.dialer.real = rc
	p.mu.Unlock()
	e = ev(trace.Connected)
	e.From, e.To = src.String(), dst.String()
	w.step(rtt(link), e)
	close(p.ready)
	return p.dialer, nil
}

// rtt is the handshake's cost in virtual time (at least a little, so the
// timeline moves).
func rtt(l Link) time.Duration {
	if d := 2 * l.Latency; d > 0 {
		return d
	}
	return 200 * time.Microsecond
}

// dialReal connects to a loopback listener and announces the pair id.
func (w *World) dialReal(addr string, id uint32, p *pair) (net.Conn, error) {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil || !ap.Addr().IsLoopback() {
		return nil, fmt.Errorf("netem: refusing a real dial to non-loopback %q", addr)
	}
	w.mu.Lock()
	w.realDials = append(w.realDials, addr)
	w.pending[id] = p
	w.pairs = append(w.pairs, p)
	w.mu.Unlock()
	rc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		w.mu.Lock()
		delete(w.pending, id)
		w.mu.Unlock()
		return nil, err
	}
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], id)
	if _, err := rc.Write(b[:]); err != nil {
		rc.Close()
		return nil, err
	}
	return rc, nil
}

// dropped plays out the SYN retransmissions in virtual time and fails the
// dial as a timeout.
func (w *World) dropped(h *Host, base trace.Event, start time.Duration, src, dst netip.AddrPort, reason, box string) error {
	for i, off := range h.synSchedule {
		if off >= h.connectTimeout {
			break
		}
		e := base
		e.Kind, e.Attempt, e.From, e.To = trace.Retransmit, i+1, src.String(), dst.String()
		w.stepAt(start, off, e)
	}
	e := base
	e.Kind, e.From, e.To, e.Box, e.Rule = trace.Timeout, src.String(), dst.String(), box, reason
	e.Err = fmt.Sprintf("connect to %s timed out after %s", dst, h.connectTimeout)
	w.stepAt(start, h.connectTimeout, e)
	return &timeoutError{msg: "dial tcp " + dst.String() + ": i/o timeout (" + reason + ")"}
}
