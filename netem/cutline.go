package netem

import (
	"bytes"
	"fmt"
	"time"

	"ftplab/sim/trace"
)

// A control line a fault cut into pieces crosses the helpers as
// nf_conntrack_ftp sees it: a helper reads only a segment that starts a
// line, and drops one that is a partial announcement. What follows depends
// on where the helper is and how the sender retransmits, as measured on
// Linux 6.18 (see docs/fidelity.md):
//   - the helper is the sender's own firewall: the drop happens before the
//     packet leaves, TCP appends the rest to the unsent segment, and one
//     segment carries the whole line at once;
//   - elsewhere, with SACK (Linux's default): the rest is acknowledged out
//     of order, the first piece is retransmitted alone, dropped every time,
//     and the connection wedges until the sender's TCP gives up;
//   - elsewhere, without SACK: the first retransmission carries the whole
//     line; through a NAT whose helper then rewrites it to another length,
//     the peer's ACK no longer fits what conntrack saw and the router
//     answers it with a RST.

// minRTO is the first retransmission timeout of a connection with a short
// round trip (Linux's TCP_RTO_MIN).
const minRTO = 200 * time.Millisecond

// giveUp is when Linux's TCP gives up on unacknowledged data with
// tcp_retries2=15: the RTO doubles from 200 ms up to 120 s.
const giveUp = 924600 * time.Millisecond

// sendPiece shows the pending part of a line as a segment of its own, and
// lets the first helper that sees a partial announcement drop it.
func (c *conn) sendPiece() {
	piece := c.pending
	e := c.event(trace.Segment)
	e.Text, e.Bytes = string(piece), int64(len(piece))
	c.p.w.step(c.p.link.cost(len(piece)), e)
	if len(c.sentOfLine) == 0 {
		if hp, pat := c.p.dropsPiece(c, string(piece)); hp != nil {
			c.droppedAt = hp
			n := c.event(trace.Note)
			n.Text = fmt.Sprintf("%s's FTP helper drops the segment: a partial %s (nf_conntrack_ftp reads only whole lines)", hp.b.name(), pat)
			c.p.w.step(0, n)
		}
	}
	c.sentOfLine = append(c.sentOfLine, piece...)
	c.pending = nil
}

// endLine shows the segment that ends a line and returns the line as the
// receiver gets it; alive is false when the cut killed the connection. A
// cut line no helper dropped passes unread: no helper saw its start whole.
func (c *conn) endLine(tail []byte) (out []byte, alive bool) {
	line := append(c.sentOfLine, tail...)
	dropped := c.droppedAt
	c.sentOfLine, c.droppedAt = nil, nil
	e := c.event(trace.Segment)
	e.Text, e.Bytes = string(bytes.TrimRight(tail, "\r\n")), int64(len(tail))
	c.p.w.step(c.p.link.cost(len(tail)), e)
	text := string(bytes.TrimRight(line, "\r\n"))
	switch {
	case len(line) == len(tail): // not cut
	case dropped == nil:
		return line, true
	case dropped.b.local() && dropped.side == c.host.name:
		c.note(0, fmt.Sprintf("%s's TCP appends the rest to the segment %s dropped before it left: one segment carries the whole line", c.host.name, dropped.b.name()))
		c.resend(text, len(line))
	case !c.host.noSACK:
		c.wedge(dropped)
		return nil, false
	default:
		c.note(minRTO, fmt.Sprintf("%s retransmits after %s; without SACK the retransmission carries the whole line", c.host.name, minRTO))
		c.resend(text, len(line))
	}
	rewritten, ok := c.p.help(c, text)
	if !ok {
		return line, true
	}
	if dropped != nil && len(rewritten) != len(text) {
		if _, nat := dropped.publicFor(c); nat {
			c.desync(dropped)
			return nil, false
		}
	}
	return []byte(rewritten + "\r\n"), true
}

func (c *conn) note(d time.Duration, text string) {
	n := c.event(trace.Note)
	n.Text = text
	c.p.w.step(d, n)
}

// resend shows the segment that carries the whole line again.
func (c *conn) resend(text string, n int) {
	r := c.event(trace.Segment)
	r.Text, r.Bytes = text, int64(n)
	c.p.w.step(c.p.link.cost(n), r)
}

// wedge plays out SACK's retransmissions of the dropped piece until the
// sender's TCP gives up: its next read or write fails with a timeout, and
// the receiver never gets the line.
func (c *conn) wedge(at *hop) {
	c.note(0, fmt.Sprintf("the receiver acknowledges the rest out of order (SACK), so %s retransmits the first piece alone (after 0.2, 0.6, 1.4, 3 s, ...) and %s drops every copy: the line never arrives", c.host.name, at.b.name()))
	c.note(giveUp, fmt.Sprintf("%s's TCP gives up after 15 retransmissions (tcp_retries2): connection timed out", c.host.name))
	c.timedOut.Store(true)
}

// desync resets a control connection whose cut line the NAT's helper
// rewrote to another length: the receiver already holds the line's tail
// out of order, so it acknowledges bytes the NAT never saw; conntrack marks
// that ACK invalid, leaves it untranslated, and the router's own stack
// answers it with a RST.
func (c *conn) desync(at *hop) {
	p := c.p
	e := c.event(trace.Reset)
	e.Err = fmt.Sprintf("%s rewrote a line the receiver had partly acknowledged: the ACK no longer fits what conntrack saw, and the router answers it with a RST", at.b.name())
	p.w.step(rtt(p.link), e)
	p.resetBoth(c)
}
