package netem

import (
	"net/netip"
	"time"

	"ftplab/sim/trace"
)

// A middlebox stands in front of one host and decides every SYN that
// crosses it: a [Firewall] filters, a [NAT] translates. Either may carry an
// FTP helper. Methods that read or change a box's state (syn and the
// helper's expectations) run with World.mu held.
type middlebox interface {
	name() string
	kind() string // "firewall" or "nat", as trace.Box.Kind
	// public is the address the world sees for the hosts behind the box,
	// if it translates (ok is false for a firewall).
	public() (addr netip.Addr, ok bool)
	// syn decides a SYN going dir through the box. It may rewrite s (NAT)
	// and use up a helper's expectation.
	syn(dir Direction, s *synPath) decision
	// describe is the box as the trace header records it.
	describe(side string) trace.Box
	// helper is the FTP helper attached, or nil.
	helper() *helper
	// local tells whether the box is its host's own filter, which sees what
	// the host sends before it leaves (a firewall; a NAT is a router).
	local() bool
}

// synPath is a SYN's addresses as they stand at a box, and when it
// crosses (for the helper's expectations, which expire).
type synPath struct {
	src, dst netip.AddrPort
	now      time.Duration
}

// decision is what a box did with a SYN: the events that tell it (verdict,
// nat, expect-used; Conn, Channel and Host are filled in by the dialer), the
// action and, when the SYN goes no further, the reason.
type decision struct {
	events []trace.Event
	action Action
	with   RejectType // what a Reject sends back
	rule   string
}

// hop is one box a SYN passes and the direction it passes it in.
type hop struct {
	b    middlebox
	dir  Direction
	side string
}

// outer reports whether a box sits outside the other kind: a router filters
// on the private side of its translation, so boxes with a public face go
// outermost.
func outer(b middlebox) bool {
	_, ok := b.public()
	return ok
}
