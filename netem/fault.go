package netem

import (
	"time"

	"ftplab/sim/trace"
)

// A Fault acts on the bytes of each connection made after SetLink, in
// virtual time. Faults are values ([Stall], [Reset], [Slicer]); each
// connection gets its own state from Start, so one Fault may serve many
// connections.
type Fault interface {
	// Start makes the fault's state for a new connection on channel ch, or
	// returns nil when the fault leaves such connections alone.
	Start(ch trace.Channel) FaultState
}

// FaultState is one connection's copy of a Fault. The link calls At (and
// BeginWrite, for a [WriteWatcher]) with the connection's lock held, and
// Act without it, from the goroutine that is writing.
type FaultState interface {
	// At is the byte count, greater than sent, at which the fault acts
	// next, or -1 for never; sent counts the bytes the connection has
	// carried so far, both ways. The link cuts a write there, so the
	// fault acts at an exact byte.
	At(sent int64) int64
	// Act runs once the connection has carried At bytes, after the
	// segment that ends there has been sent.
	Act(w Wire) error
}

// A WriteWatcher is a FaultState that wants to know each write before the
// link cuts it: from is the writing host, at the byte count where the
// write starts, n its length.
type WriteWatcher interface {
	BeginWrite(from string, at, n int64)
}

// Wire is what a fault may do to its connection.
type Wire interface {
	// Note adds a note event at the current virtual time.
	Note(text string)
	// Wait lets d pass on the link. An end whose data timeout is shorter
	// gives up first: Wait returns the error the writer then sees.
	Wait(d time.Duration) error
	// Reset sends a RST to both ends; it returns the writer's error.
	Reset(reason string) error
}

// piece is one segment of a write: its length and the fault states due
// once it has been sent.
type piece struct {
	n   int
	due []FaultState
}

// cut plans a write of n bytes from c: where the faults cut it and which of
// them act after each piece. It counts the bytes as carried.
func (p *pair) cut(c *conn, n int) []piece {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, st := range p.faults {
		if ww, ok := st.(WriteWatcher); ok {
			ww.BeginWrite(c.host.name, p.sent, int64(n))
		}
	}
	var out []piece
	for left := int64(n); ; {
		size, next := left, make([]int64, len(p.faults))
		for i, st := range p.faults {
			next[i] = st.At(p.sent)
			if next[i] > p.sent && next[i]-p.sent < size {
				size = next[i] - p.sent
			}
		}
		p.sent += size
		left -= size
		pc := piece{n: int(size)}
		for i, st := range p.faults {
			if next[i] > p.sent-size && next[i] <= p.sent {
				pc.due = append(pc.due, st)
			}
		}
		out = append(out, pc)
		if left == 0 {
			return out
		}
	}
}

// wire is a connection end as its faults see it.
type wire struct{ c *conn }

func (w wire) Note(text string) {
	e := w.c.event(trace.Note)
	e.Text = text
	w.c.p.w.step(0, e)
}

func (w wire) Wait(d time.Duration) error { return w.c.wait(d) }

func (w wire) Reset(reason string) error {
	c, p := w.c, w.c.p
	e := c.event(trace.Reset)
	e.Err = reason
	p.w.step(0, e)
	p.resetBoth(c)
	return errReset()
}
