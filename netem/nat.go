package netem

import (
	"fmt"
	"net/netip"

	"ftplab/sim/trace"
)

// Forward is a port forward on a NAT: Ports on the public address go to To.
type Forward struct {
	Ports PortRange
	To    string // private IP; the port is kept
}

// NAT translates addresses for the host behind it: source NAT for its
// outgoing connections, destination NAT by Forward rules (or by the FTP
// helper's expectations) for incoming ones.
type NAT struct {
	Name    string // "client-nat"
	Public  string // the address the world sees
	Forward []Forward
	ALG     bool // FTP helper attached (nf_nat_ftp: rewrites PORT/227)
	// ALGPorts are the control ports the helper is attached for; empty:
	// the world's control port.
	ALGPorts []int
	// RefuseUnforwarded makes the NAT answer a SYN for a port it does not
	// forward with a RST, as a router's own stack does when nothing filters
	// its input; otherwise it drops it, as a router with an input firewall
	// does.
	RefuseUnforwarded bool
}

// AddNAT puts a NAT in front of the host named side.
func (w *World) AddNAT(side string, n NAT) error {
	if n.Name == "" {
		n.Name = side + "-nat"
	}
	pub, err := netip.ParseAddr(n.Public)
	if err != nil {
		return fmt.Errorf("netem: NAT %q: bad public address %q", n.Name, n.Public)
	}
	b := &natBox{boxName: n.Name, pub: pub.Unmap(), refuse: n.RefuseUnforwarded}
	for _, f := range n.Forward {
		to, err := netip.ParseAddr(f.To)
		if err != nil {
			return fmt.Errorf("netem: NAT %q: bad forward target %q", n.Name, f.To)
		}
		b.forward = append(b.forward, forward{ports: f.Ports, to: to.Unmap()})
	}
	if n.ALG {
		b.help = &helper{ports: n.ALGPorts}
	}
	return w.addBox(side, b)
}

// natBox is a NAT on the path.
type natBox struct {
	boxName string
	pub     netip.Addr
	forward []forward
	refuse  bool    // a SYN to a port not forwarded gets a RST
	help    *helper // nil: no FTP helper
}

type forward struct {
	ports PortRange
	to    netip.Addr
}

func (b *natBox) name() string               { return b.boxName }
func (b *natBox) kind() string               { return "nat" }
func (b *natBox) public() (netip.Addr, bool) { return b.pub, true }
func (b *natBox) local() bool                { return false }
func (b *natBox) helper() *helper            { return b.help }

func (b *natBox) describe(side string) trace.Box {
	tb := trace.Box{Name: b.boxName, Kind: b.kind(), Side: side, ALG: b.help != nil}
	tb.Rules = append(tb.Rules, "masquerade out to "+b.pub.String())
	for _, f := range b.forward {
		tb.Rules = append(tb.Rules, fmt.Sprintf("forward %s:%s to %s", b.pub, f.ports, f.to))
	}
	if b.refuse {
		tb.Rules = append(tb.Rules, "other ports: refused (RST)")
	}
	return b.help.describe(tb)
}

// syn translates: source NAT going out (the port is kept), destination NAT
// coming in by an FTP helper expectation or a port forward. An incoming
// SYN that matches neither has nowhere to go: the NAT drops it.
func (b *natBox) syn(dir Direction, s *synPath) decision {
	if dir == Out {
		before := s.src
		s.src = netip.AddrPortFrom(b.pub, s.src.Port())
		return decision{action: Accept, events: []trace.Event{b.natEvent(before, s.src)}}
	}
	before := s.dst
	e, expired := b.help.take(b.boxName, s.dst, s.now)
	if e != nil {
		s.dst = e.to
		return decision{action: Accept, events: []trace.Event{
			{Kind: trace.ExpectUsed, Box: b.boxName, To: before.String()},
			b.natEvent(before, s.dst),
		}}
	}
	for _, f := range b.forward {
		if f.ports.contains(int(s.dst.Port())) {
			s.dst = netip.AddrPortFrom(f.to, s.dst.Port())
			return decision{action: Accept, events: append(expired, b.natEvent(before, s.dst))}
		}
	}
	reason, act := fmt.Sprintf("no forward for port %d", s.dst.Port()), Drop
	if b.refuse {
		act = Reject
	}
	return decision{action: act, rule: reason, events: append(expired,
		trace.Event{Kind: trace.Verdict, Box: b.boxName, Verdict: act.String(), Rule: reason, State: string(StateNew)},
	)}
}

func (b *natBox) natEvent(before, after netip.AddrPort) trace.Event {
	return trace.Event{Kind: trace.NAT, Box: b.boxName, Before: before.String(), After: after.String()}
}
