//go:build linux

package kernel

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"ftplab/netem"
	"ftplab/sim"
	"ftplab/sim/scenario"
)

// The kernel run plays on netem's own stage: the same addresses
// (sim/topology.go), here real inside namespaces that exist nowhere else.
const (
	clientGW    = "192.0.2.1"   // the router on the client's public network
	clientNATGW = "192.168.1.1" // the router on the client's private network
	serverGW    = "198.51.100.1"
	serverNATGW = "10.0.0.1" // the router on the server's private network
)

// Interfaces, created inside the namespaces (never in the host's).
const (
	clientIf       = "c0" // client side of the client<->router pair
	routerClientIf = "r0"
	routerServerIf = "r1"
	serverIf       = "s0" // server side of the router<->server pair
)

// The same gateways in IPv6.
const (
	clientGW6    = "2001:db8:c::1"
	clientNATGW6 = "fd00:c::1"
	serverGW6    = "2001:db8:5::1"
	serverNATGW6 = "fd00:5::1"
)

// addresses is where each namespace sits for a row.
type addresses struct {
	v6               bool
	client, clientGW string // client's own address and its gateway
	server, serverGW string // server's own address and its gateway
	routerLocal      []string
	dialTarget       string // what the client dials for the control connection
}

// prefix is the length of the namespaces' networks.
func (a addresses) prefix() string {
	if a.v6 {
		return "/64"
	}
	return "/24"
}

// host is one address as a prefix of its own.
func (a addresses) host() string {
	if a.v6 {
		return "/128"
	}
	return "/32"
}

func rowAddresses(r Row) addresses {
	st, v6 := r.Scenario().Addrs(), r.IP == 6
	gw := [4]string{clientGW, clientNATGW, serverGW, serverNATGW}
	if v6 {
		gw = [4]string{clientGW6, clientNATGW6, serverGW6, serverNATGW6}
	}
	a := addresses{v6: v6, client: st.ClientPublic, clientGW: gw[0], server: st.ServerPublic, serverGW: gw[2], dialTarget: st.ServerPublic}
	if r.NAT == "client" {
		a.client, a.clientGW = st.ClientPrivate, gw[1]
		a.routerLocal = append(a.routerLocal, st.ClientNAT) // the public face of the client's NAT
	}
	if r.NAT == "server" {
		a.server, a.serverGW = st.ServerPrivate, gw[3]
		a.routerLocal = append(a.routerLocal, st.ServerPublic) // the public face of the server's NAT
	}
	return a
}

// natFamily is the router's NAT table family and address match, and the
// private networks of each side.
func natFamily(sc scenario.Scenario) (family, match, clientNet, serverNet string) {
	if sc.IP == 6 {
		return "ip6", "ip6", "fd00:c::/64", "fd00:5::/64"
	}
	return "ip", "ip", "192.168.1.0/24", "10.0.0.0/24"
}

// helperRules is the kernel FTP helper as an explicit object, attached by
// rule to control connections to ports (Linux has no automatic
// assignment). hook is where the box sees the control SYN: output on the
// host that sends it, prerouting elsewhere.
func helperRules(ports []int, hook string) string {
	return fmt.Sprintf(`
	ct helper ftp-standard { type "ftp" protocol tcp; l3proto inet; }
	chain helpers { type filter hook %s priority filter; policy accept; tcp dport { %s } ct helper set "ftp-standard"; }`, hook, joinPorts(ports))
}

func joinPorts(ports []int) string {
	s := make([]string, len(ports))
	for i, p := range ports {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ", ")
}

// helperPorts are the ports a box's helper is attached for: netem's empty
// list means the control port.
func helperPorts(ports []int, sc scenario.Scenario) []int {
	if len(ports) == 0 {
		return []int{sc.Port()}
	}
	return ports
}

// The rulesets below are rendered from the very netem values the runner
// builds (sim.ClientFirewall and friends), so the kernel check cannot
// drift from what netem runs.

// clientRules is the client firewall preset, on the client host: its
// helper sees the client's own control SYN in the output hook.
func clientRules(r Row) string {
	sc := r.Scenario()
	if !sc.ClientFirewall() {
		return ""
	}
	return nftFirewall(sim.ClientFirewall(sc), sc, "output")
}

// serverRules is the server firewall preset, on the server host.
func serverRules(r Row) string {
	sc := r.Scenario()
	if !sc.ServerFirewall() {
		return ""
	}
	return nftFirewall(sim.ServerFirewall(sc), sc, "prerouting")
}

// nftFirewall renders a netem firewall as an inet table: its In rules in
// the input hook, its Out rules in the output hook, in order. netem judges
// SYNs only, whose state is NEW or RELATED, so a rule that names no state
// matches those two.
func nftFirewall(fw netem.Firewall, sc scenario.Scenario, helperHook string) string {
	var in, out []string
	for _, rule := range fw.Rules {
		text := nftRule(rule)
		if rule.Dir != netem.Out {
			in = append(in, text)
		}
		if rule.Dir != netem.In {
			out = append(out, text)
		}
	}
	helper := ""
	if fw.ALG {
		helper = helperRules(helperPorts(fw.ALGPorts, sc), helperHook)
	}
	policy := nftAction(fw.Policy)
	return fmt.Sprintf(`table inet ftplab {%s
	chain in { type filter hook input priority filter; policy %s; %s }
	chain out { type filter hook output priority filter; policy %s; %s }
}
`, helper, policy, nftList(in), policy, nftList(out))
}

