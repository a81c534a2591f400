package sim

import (
	"time"

	"ftplab/netem"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// link is the scenario's netem link: latency and bandwidth, and the
// published fault knobs as netem faults (a stall acts before a reset at the
// same byte).
func link(s scenario.Scenario) netem.Link {
	l := netem.Link{Latency: time.Duration(s.Latency), Bandwidth: int64(s.Bandwidth)}
	if s.StallAfter > 0 {
		l.Faults = append(l.Faults, netem.Stall{After: int64(s.StallAfter), For: time.Duration(s.StallFor)})
	}
	if s.ResetAfter > 0 {
		l.Faults = append(l.Faults, netem.Reset{After: int64(s.ResetAfter)})
	}
	if s.SplitCommands > 0 {
		l.Faults = append(l.Faults, netem.Slicer{Size: int64(s.SplitCommands), Pieces: 2, From: "client", Channel: trace.Control})
	}
	return l
}

// synSchedule is the scenario's SYN schedule for every host.
func synSchedule(s scenario.Scenario) netem.SYNSchedule {
	if s.SYNSchedule == scenario.SYNLinuxPre65 {
		return netem.SYNLinuxPre65
	}
	return netem.SYNLinux
}

// The presets below are the one source of every box a scenario puts on the
// path: the runner gives them to netem, and the kernel check renders them
// as nftables rulesets.

// ClientFirewall is the home router every lesson means: out is free, in
// only what belongs to a connection the client made.
func ClientFirewall(sc scenario.Scenario) netem.Firewall {
	return netem.Firewall{Name: "client-fw", ALG: sc.HelperOn("client-fw"), ALGPorts: helperPorts(sc), Policy: netem.Accept, Rules: []netem.Rule{
		{Dir: netem.Out, Action: netem.Accept},
		{Dir: netem.In, States: []netem.State{netem.StateEstablished, netem.StateRelated}, Action: netem.Accept},
		block(sc, netem.Rule{Dir: netem.In}),
	}}
}

// ServerFirewall admits the control port and, if the scenario opens it,
// the passive range; everything else inbound is blocked. With
// server_egress it also blocks new connections from port 20 going out.
func ServerFirewall(sc scenario.Scenario) netem.Firewall {
	rules := []netem.Rule{
		{Dir: netem.In, Ports: port(sc.Port()), States: []netem.State{netem.StateNew}, Action: netem.Accept},
		{Dir: netem.In, States: []netem.State{netem.StateEstablished, netem.StateRelated}, Action: netem.Accept},
	}
	if sc.OpenPasv {
		rules = append(rules, netem.Rule{Dir: netem.In, Ports: passiveRange(), States: []netem.State{netem.StateNew}, Action: netem.Accept})
	}
	if sc.ServerEgress {
		rules = append(rules, block(sc, netem.Rule{Dir: netem.Out, SrcPorts: port(scenario.ServerDataPort), States: []netem.State{netem.StateNew}}))
	}
	rules = append(rules,
		netem.Rule{Dir: netem.Out, Action: netem.Accept},
		block(sc, netem.Rule{Dir: netem.In}),
	)
	return netem.Firewall{Name: "server-fw", ALG: sc.HelperOn("server-fw"), ALGPorts: helperPorts(sc), Policy: netem.Accept, Rules: rules}
}

// ClientNAT is the client's masquerade: its private network leaves as one
// public address.
func ClientNAT(sc scenario.Scenario) netem.NAT {
	return netem.NAT{Name: "client-nat", Public: sc.Addrs().ClientNAT, ALG: sc.HelperOn("client-nat"), ALGPorts: helperPorts(sc)}
}

// ServerNAT publishes the private server: the control port and, unless
// forward is control, the passive range are forwarded to it. Forwarding
// the control port only, its own address answers the other ports with a
// RST (the kernel run's router, which filters nothing of its own input).
func ServerNAT(sc scenario.Scenario) netem.NAT {
	a := sc.Addrs()
	n := netem.NAT{Name: "server-nat", Public: a.ServerPublic, ALG: sc.HelperOn("server-nat"), ALGPorts: helperPorts(sc),
		Forward: []netem.Forward{{Ports: port(sc.Port()), To: a.ServerPrivate}}}
	if sc.Forward == "control" {
		n.RefuseUnforwarded = true
	} else {
		n.Forward = append(n.Forward, netem.Forward{Ports: passiveRange(), To: a.ServerPrivate})
	}
	return n
}

// helperPorts are the ports a helper is attached for, nil when that is just
// the control port (netem's default).
func helperPorts(sc scenario.Scenario) []int {
	if p := sc.HelperPorts(); !(len(p) == 1 && p[0] == sc.Port()) {
		return p
	}
	return nil
}

func port(p int) netem.PortRange { return netem.PortRange{Min: p, Max: p} }

func passiveRange() netem.PortRange {
	return netem.PortRange{Min: scenario.PasvMinPort, Max: scenario.PasvMaxPort}
}

// block is r as the scenario's blocking rule: DROP, or REJECT with the
// answer the scenario names.
func block(sc scenario.Scenario, r netem.Rule) netem.Rule {
	r.Action = netem.Drop
	if sc.Reject {
		r.Action = netem.Reject
	}
	switch sc.RejectWith {
	case "icmp-port-unreachable":
		r.RejectWith = netem.ICMPPortUnreachable
	case "icmp-admin-prohibited":
		r.RejectWith = netem.ICMPAdminProhibited
	}
	return r
}
