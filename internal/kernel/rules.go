//go:build linux

package kernel

import (
	"fmt"
	"ftplab/sim/scenario"
	"strings"
)

// The kernel run plays on netem's own stage: the same addresses
// (sim/topology.go), here real inside namespaces that exist nowhere else.
const (
	clientGW     = "192.0.2.1"   // the router on the client's public network
	clientNATGW  = "192.168.1.1" // the router on the client's private network
	serverGW     = "198.51.100.1"
	serverNATGW  = "10.0.0.1" // the router on the server's private network
	passiveRange = "30000-30009"
)

// Interfaces, created inside the namespaces (never in the host's).
const (
	clientIf       = "c0" // client side of the client<->router pair
	routerClientIf = "r0"
	routerServerIf = "r1"
	serverIf       = "s0" // server side of the router<->server pair
)

// addresses is where each namespace sits for a row.
type addresses struct {
	client, clientGW string // client's own address and its gateway
	server, serverGW string // server's own address and its gateway
	routerLocal      []string
	dialTarget       string // what the client dials for the control connection
}

func rowAddresses(r Row) addresses {
	a := addresses{client: scenario.ClientPublicIP, clientGW: clientGW, server: scenario.ServerPublicIP, serverGW: serverGW,
		dialTarget: scenario.ServerPublicIP}
	if r.NAT == "client" {
		a.client, a.clientGW = scenario.ClientPrivateIP, clientNATGW
		a.routerLocal = append(a.routerLocal, scenario.ClientNATIP) // the public face of the client's NAT
	}
	if r.NAT == "server" {
		a.server, a.serverGW = scenario.ServerPrivateIP, serverNATGW
		a.routerLocal = append(a.routerLocal, scenario.ServerPublicIP) // the public face of the server's NAT
	}
	return a
}

// helper is the kernel FTP helper as an explicit object, attached on the
// control connection by rule (Linux has no automatic assignment).
func helperRules(r Row, hook string) string {
	if !r.ALG {
		return ""
	}
	return fmt.Sprintf(`
	ct helper ftp-standard { type "ftp" protocol tcp; l3proto inet; }
	chain helpers { type filter hook %s priority filter; policy accept; tcp dport 21 ct helper set "ftp-standard"; }`, hook)
}

func block(r Row) string {
	if r.Reject {
		return "reject with tcp reset"
	}
	return "drop"
}

// clientRules is the client firewall preset: inbound NEW blocked,
// established and related admitted, outbound free.
func clientRules(r Row) string {
	if r.Firewall != "client" && r.Firewall != "both" {
		return ""
	}
	return fmt.Sprintf(`table inet ftplab {%s
	chain in { type filter hook input priority filter; policy accept; ct state established,related accept; ct state new %s; }
}
`, helperRules(r, "output"), block(r))
}

// serverRules is the server firewall preset: NEW only to 21 (and the
// passive range when it is open), established and related admitted.
func serverRules(r Row) string {
	if r.Firewall != "server" && r.Firewall != "both" {
		return ""
	}
	open := ""
	if r.OpenPasv {
		open = "tcp dport " + passiveRange + " ct state new accept; "
	}
	return fmt.Sprintf(`table inet ftplab {%s
	chain in { type filter hook input priority filter; policy accept; ct state established,related accept; tcp dport 21 ct state new accept; %sct state new %s; }
}
`, helperRules(r, "prerouting"), open, block(r))
}

// routerRules is the NAT preset. Client NAT: the private network leaves
// as the NAT's one public address (masquerade to a fixed address is snat).
// Server NAT: 21 and the passive range forwarded to the private server,
// which leaves as the public address; the private network itself is not
// reachable from outside, as on the internet.
func routerRules(r Row) string {
	switch r.NAT {
	case "client":
		return fmt.Sprintf(`table ip ftplab {%s
	chain post { type nat hook postrouting priority srcnat; policy accept; oifname "%s" ip saddr 192.168.1.0/24 snat to %s; }
}
`, helperRules(r, "prerouting"), routerServerIf, scenario.ClientNATIP)
	case "server":
		return fmt.Sprintf(`table ip ftplab {%s
	chain pre { type nat hook prerouting priority dstnat; policy accept; ip daddr %s tcp dport { 21, %s } dnat to %s; }
	chain post { type nat hook postrouting priority srcnat; policy accept; oifname "%s" ip saddr 10.0.0.0/24 snat to %s; }
	chain private { type filter hook forward priority filter; policy accept; iifname "%s" ip daddr 10.0.0.0/24 ct status & dnat == 0 drop; }
}
`, helperRules(r, "prerouting"), scenario.ServerPublicIP, passiveRange, scenario.ServerPrivateIP, routerClientIf, scenario.ServerPublicIP, routerClientIf)
	}
	return ""
}

// watchRules counts the data connection's packets where the endpoints
// are, before any firewall: who sent a SYN, and whether a SYN-ACK or a
// reset came back. Port 21 is the control connection and not counted.
func watchRules(side string) string {
	peer, own := "sport", "dport" // client: data replies come from the far port
	if side == "server" {
		peer, own = "dport", "sport"
	}
	return fmt.Sprintf(`table inet ftplab_watch {
	chain out { type filter hook output priority raw - 100; policy accept; tcp %[2]s != 21 tcp flags & (syn | ack) == syn counter comment "syn"; }
	chain in { type filter hook input priority raw - 100; policy accept; tcp %[1]s != 21 tcp flags & (syn | ack) == syn | ack counter comment "synack"; tcp %[1]s != 21 tcp flags & rst == rst counter comment "rst"; }
}
`, peer, own)
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
