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
	ready    chan struct{} // closed once the dialer's side is connected

	closeOnce sync.Once
	mu        sync.Mutex
	sent      int64 // data bytes relayed, for stall/reset
	stalled   bool
	reset     bool
}

func newPair(w *World, id int, ch trace.Channel, l Link) *pair {
	return &pair{w: w, id: id, ch: ch, link: l, ready: make(chan struct{})}
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

	wmu       sync.Mutex
	pending   []byte // control: the start of a line not yet complete
	encrypted bool   // control: TLS records flow this way now

	gaveUp atomic.Bool // a stall outlasted this end's data timeout
}

// Read reads from the real socket, unless this end gave up on a stall.
func (c *conn) Read(b []byte) (int, error) {
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

// CloseWrite half-closes, as *net.TCPConn does.
func (c *conn) CloseWrite() error {
	if cw, ok := c.real.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// Close closes this end. The first end to close is the one the trace
// shows sending FIN.
func (c *conn) Close() error {
	c.p.closeOnce.Do(func() {
		c.p.mu.Lock()
		wasReset := c.p.reset
		c.p.mu.Unlock()
		if !wasReset {
			c.p.w.step(0, c.event(trace.Close))
		}
	})
	return c.real.Close()
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

func (c *conn) writeData(b []byte) (int, error) {
	if c.gaveUp.Load() {
		return 0, c.timeout("write")
	}
	p := c.p
	n := 0
	for {
		// Cut the write at the link's next stall or reset point, so exactly
		// StallAfter bytes pass before a stall and ResetAfter before a reset.
		p.mu.Lock()
		if p.reset {
			p.mu.Unlock()
			return n, errReset()
		}
		chunk := int64(len(b) - n)
		limit := int64(-1)
		if p.link.StallAfter > 0 && !p.stalled {
			limit = p.link.StallAfter
		}
		if p.link.ResetAfter > 0 && (limit < 0 || p.link.ResetAfter < limit) {
			limit = p.link.ResetAfter
		}
		if limit > p.sent && chunk > limit-p.sent {
			chunk = limit - p.sent
		}
		p.sent += chunk
		stall := p.link.StallAfter > 0 && !p.stalled && p.sent >= p.link.StallAfter
		if stall {
			p.stalled = true
		}
		reset := p.link.ResetAfter > 0 && p.sent >= p.link.ResetAfter
		if reset {
			p.reset = true
		}
		p.mu.Unlock()

		if chunk > 0 {
			e := c.event(trace.Segment)
			e.Bytes = chunk
			p.w.step(p.link.cost(int(chunk)), e)
			if _, err := c.real.Write(b[n : n+int(chunk)]); err != nil {
				return n, err
			}
			n += int(chunk)
		}
		if stall {
			e := c.event(trace.Note)
			e.Text = fmt.Sprintf("link stalls for %s after %d bytes", p.link.StallFor, p.link.StallAfter)
			p.w.step(0, e)
			waited, err := c.stallOutlasts()
			if err != nil {
				return n, err
			}
			e = c.event(trace.Note)
			e.Text = fmt.Sprintf("link resumes after a stall of %s", p.link.StallFor)
			p.w.step(p.link.StallFor-waited, e)
		}
		if reset {
			e := c.event(trace.Reset)
			e.Err = fmt.Sprintf("link reset the connection after %d bytes", p.link.ResetAfter)
			p.w.step(0, e)
			p.mu.Lock()
			ends := []net.Conn{p.dialer.real, p.acceptor.real}
			p.mu.Unlock()
			for _, rc := range ends {
				resetReal(rc)
			}
			return n, errReset()
		}
		if n == len(b) {
			return n, nil
		}
	}
}

// stallOutlasts handles a stall longer than an end's data timeout: at the
// virtual moment the first end's timer fires, that end gives up. A writer
// that gives up gets a timeout error for this Write; a reader that gives
// up gets one from its next Read (its real socket's read deadline is set in
// the past) and the writer a reset. waited is the virtual time that passed.
func (c *conn) stallOutlasts() (waited time.Duration, err error) {
	p := c.p
	p.mu.Lock()
	other := p.acceptor
	if c == p.acceptor {
		other = p.dialer
	}
	p.mu.Unlock()
	quitter, limit := (*conn)(nil), p.link.StallFor
	for _, end := range []*conn{c, other} {
		if end != nil && end.host.dataTimeout > 0 && end.host.dataTimeout < limit {
			quitter, limit = end, end.host.dataTimeout
		}
	}
	if quitter == nil {
		return 0, nil
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
		return limit, errReset()
	}
	return limit, c.timeout("write")
}

func errReset() error { return &net.OpError{Op: "write", Net: "tcp", Err: syscall.ECONNRESET} }

// writeControl passes whole lines: each is shown, read by the helpers on
// the path (which may rewrite it) and then sent. A TLS record at a line
// start turns this direction opaque.
func (c *conn) writeControl(b []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if c.encrypted {
		return c.writeOpaque(b)
	}
	c.pending = append(c.pending, b...)
	var out []byte
	for len(c.pending) > 0 {
		if len(out) == 0 && c.pending[0] == 0x16 { // TLS handshake record
			c.encrypted = true
			c.blind()
			rest := c.pending
			c.pending = nil
			if _, err := c.writeOpaque(rest); err != nil {
				return 0, err
			}
			return len(b), nil
		}
		i := bytes.IndexByte(c.pending, '\n')
		if i < 0 {
			break
		}
		line := c.pending[:i+1]
		c.pending = c.pending[i+1:]
		text := string(bytes.TrimRight(line, "\r\n"))
		e := c.event(trace.Segment)
		e.Text, e.Bytes = text, int64(len(line))
		c.p.w.step(c.p.link.cost(len(line)), e)
		if rewritten, ok := c.p.help(c, text); ok {
			line = []byte(rewritten + "\r\n")
		}
		out = append(out, line...)
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

// blind tells, once per helper, that it can no longer read this control
// connection.
func (c *conn) blind() {
	for _, hp := range c.p.hops {
		if !hp.b.hasALG() {
			continue
		}
		c.p.w.mu.Lock()
		if hp.b.blinded == nil {
			hp.b.blinded = map[*pair]bool{}
		}
		seen := hp.b.blinded[c.p]
		hp.b.blinded[c.p] = true
		c.p.w.mu.Unlock()
		if !seen {
			e := c.event(trace.Blind)
			e.Box = hp.b.name
			e.Text = "the control channel is encrypted (TLS): the FTP helper cannot read PORT or 227 replies"
			c.p.w.step(0, e)
		}
	}
}
