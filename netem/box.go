package netem

import (
	"fmt"
	"net/netip"
	"strings"

	"ftplab/sim/trace"
)

// Action is what a firewall does with a SYN.
type Action int

// The three verdicts, as iptables/nftables name them.
const (
	Accept Action = iota
	Drop          // silently: the dialer retransmits and times out
	Reject        // with a RST: the dialer is refused at once
)

func (a Action) String() string { return [...]string{"accept", "drop", "reject"}[a] }

// Direction is relative to the host the firewall guards.
type Direction int

// In is toward the guarded host, Out away from it. AnyDir matches both.
const (
	AnyDir Direction = iota
	In
	Out
)

func (d Direction) String() string { return [...]string{"", "in", "out"}[d] }

// State is a connection's conntrack state as the firewall sees its SYN.
type State string

// The states a rule can match. A SYN is NEW, or RELATED when an FTP
// helper expected it; ESTABLISHED covers the packets of a connection
// already accepted (netem checks SYNs only, so rules matching it are what
// keeps replies flowing in a real firewall).
const (
	StateNew         State = "NEW"
	StateEstablished State = "ESTABLISHED"
	StateRelated     State = "RELATED"
)

// PortRange is an inclusive range of destination ports; zero means any.
type PortRange struct{ Min, Max int }

func (r PortRange) any() bool           { return r.Min == 0 && r.Max == 0 }
func (r PortRange) contains(p int) bool { return r.any() || (p >= r.Min && p <= r.Max) }

func (r PortRange) String() string {
	if r.Min == r.Max {
		return fmt.Sprint(r.Min)
	}
	return fmt.Sprintf("%d-%d", r.Min, r.Max)
}

// Rule is one firewall rule.
type Rule struct {
	Dir    Direction
	Ports  PortRange // destination port
	States []State   // empty: any state
	Action Action
}

// String reads like a rule in a firewall listing:
// "accept in NEW tcp dport 21".
func (r Rule) String() string {
	parts := []string{r.Action.String()}
	if r.Dir != AnyDir {
		parts = append(parts, r.Dir.String())
	}
	if len(r.States) > 0 {
		s := make([]string, len(r.States))
		for i, st := range r.States {
			s[i] = string(st)
		}
		parts = append(parts, strings.Join(s, ","))
	}
	if !r.Ports.any() {
		parts = append(parts, "tcp dport "+r.Ports.String())
	}
	return strings.Join(parts, " ")
}

func (r Rule) matches(dir Direction, port int, st State) bool {
	if r.Dir != AnyDir && r.Dir != dir {
		return false
	}
	if !r.Ports.contains(port) {
		return false
	}
	if len(r.States) == 0 {
		return true
	}
	for _, s := range r.States {
		if s == st {
			return true
		}
	}
	return false
}

// Firewall is a stateful packet filter in front of one host.
type Firewall struct {
	Name   string // "client-fw"
	Rules  []Rule // first match wins
	Policy Action // when no rule matches
	ALG    bool   // FTP helper attached (makes expected data connections RELATED)
}

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
}

// AddFirewall puts a firewall in front of the host named side.
func (w *World) AddFirewall(side string, f Firewall) error {
	if f.Name == "" {
		f.Name = side + "-fw"
	}
	return w.addBox(side, &box{name: f.Name, fw: &f})
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
	nb := &natBox{public: pub.Unmap()}
	for _, f := range n.Forward {
		to, err := netip.ParseAddr(f.To)
		if err != nil {
			return fmt.Errorf("netem: NAT %q: bad forward target %q", n.Name, f.To)
		}
		nb.forward = append(nb.forward, forward{ports: f.Ports, to: to.Unmap()})
	}
	return w.addBox(side, &box{name: n.Name, nat: nb, alg: n.ALG})
}

// box is a firewall or a NAT on one side of the network.
type box struct {
	name    string
	fw      *Firewall
	nat     *natBox
	alg     bool
	expects []expectation // guarded by World.mu
	blinded map[*pair]bool
}

type natBox struct {
	public  netip.Addr
	forward []forward
}

type forward struct {
	ports PortRange
	to    netip.Addr
}

// expectation is an FTP helper's note that a data connection to dst is
// coming (nf_conntrack_expect). On a NAT box it also carries the private
// address to translate dst to.
type expectation struct {
	dst   netip.AddrPort
	to    netip.AddrPort // NAT: translate dst to this
	owner *pair          // the control connection that announced it
}

func (b *box) kind() string {
	if b.nat != nil {
		return "nat"
	}
	return "firewall"
}

func (b *box) hasALG() bool { return b.alg || (b.fw != nil && b.fw.ALG) }

func (b *box) describe(side string) trace.Box {
	tb := trace.Box{Name: b.name, Kind: b.kind(), Side: side, ALG: b.hasALG()}
	if b.fw != nil {
		for i, r := range b.fw.Rules {
			tb.Rules = append(tb.Rules, fmt.Sprintf("%d: %s", i+1, r))
		}
		tb.Rules = append(tb.Rules, "policy "+b.fw.Policy.String())
	} else {
		tb.Rules = append(tb.Rules, "masquerade out to "+b.nat.public.String())
		for _, f := range b.nat.forward {
			tb.Rules = append(tb.Rules, fmt.Sprintf("forward %s:%s to %s", b.nat.public, f.ports, f.to))
		}
	}
	return tb
}

// filter decides a SYN going dir through a firewall box. It reports the
// action, the rule text and the conntrack state, and uses up a matching
// expectation (RELATED).
func (b *box) filter(dir Direction, dst netip.AddrPort) (Action, string, State, bool) {
	st, used := StateNew, false
	if i := b.findExpect(dst); i >= 0 {
		st, used = StateRelated, true
		b.expects = append(b.expects[:i], b.expects[i+1:]...)
	}
	for i, r := range b.fw.Rules {
		if r.matches(dir, int(dst.Port()), st) {
			return r.Action, fmt.Sprintf("rule %d: %s", i+1, r), st, used
		}
	}
	return b.fw.Policy, "policy " + b.fw.Policy.String(), st, used
}

func (b *box) findExpect(dst netip.AddrPort) int {
	for i, e := range b.expects {
		if e.dst == dst {
			return i
		}
	}
	return -1
}

// translate applies a NAT box to a SYN: source NAT going out (the port is
// kept), destination NAT coming in by an FTP helper expectation or a port
// forward. ok is false when an incoming SYN matches neither: the NAT has
// nowhere to send it.
func (b *box) translate(dir Direction, src, dst netip.AddrPort, _ netip.Addr) (before, after netip.AddrPort, ok, used bool) {
	n := b.nat
	if dir == Out {
		return src, netip.AddrPortFrom(n.public, src.Port()), true, false
	}
	if i := b.findExpect(dst); i >= 0 {
		to := b.expects[i].to
		b.expects = append(b.expects[:i], b.expects[i+1:]...)
		return dst, to, true, true
	}
	for _, f := range n.forward {
		if f.ports.contains(int(dst.Port())) {
			return dst, netip.AddrPortFrom(f.to, dst.Port()), true, false
		}
	}
	return dst, dst, false, false
}
