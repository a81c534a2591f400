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
	synSchedule    SYNSchedule
	noSACK         bool
	dataTimeout    time.Duration // see HostConfig.DataTimeout
	nextPort       int           // next ephemeral virtual port (guarded by World.mu)
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
		if wasReset { // reset before it was accepted: its socket answers with a RST now
			p.w.step(0, p.acceptor.event(trace.RST))
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
			if pub, ok := b.public(); ok && pub == dst {
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
		if outer(b) {
			return true
		}
	}
	return false
}

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
	d := dial{h: h, id: w.nextConn, link: w.link, src: src, dst: dst, ch: trace.Data}
	w.mu.Unlock()
	if int(dst.Port()) == w.opts.ControlPort {
		d.ch = trace.Control
	}
	d.start = w.Elapsed()
	e := d.event(trace.SYN)
	e.From, e.To = src.String(), dst.String()
	w.step(0, e)
	return d.walk().finish()
}

// dial is one connection attempt on its way through the boxes.
type dial struct {
	h        *Host
	id       int
	ch       trace.Channel
	link     Link
	start    time.Duration
	src, dst netip.AddrPort // as the dialer sees them
	path     synPath        // as they stand after the boxes so far
	to       *Host
	hops     []hop
	verdict  decision
	decider  string // the box that stopped the SYN
}

func (d *dial) event(k trace.Kind) trace.Event {
	return trace.Event{Kind: k, Conn: d.id, Channel: d.ch, Host: d.h.name}
}

// walk takes the SYN through each box on the path, translating as NATs do
// and asking each firewall, until one stops it.
func (d *dial) walk() *dial {
	w := d.h.w
	w.mu.Lock()
	d.to, d.hops = w.route(d.h, d.dst.Addr())
	w.mu.Unlock()
	d.path = synPath{src: d.src, dst: d.dst, now: w.Elapsed()}
	d.verdict = decision{action: Accept}
	if d.to == nil {
		d.verdict = decision{action: Drop, rule: "no host at " + d.dst.Addr().String()}
	}
	for _, hp := range d.hops {
		if d.verdict.action != Accept {
			break
		}
		w.mu.Lock()
		d.verdict = hp.b.syn(hp.dir, &d.path)
		w.mu.Unlock()
		for _, e := range d.verdict.events {
			e.Conn, e.Channel, e.Host = d.id, d.ch, d.h.name
			w.step(0, e)
		}
		if d.verdict.action != Accept {
			d.decider = hp.b.name()
		}
	}
	return d
}

// finish ends the attempt as the path decided: a timeout after the SYN
// retransmissions, a refusal, or a connection with a real socket behind it.
func (d *dial) finish() (net.Conn, error) {
	w, h, src, dst := d.h.w, d.h, d.src, d.dst
	var l *listener
	if d.verdict.action == Accept {
		w.mu.Lock()
		l = w.listeners[d.path.dst]
		w.mu.Unlock()
	}
	switch {
	case d.verdict.action == Drop:
		return nil, w.dropped(h, d.event(""), d.start, src, dst, d.verdict.rule, d.decider)
	case d.verdict.action == Reject || l == nil:
		return nil, d.refused()
	}

	p := newPair(w, d.id, d.ch, d.link)
	p.dialer = &conn{p: p, host: h, local: src, remote: dst, isDialer: true, finCh: make(chan struct{})}
	p.acceptor = &conn{p: p, host: d.to, local: d.path.dst, remote: d.path.src, finCh: make(chan struct{})}
	if d.ch == trace.Control {
		p.hops, p.ctlPort = d.hops, int(dst.Port())
	}
	rc, err := w.dialReal(l.real.Addr().String(), uint32(d.id), p)
	if err != nil {
		close(p.ready)
		return nil, err
	}
	p.mu.Lock()
	p.dialer.real = rc
	p.mu.Unlock()
	// The real handshake is done: the trace shows its three packets, the
	// listener's SYN-ACK half a round trip in (with the addresses it sees,
	// after the NATs), then the dialer's ACK, and the dialer connected.
	half := rtt(d.link) / 2
	e := p.acceptor.event(trace.SYNACK)
	w.step(half, e)
	w.step(rtt(d.link)-half, p.dialer.event(trace.ACK))
	e = d.event(trace.Connected)
	e.From, e.To = src.String(), dst.String()
	w.step(0, e)
	close(p.ready)
	return p.dialer, nil
}

// refused answers the dial at once: nothing listens (a RST from the
// host), or a box rejected the SYN with a RST or an ICMP error.
func (d *dial) refused() error {
	e := d.event(trace.Refused)
	e.From, e.To = d.src.String(), d.dst.String()
	e.Err = "connection refused"
	errno := syscall.ECONNREFUSED
	if v := d.verdict; v.action == Reject {
		e.Box, e.Rule = d.decider, v.rule
		e.Err += " by " + d.decider + " (" + v.rule + ")"
		switch v.with {
		case ICMPPortUnreachable:
			e.Err += ": ICMP port unreachable"
		case ICMPAdminProhibited:
			errno = syscall.EHOSTUNREACH
			e.Err = "no route to host: " + d.decider + " answers ICMP administratively prohibited (" + v.rule + ")"
		}
	}
	wait := rtt(d.link)
	if d.to != nil && (d.verdict.action == Accept || d.verdict.with == TCPReset) {
		// A RST answers the SYN: from the host, where nobody listens; from
		// the box in the host's name, for a reject with tcp reset.
		rst := trace.Event{Kind: trace.RST, Conn: d.id, Channel: d.ch, Host: d.to.name, From: d.path.dst.String(), To: d.path.src.String()}
		if d.verdict.action == Reject {
			rst.Box = d.decider
		}
		d.h.w.step(wait/2, rst)
		wait -= wait / 2
	}
	d.h.w.step(wait, e)
	return &net.OpError{Op: "dial", Net: "tcp", Addr: tcpAddr(d.dst), Err: errno}
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
	for i, off := range h.synSchedule.offsets() {
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
