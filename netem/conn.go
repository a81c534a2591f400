package netem

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"ftplab/sim/trace"
)

// pair is one connection: the dialer's and the acceptor's ends, sharing the
// bookkeeping of the bytes between them.
type pair struct {
	w        *World
	id       int
	ch       trace.Channel
	link     Link
	dialer   *conn
	acceptor *conn
	hops     []hop         // control connections: the boxes an FTP helper may sit in
	ctlPort  int           // control connections: the port dialed, which decides the helpers attached
	ready    chan struct{} // closed once the dialer's side is connected

	closeOnce sync.Once
	mu        sync.Mutex
	sent      int64        // bytes relayed, both ways, for the faults
	faults    []FaultState // this connection's copy of the link's faults
	reset     bool
}

func newPair(w *World, id int, ch trace.Channel, l Link) *pair {
	p := &pair{w: w, id: id, ch: ch, link: l, ready: make(chan struct{})}
	for _, f := range l.Faults {
		if st := f.Start(ch); st != nil {
			p.faults = append(p.faults, st)
		}
	}
	return p
}

func (p *pair) closeReal() {
	p.mu.Lock()
	var ends []net.Conn
	for _, c := range []*conn{p.dialer, p.acceptor} {
		if c != nil && c.real != nil {
			ends = append(ends, c.real)
		}
	}
	p.mu.Unlock()
	for _, rc := range ends {
		rc.Close()
	}
}

// resetReal closes a real socket with a RST (nil: not accepted yet).
func resetReal(rc net.Conn) {
	if rc == nil {
		return
	}
	if tc, ok := rc.(*net.TCPConn); ok {
		tc.SetLinger(0)
	}
	rc.Close()
}

// conn is one end of a pair as its host sees it.
type conn struct {
	p        *pair
	host     *Host
	real     net.Conn
	local    netip.AddrPort
	remote   netip.AddrPort
	isDialer bool

	wmu        sync.Mutex
	pending    []byte // control: the start of a line not yet shown
	sentOfLine []byte // control: the start of a line already sent as pieces
	droppedAt  *hop   // control: the box whose helper dropped the line's first piece
	encrypted  bool   // control: TLS records flow this way now

	finSent  atomic.Bool   // its FIN (or its RST) is shown
	finClose sync.Once     // closes finCh
	finCh    chan struct{} // closed once finSent's event is out
	gaveUp   atomic.Bool   // a stall outlasted this end's data timeout
	timedOut atomic.Bool   // its TCP gave up retransmitting (a wedged control line)
}

// Read reads from the real socket, unless this end gave up on a stall.
func (c *conn) Read(b []byte) (int, error) {
	if c.timedOut.Load() {
		return 0, &net.OpError{Op: "read", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: syscall.ETIMEDOUT}
	}
	if c.gaveUp.Load() {
		return 0, c.timeout("read")
	}
	n, err := c.real.Read(b)
	if err != nil && c.gaveUp.Load() {
		return n, c.timeout("read")
	}
	return n, err
}

// timeout is the error an end that gave up on a stall sees.
func (c *conn) timeout(op string) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: os.ErrDeadlineExceeded}
}
func (c *conn) LocalAddr() net.Addr                { return tcpAddr(c.local) }
func (c *conn) RemoteAddr() net.Addr               { return tcpAddr(c.remote) }
func (c *conn) SetDeadline(t time.Time) error      { return c.real.SetDeadline(t) }
func (c *conn) SetReadDeadline(t time.Time) error  { return c.real.SetReadDeadline(t) }
func (c *conn) SetWriteDeadline(t time.Time) error { return c.real.SetWriteDeadline(t) }

// CloseWrite half-closes, as *net.TCPConn does: this end sends its FIN.
func (c *conn) CloseWrite() error {
	if cw, ok := c.real.(interface{ CloseWrite() error }); ok {
		c.fin()
		return cw.CloseWrite()
	}
	return nil
}

