package sim

import (
	"time"

	"ftplab/netem"
	"ftplab/sim/scenario"
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
	return netem.Firewall{Name: "client-fw", ALG: sc.ALG, Policy: netem.Accept, Rules: []netem.Rule{
		{Dir: netem.Out, Action: netem.Accept},
		{Dir: netem.In, States: []netem.State{netem.StateEstablished, netem.StateRelated}, Action: netem.Accept},
		{Dir: netem.In, Action: blockAction(sc)},
	}}
}

// ServerFirewall admits the control port and, if the scenario opens it,
// the passive range; everything else inbound is blocked.
func ServerFirewall(sc scenario.Scenario) netem.Firewall {
	rules := []netem.Rule{
		{Dir: netem.In, Ports: port(scenario.ServerControlPort), States: []netem.State{netem.StateNew}, Action: netem.Accept},
		{Dir: netem.In, States: []netem.State{netem.StateEstablished, netem.StateRelated}, Action: netem.Accept},
	}
	if sc.OpenPasv {
		rules = append(rules, netem.Rule{Dir: netem.In, Ports: passiveRange(), States: []netem.State{netem.StateNew}, Action: netem.Accept})
	}
	rules = append(rules,
		netem.Rule{Dir: netem.Out, Action: netem.Accept},
		netem.Rule{Dir: netem.In, Action: blockAction(sc)},
	)
	return netem.Firewall{Name: "server-fw", ALG: sc.ALG, Policy: netem.Accept, Rules: rules}
}

// ClientNAT is the client's masquerade: its private network leaves as one
// public address.
func ClientNAT(sc scenario.Scenario) netem.NAT {
	return netem.NAT{Name: "client-nat", Public: scenario.ClientNATIP, ALG: sc.ALG}
}

// ServerNAT publishes the private server: the control port and the
// passive range are forwarded to it.
func ServerNAT(sc scenario.Scenario) netem.NAT {
	return netem.NAT{Name: "server-nat", Public: scenario.ServerPublicIP, ALG: sc.ALG, Forward: []netem.Forward{
		{Ports: port(scenario.ServerControlPort), To: scenario.ServerPrivateIP},
		{Ports: passiveRange(), To: scenario.ServerPrivateIP},
	}}
}

func port(p int) netem.PortRange { return netem.PortRange{Min: p, Max: p} }

func passiveRange() netem.PortRange {
	return netem.PortRange{Min: scenario.PasvMinPort, Max: scenario.PasvMaxPort}
}

func blockAction(sc scenario.Scenario) netem.Action {
	if sc.Reject {
		return netem.Reject
	}
	return netem.Drop
}
