package netem

import (
	"errors"
	"io"
	"net"
	"syscall"

	"ftplab/sim/trace"
)

// spliceChunk is how much one fast-path copy moves before it is shown as a
// segment event: large enough that the events cost nothing next to the
// bytes, small enough that a watcher sees a long transfer advance.
const spliceChunk = 4 << 20

// fast reports whether this end's bytes may bypass writeData: a data
// connection on a link with no conditions at all (no latency, bandwidth,
// stall or reset), where writeData would only count the bytes and show
// one segment per write. Any condition keeps the byte-exact path.
func (c *conn) fast() (*net.TCPConn, bool) {
	if c.p.ch != trace.Data || !c.p.link.none() || c.gaveUp.Load() {
		return nil, false
	}
	tc, ok := c.real.(*net.TCPConn)
	return tc, ok
}

// ReadFrom is io.Copy's way in when this end is the writer. On a fast
// data connection it hands the real socket the source (an *os.File, a
// *net.TCPConn, or another fast netem end, each maybe in an
// *io.LimitedReader), so Go uses sendfile(2) or splice(2) and no byte
// passes through user space; each chunk is counted and shown as one
// segment. Otherwise it copies through Write, as before.
func (c *conn) ReadFrom(r io.Reader) (int64, error) {
	tc, ok := c.fast()
	if !ok {
		return io.Copy(writeOnly{c}, r)
	}
	src, limit := r, int64(-1)
	if lr, ok := r.(*io.LimitedReader); ok {
		if lr.N <= 0 {
			return 0, nil
		}
		src, limit = lr.R, lr.N
		defer func() { lr.N = limit }()
	}
	if other, ok := src.(*conn); ok {
		if otc, ok := other.fast(); ok {
			src = otc
		}
	}
	if spliceHook != nil {
		spliceHook(src)
	}
	var total int64
	for limit != 0 {
		chunk := int64(spliceChunk)
		if limit > 0 && limit < chunk {
			chunk = limit
		}
		n, err := tc.ReadFrom(&io.LimitedReader{R: src, N: chunk})
		if n > 0 {
			total += n
			if limit > 0 {
				limit -= n
			}
			c.segment(n)
		}
		if err != nil {
			return total, err
		}
		if n < chunk {
			return total, nil // the source ended
		}
	}
	return total, nil
}

// spliceHook, when a test sets it, sees what the real socket is handed.
var spliceHook func(src io.Reader)

// segment counts n relayed bytes and shows them as one segment event.
func (c *conn) segment(n int64) {
	p := c.p
	p.mu.Lock()
	p.sent += n
	p.mu.Unlock()
	e := c.event(trace.Segment)
	e.Bytes = n
	p.w.step(p.link.cost(int(n)), e)
}

// WriteTo is io.Copy's way out when this end is the reader: to another
// fast netem end it becomes that end's ReadFrom (socket to socket by
// splice); otherwise the real socket's own WriteTo. Reads show no events
// (the writer's side shows the segments), so nothing is lost either way.
func (c *conn) WriteTo(w io.Writer) (int64, error) {
	if dst, ok := w.(*conn); ok {
		return dst.ReadFrom(c)
	}
	tc, ok := c.fast()
	if !ok {
		return io.Copy(w, readOnly{c})
	}
	return tc.WriteTo(w)
}

// SyscallConn exposes the real socket of a fast data connection, so an
// *os.File's ReadFrom (a STOR writing to disk) splices from it directly.
// On any other connection it refuses, and callers copy through Read.
func (c *conn) SyscallConn() (syscall.RawConn, error) {
	tc, ok := c.fast()
	if !ok {
		return nil, errNoRawConn
	}
	return tc.SyscallConn()
}

var errNoRawConn = errors.New("netem: no raw socket on a connection with link conditions or FTP helpers")

// writeOnly and readOnly hide ReadFrom and WriteTo, so the fallback
// io.Copy above does not come back here.
type writeOnly struct{ io.Writer }
type readOnly struct{ io.Reader }