// Close closes this end. The first end to close is the one the trace
// shows closing the connection (close); each end's FIN is a fin event.
//
// The first end then waits (a little, in real time) for the other end's
// FIN: that end closes when it reads the end of the stream, at a moment
// nothing else orders against the first end's next step (the server's
// "226" after it closed a download). Holding the first end until then
// keeps the trace the same from run to run, the way the world holds still
// while Emit blocks.
func (c *conn) Close() error {
	first := false
	c.p.closeOnce.Do(func() {
		first = true
		c.fin() // the FIN, then the step it makes (the other end's FIN waits until both are out)
		if !c.p.wasReset() {
			c.p.w.step(0, c.event(trace.Close))
		}
	})
	c.fin()
	err := c.real.Close()
	if first && !c.p.wasReset() {
		select {
		case <-c.p.other(c).finCh:
		case <-c.p.w.done:
		case <-time.After(peerFINWait):
		}
	}
	return err
}

// peerFINWait bounds how long the first end to close waits for the
// other's FIN (an end that keeps its side open longer, or that never
// accepted the connection, is shown later or not at all). An end that
// reads the close answers in microseconds; the bound only matters when
// nobody will answer (a server aborting its sessions at shutdown), which
// must not hold it long.
const peerFINWait = 250 * time.Millisecond

// other is the other end (an acceptor maybe not accepted yet).
func (p *pair) other(c *conn) *conn {
	if c == p.acceptor {
		return p.dialer
	}
	return p.acceptor
}

// fin shows this end's FIN, once, unless a RST ended the connection.
func (c *conn) fin() {
	if c.real == nil || c.p.wasReset() || !c.finSent.CompareAndSwap(false, true) {
		return
	}
	c.p.w.step(0, c.event(trace.FIN))
	c.finished()
}

// finished says this end's FIN (or its RST) is shown.
func (c *conn) finished() { c.finClose.Do(func() { close(c.finCh) }) }

func (p *pair) wasReset() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.reset
}

// resetBoth resets both ends' real sockets (closed with linger 0, each
// sends a RST), the end that met the reset first, and shows each RST.
func (p *pair) resetBoth(first *conn) {
	p.mu.Lock()
	p.reset = true
	ends := []*conn{first, p.dialer}
	if first == p.dialer {
		ends[1] = p.acceptor
	}
	reals := []net.Conn{ends[0].real, ends[1].real}
	p.mu.Unlock()
	for k, end := range ends {
		end.finSent.Store(true) // after a RST no FIN follows
		if reals[k] != nil {
			p.w.step(0, end.event(trace.RST))
			resetReal(reals[k])
		}
		end.finished()
	}
}

func (c *conn) event(k trace.Kind) trace.Event {
	return trace.Event{Kind: k, Conn: c.p.id, Channel: c.p.ch, Host: c.host.name, From: c.local.String(), To: c.remote.String()}
}

// cost is the virtual time n bytes take on the link.
func (l Link) cost(n int) time.Duration {
	d := l.Latency
	if l.Bandwidth > 0 {
		d += time.Duration(int64(n) * int64(time.Second) / l.Bandwidth)
	}
	if d == 0 {
		d = time.Microsecond
	}
	return d
}

// Write relays b to the other end. Control lines become one segment event
// each and pass the FTP helpers on the way; data becomes one segment event
// per write.
func (c *conn) Write(b []byte) (int, error) {
	if c.p.ch == trace.Control {
		return c.writeControl(b)
	}
	return c.writeData(b)
}

// writeData sends b as one segment, or as several where a fault cuts it,
// and lets each fault act at its byte.
func (c *conn) writeData(b []byte) (int, error) {
	if c.gaveUp.Load() {
		return 0, c.timeout("write")
	}
	p := c.p
	n := 0
	for _, pc := range p.cut(c, len(b)) {
		p.mu.Lock()
		reset := p.reset
		p.mu.Unlock()
		if reset {
			return n, errReset()
		}
		if pc.n > 0 {
			e := c.event(trace.Segment)
			e.Bytes = int64(pc.n)
			p.w.step(p.link.cost(pc.n), e)
			if _, err := c.real.Write(b[n : n+pc.n]); err != nil {
				return n, err
			}
			n += pc.n
		}
		for _, st := range pc.due {
			if err := st.Act(wire{c}); err != nil {
				return n, err
			}
		}
	}
	return n, nil
}