func nftList(rules []string) string {
	if len(rules) == 0 {
		return ""
	}
	return strings.Join(rules, "; ") + ";"
}

func nftRule(r netem.Rule) string {
	var parts []string
	if !r.SrcPorts.Any() {
		parts = append(parts, "tcp sport "+r.SrcPorts.String())
	}
	if !r.Ports.Any() {
		parts = append(parts, "tcp dport "+r.Ports.String())
	}
	states := r.States
	if len(states) == 0 {
		states = []netem.State{netem.StateNew, netem.StateRelated}
	}
	names := make([]string, len(states))
	for i, st := range states {
		names[i] = strings.ToLower(string(st))
	}
	action := nftAction(r.Action)
	if r.Action == netem.Reject {
		action = "reject with " + map[netem.RejectType]string{
			netem.TCPReset:            "tcp reset",
			netem.ICMPPortUnreachable: "icmpx type port-unreachable",
			netem.ICMPAdminProhibited: "icmpx type admin-prohibited",
		}[r.RejectWith]
	}
	parts = append(parts, "ct state "+strings.Join(names, ","), action)
	return strings.Join(parts, " ")
}

func nftAction(a netem.Action) string {
	switch a {
	case netem.Drop:
		return "drop"
	case netem.Reject:
		return "reject with tcp reset"
	}
	return "accept"
}

// routerRules is the NAT preset, on the router. Client NAT: the private
// network leaves as the NAT's one public address (masquerade to a fixed
// address is snat). Server NAT: the forwarded ports go to the private
// server, which leaves as the public address; the private network itself
// is not reachable from outside, as on the internet.
func routerRules(r Row) string {
	sc := r.Scenario()
	switch {
	case sc.ClientNAT():
		n := sim.ClientNAT(sc)
		family, ip, clientNet, _ := natFamily(sc)
		return fmt.Sprintf(`table %s ftplab {%s
	chain post { type nat hook postrouting priority srcnat; policy accept; oifname "%s" %s saddr %s snat to %s; }
}
`, family, natHelper(n, sc), routerServerIf, ip, clientNet, n.Public)
	case sc.ServerNAT():
		n := sim.ServerNAT(sc)
		family, ip, _, serverNet := natFamily(sc)
		var dnat []string
		for _, to := range forwardTargets(n) {
			var ports []string
			for _, f := range n.Forward {
				if f.To == to {
					ports = append(ports, f.Ports.String())
				}
			}
			dnat = append(dnat, fmt.Sprintf("%s daddr %s tcp dport { %s } dnat to %s;", ip, n.Public, strings.Join(ports, ", "), to))
		}
		return fmt.Sprintf(`table %s ftplab {%s
	chain pre { type nat hook prerouting priority dstnat; policy accept; %s }
	chain post { type nat hook postrouting priority srcnat; policy accept; oifname "%s" %s saddr %s snat to %s; }
	chain private { type filter hook forward priority filter; policy accept; iifname "%s" %s daddr %s ct status & dnat == 0 drop; }
}
`, family, natHelper(n, sc), strings.Join(dnat, " "), routerClientIf, ip, serverNet, n.Public, routerClientIf, ip, serverNet)
	}
	return ""
}

func natHelper(n netem.NAT, sc scenario.Scenario) string {
	if !n.ALG {
		return ""
	}
	return helperRules(helperPorts(n.ALGPorts, sc), "prerouting")
}

// forwardTargets lists a NAT's forward targets in order, once each.
func forwardTargets(n netem.NAT) []string {
	var out []string
	for _, f := range n.Forward {
		if !slices.Contains(out, f.To) {
			out = append(out, f.To)
		}
	}
	return out
}

// watchRules counts the data connection's packets where the endpoints
// are, before any firewall: who sent a SYN, and whether a SYN-ACK, a reset
// or an ICMP destination-unreachable came back. The control port is the
// control connection and not counted.
func watchRules(side string, control int) string {
	peer, own := "sport", "dport" // client: data replies come from the far port
	if side == "server" {
		peer, own = "dport", "sport"
	}
	return fmt.Sprintf(`table inet ftplab_watch {
	chain out { type filter hook output priority raw - 100; policy accept; tcp %[2]s != %[3]d tcp flags & (syn | ack) == syn counter comment "syn"; }
	chain in { type filter hook input priority raw - 100; policy accept; tcp %[1]s != %[3]d tcp flags & (syn | ack) == syn | ack counter comment "synack"; tcp %[1]s != %[3]d tcp flags & rst == rst counter comment "rst"; icmp type destination-unreachable counter comment "icmp"; icmpv6 type destination-unreachable counter comment "icmp"; }
}
`, peer, own, control)
}

// rulesetsText is every ruleset of a row, by namespace role, for the docs
// and the golden test.
func rulesetsText(r Row) string {
	var b strings.Builder
	for _, p := range []struct{ role, text string }{
		{"client", clientRules(r)}, {"router", routerRules(r)}, {"server", serverRules(r)},
	} {
		if p.text != "" {
			fmt.Fprintf(&b, "# %s\n%s", p.role, p.text)
		}
	}
	return b.String()
}
