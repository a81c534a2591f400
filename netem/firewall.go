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

// Any reports whether the range is the zero value (every port).
func (r PortRange) Any() bool           { return r.Min == 0 && r.Max == 0 }
func (r PortRange) contains(p int) bool { return r.Any() || (p >= r.Min && p <= r.Max) }

func (r PortRange) String() string {
	if r.Min == r.Max {
		return fmt.Sprint(r.Min)
	}
	return fmt.Sprintf("%d-%d", r.Min, r.Max)
}

// RejectType is what a Reject sends back.
type RejectType int

// The answers nftables' reject can give. The dialer fails at once with
// each; the error it sees differs.
const (
	TCPReset            RejectType = iota // reject with tcp reset: ECONNREFUSED
	ICMPPortUnreachable                   // ICMP port unreachable: ECONNREFUSED
	ICMPAdminProhibited                   // ICMP administratively prohibited: EHOSTUNREACH
)

func (t RejectType) String() string {
	return [...]string{"tcp reset", "icmp port-unreachable", "icmp admin-prohibited"}[t]
}

// Rule is one firewall rule.
type Rule struct {
	Dir        Direction
	Ports      PortRange // destination port
	SrcPorts   PortRange // source port
	States     []State   // empty: any state
	Action     Action
	RejectWith RejectType // for Reject
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
	if !r.SrcPorts.Any() {
		parts = append(parts, "tcp sport "+r.SrcPorts.String())
	}
	if !r.Ports.Any() {
		parts = append(parts, "tcp dport "+r.Ports.String())
	}
	if r.Action == Reject && r.RejectWith != TCPReset {
		parts = append(parts, "with "+r.RejectWith.String())
	}
	return strings.Join(parts, " ")
}

func (r Rule) matches(dir Direction, sport, dport int, st State) bool {
	if r.Dir != AnyDir && r.Dir != dir {
		return false
	}
	if !r.Ports.contains(dport) || !r.SrcPorts.contains(sport) {
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
	// ALGPorts are the control ports the helper is attached for (nftables'
	// `tcp dport ... ct helper set`); empty: the world's control port.
	ALGPorts []int
}

// AddFirewall puts a firewall in front of the host named side.
func (w *World) AddFirewall(side string, f Firewall) error {
	if f.Name == "" {
		f.Name = side + "-fw"
	}
	b := &firewallBox{fw: f}
	if f.ALG {
		b.help = &helper{ports: f.ALGPorts}
	}
	return w.addBox(side, b)
}

// firewallBox is a Firewall on the path.
type firewallBox struct {
	fw   Firewall
	help *helper // nil: no FTP helper
}

func (b *firewallBox) name() string                       { return b.fw.Name }
func (b *firewallBox) kind() string                       { return "firewall" }
func (b *firewallBox) public() (addr netip.Addr, ok bool) { return addr, false }
func (b *firewallBox) local() bool                        { return true }
func (b *firewallBox) helper() *helper                    { return b.help }

func (b *firewallBox) describe(side string) trace.Box {
	tb := trace.Box{Name: b.fw.Name, Kind: b.kind(), Side: side, ALG: b.help != nil}
	for i, r := range b.fw.Rules {
		tb.Rules = append(tb.Rules, fmt.Sprintf("%d: %s", i+1, r))
	}
	tb.Rules = append(tb.Rules, "policy "+b.fw.Policy.String())
	return b.help.describe(tb)
}

// syn filters: the first matching rule (or the policy) decides. A SYN the
// helper expected is RELATED and uses the expectation up.
func (b *firewallBox) syn(dir Direction, s *synPath) decision {
	e, expired := b.help.take(b.fw.Name, s.dst, s.now)
	st, used := StateNew, e != nil
	if used {
		st = StateRelated
	}
	act, rule, with := b.fw.Policy, "policy "+b.fw.Policy.String(), TCPReset
	for i, r := range b.fw.Rules {
		if r.matches(dir, int(s.src.Port()), int(s.dst.Port()), st) {
			act, rule, with = r.Action, fmt.Sprintf("rule %d: %s", i+1, r), r.RejectWith
			break
		}
	}
	// Conntrack finds the expectation when it creates the new entry,
	// before the filter runs: that lookup is why the filter sees RELATED,
	// so it comes first.
	d := decision{action: act, with: with, events: expired}
	if used {
		d.events = append(d.events, trace.Event{Kind: trace.ExpectUsed, Box: b.fw.Name, To: s.dst.String()})
	}
	d.events = append(d.events, trace.Event{Kind: trace.Verdict, Box: b.fw.Name, Verdict: act.String(), Rule: rule, State: string(st)})
	if act != Accept {
		d.rule = rule
	}
	return d
}