// wait lets d pass on a stalled link. When an end's data timeout is
// shorter, at the virtual moment the first end's timer fires that end gives
// up: a writer that gives up gets a timeout error for this Write; a reader
// that gives up gets one from its next Read (its real socket's read
// deadline is set in the past) and the writer a reset.
func (c *conn) wait(d time.Duration) error {
	p := c.p
	p.mu.Lock()
	other := p.acceptor
	if c == p.acceptor {
		other = p.dialer
	}
	p.mu.Unlock()
	quitter, limit := (*conn)(nil), d
	for _, end := range []*conn{c, other} {
		if end != nil && end.host.dataTimeout > 0 && end.host.dataTimeout < limit {
			quitter, limit = end, end.host.dataTimeout
		}
	}
	if quitter == nil {
		p.w.advance(d)
		return nil
	}
	e := quitter.event(trace.Note)
	e.Text = fmt.Sprintf("%s gives up on the stalled data connection: no progress for %s (its data timeout)", quitter.host.name, limit)
	p.w.step(limit, e)
	quitter.gaveUp.Store(true)
	if quitter != c {
		// The reader gives up and closes; the writer, still stalled, learns
		// it from the peer's reset. Simplified: it learns at once, so the
		// reader's 426 is not held back until the link would have resumed.
		p.mu.Lock()
		rc := quitter.real // nil until the reader has accepted: then its first Read sees gaveUp
		p.mu.Unlock()
		if rc != nil {
			rc.SetReadDeadline(time.Unix(1, 0)) // wakes a Read waiting on the real socket
		}
		return errReset()
	}
	return c.timeout("write")
}

func errReset() error { return &net.OpError{Op: "write", Net: "tcp", Err: syscall.ECONNRESET} }

// writeControl passes whole lines: each is shown, read by the helpers on
// the path (which may rewrite it) and then sent. A TLS record at a line
// start turns this direction opaque. A fault may cut a write inside a
// line: the line then crosses the wire in pieces (see sendPiece).
func (c *conn) writeControl(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.timedOut.Load() {
		return 0, &net.OpError{Op: "write", Net: "tcp", Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: syscall.ETIMEDOUT}
	}
	if c.encrypted {
		return c.writeOpaque(b)
	}
	var out []byte
	rest := b
	pieces := c.p.cut(c, len(b))
	for k, pc := range pieces {
		c.pending = append(c.pending, rest[:pc.n]...)
		rest = rest[pc.n:]
		for len(c.pending) > 0 {
			if len(out) == 0 && len(c.sentOfLine) == 0 && c.pending[0] == 0x16 { // TLS handshake record
				c.encrypted = true
				c.blind()
				opaque := append(c.pending, rest...)
				c.pending = nil
				if _, err := c.writeOpaque(opaque); err != nil {
					return 0, err
				}
				return len(b), nil
			}
			i := bytes.IndexByte(c.pending, '\n')
			if i < 0 {
				break
			}
			line, alive := c.endLine(c.pending[:i+1])
			c.pending = c.pending[i+1:]
			if !alive { // the cut line killed the connection: nothing more gets through
				c.pending = nil
				return len(b), nil
			}
			out = append(out, line...)
		}
		if k < len(pieces)-1 && len(c.pending) > 0 {
			c.sendPiece() // the fault cut the write inside a line
		}
	}
	if len(out) > 0 {
		if _, err := c.real.Write(out); err != nil {
			return 0, err
		}
	}
	return len(b), nil
}

func (c *conn) writeOpaque(b []byte) (int, error) {
	e := c.event(trace.Segment)
	e.Bytes = int64(len(b))
	c.p.w.step(c.p.link.cost(len(b)), e)
	return c.real.Write(b)
}
