//go:build linux

package kernel

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
)

// Row is one scenario of the comparison. Its knobs mirror scenario.Scenario's,
// so the same row can be played on the kernel and on netem.
type Row struct {
	Mode        ftp.Mode
	Firewall    string // none, client, server
	OpenPasv    bool   // the server firewall admits the passive range
	Reject      bool   // REJECT (tcp reset) instead of DROP
	NAT         string // none, client, server
	PasvAddress bool   // vsftpd's pasv_address: the public address in 227
	ALG         bool   // the kernel's FTP helper, attached by `ct helper set`
	TLS         bool   // AUTH TLS on the control channel (curl --ssl-reqd)

	RejectWith     string        // with Reject: tcp-reset, icmp-port-unreachable, icmp-admin-prohibited
	ServerEgress   bool          // the server firewall drops NEW from port 20 going out
	ControlPort    int           // vsftpd's listen_port; 0 = 21
	ALGPorts       []int         // the ports `ct helper set` is attached for; empty = 21
	ALGAt          []string      // the boxes (namespaces, hooks) that carry the helper
	Forward        string        // what the server NAT forwards: all or control
	ConnectTimeout time.Duration // vsftpd's connect_timeout; set, the SYNs the dialer sent are compared too
	SYNSchedule    string        // linux or linux-pre-6.5 (tcp_syn_linear_timeouts=0 in the namespaces)
	SplitCommands  int           // a raw client writes each command in two segments, the first this many bytes
	NoSACK         bool          // the client has net.ipv4.tcp_sack=0
	Client         string        // curl as ftplab's classic client (""), curl as itself, lftp or ftplib
	Pause          time.Duration // the raw client waits this long between the PORT/PASV reply and the transfer
	IP             int           // 6: the IPv6 stage
}

func (r Row) String() string {
	s := fmt.Sprintf("%s fw=%s nat=%s", r.Mode, r.Firewall, r.NAT)
	for _, f := range []struct {
		on   bool
		name string
	}{{r.OpenPasv, "open-pasv"}, {r.Reject, "reject"}, {r.PasvAddress, "pasv-address"}, {r.ALG, "alg"}, {r.TLS, "tls"}} {
		if f.on {
			s += " " + f.name
		}
	}
	for _, kv := range []struct{ name, val string }{
		{"reject-with", r.RejectWith}, {"control-port", nonZero(r.ControlPort)}, {"alg-ports", joinInts(r.ALGPorts)},
		{"alg-at", strings.Join(r.ALGAt, ",")}, {"forward", r.Forward}, {"connect-timeout", durationOrEmpty(r.ConnectTimeout)},
		{"syn-schedule", r.SYNSchedule}, {"split-commands", nonZero(r.SplitCommands)}, {"client", r.Client}, {"pause", durationOrEmpty(r.Pause)}, {"ip", nonZero(r.IP)},
	} {
		if kv.val != "" {
			s += " " + kv.name + "=" + kv.val
		}
	}
	if r.ServerEgress {
		s += " server-egress"
	}
	if r.NoSACK {
		s += " no-sack"
	}
	return s
}

func nonZero(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ",")
}

func durationOrEmpty(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return d.String()
}

// Scenario is the same row for sim.Run. The client is classic (it dials
// the address in 227), like curl with --no-ftp-skip-pasv-ip.
func (r Row) Scenario() scenario.Scenario {
	return scenario.Scenario{Name: r.String(), Mode: r.Mode, Firewall: r.Firewall, OpenPasv: r.OpenPasv, Reject: r.Reject,
		NAT: r.NAT, PasvAddress: r.PasvAddress, ALG: r.ALG, TLS: r.TLS,
		RejectWith: r.RejectWith, ServerEgress: r.ServerEgress, ControlPort: r.ControlPort, ALGPorts: r.ALGPorts, ALGAt: r.ALGAt,
		Forward: r.Forward, ConnectWait: scenario.Duration(r.ConnectTimeout), SYNSchedule: r.SYNSchedule,
		SplitCommands: r.SplitCommands, NoSACK: r.NoSACK, Client: r.Client, Pause: scenario.Duration(r.Pause), IP: r.IP}
}

// Rows is netem's outcome table plus the cases around it:
// every mode with no boxes, REJECT next to DROP, the server firewall in
// active mode, the helper behind each NAT, and TLS blinding the helper.
var Rows = []Row{
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", Reject: true},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true},
	{Mode: ftp.ModeEPRT, Firewall: "client", NAT: "none", ALG: true},
	{Mode: ftp.ModePassive, Firewall: "client", NAT: "none"},
	{Mode: ftp.ModeEPSV, Firewall: "client", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", Reject: true},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", OpenPasv: true},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ALG: true},
	{Mode: ftp.ModeActive, Firewall: "server", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "client"},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "client", ALG: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "client"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", PasvAddress: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", ALG: true},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "server"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "client", ALG: true, TLS: true},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true, TLS: true},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true, TLS: true},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ALG: true, TLS: true},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", OpenPasv: true, TLS: true},

	// The reject type (ICMP instead of a reset): the same outcome, at once.
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", Reject: true, RejectWith: "icmp-port-unreachable"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", Reject: true, RejectWith: "icmp-admin-prohibited"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", Reject: true, RejectWith: "icmp-port-unreachable"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", Reject: true, RejectWith: "icmp-admin-prohibited"},
	// The server's own egress filter: active mode dies before a SYN leaves.
	{Mode: ftp.ModeActive, Firewall: "server", NAT: "none", ServerEgress: true},
	{Mode: ftp.ModeActive, Firewall: "server", NAT: "none", ServerEgress: true, Reject: true},
	{Mode: ftp.ModeActive, Firewall: "server", NAT: "none", ServerEgress: true, ConnectTimeout: 5 * time.Second},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ServerEgress: true, OpenPasv: true},
	// The connect timeout and the SYN schedule: the SYNs sent are compared.
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ConnectTimeout: 5 * time.Second},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ConnectTimeout: 10 * time.Second},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ConnectTimeout: 5 * time.Second, SYNSchedule: scenario.SYNLinuxPre65},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ConnectTimeout: 10 * time.Second, SYNSchedule: scenario.SYNLinuxPre65},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", Reject: true, ConnectTimeout: 5 * time.Second},
	// The control port and the port the helper is attached for.
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "none", ControlPort: 2121},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true, ControlPort: 2121},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true, ControlPort: 2121, ALGPorts: []int{2121}},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true, ControlPort: 2121, ALGPorts: []int{21, 2121}},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true, ALGPorts: []int{2121}},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ALG: true, ControlPort: 2121},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ALG: true, ControlPort: 2121, ALGPorts: []int{2121}},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true, ControlPort: 2121},
	// Where the helper sits: it helps only the box it is on.
	{Mode: ftp.ModeActive, Firewall: "both", NAT: "none", ALGAt: []string{"client-fw"}},
	{Mode: ftp.ModeActive, Firewall: "both", NAT: "none", ALGAt: []string{"server-fw"}},
	{Mode: ftp.ModePassive, Firewall: "both", NAT: "none", ALGAt: []string{"client-fw"}},
	{Mode: ftp.ModePassive, Firewall: "both", NAT: "none", ALGAt: []string{"server-fw"}},
	{Mode: ftp.ModeEPRT, Firewall: "both", NAT: "none", ALGAt: []string{"client-fw"}},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALGAt: []string{"client-nat"}},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "client", ALGAt: []string{"client-nat"}},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "client", ALGAt: []string{"client-fw"}},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "client", ALGAt: []string{"client-fw", "client-nat"}},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", ALGAt: []string{"server-nat"}},
	// A server NAT that forwards only the control port.
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", Forward: "control"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", Forward: "control", ALG: true},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "server", Forward: "control", ALG: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", Forward: "control", PasvAddress: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", Forward: "control", PasvAddress: true, ALG: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", Forward: "all", PasvAddress: true, ALG: true},
	// A command in two segments ("PO", then the rest) through a helper.
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "none", SplitCommands: 2},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", SplitCommands: 2},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true, SplitCommands: 2},
	{Mode: ftp.ModeActive, Firewall: "server", NAT: "none", ALG: true, SplitCommands: 2},
	{Mode: ftp.ModeActive, Firewall: "server", NAT: "none", ALG: true, SplitCommands: 2, NoSACK: true},
	{Mode: ftp.ModeEPRT, Firewall: "server", NAT: "none", ALG: true, SplitCommands: 2},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ALG: true, SplitCommands: 2},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true, SplitCommands: 2},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true, SplitCommands: 2, NoSACK: true},
	// Client profiles: each real client against the same network.
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", Client: "curl"},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "server", Forward: "control", Client: "curl"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", Client: "lftp"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", Client: "ftplib"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", Client: "lftp"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", Client: "ftplib"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true, Client: "lftp"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true, Client: "ftplib"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", Client: "ftplib"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", OpenPasv: true, Client: "lftp"},
	// A pause before the transfer: the helper's expectation outlives 10 s.
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true, Pause: 10 * time.Second},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ALG: true, Pause: 10 * time.Second},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true, Pause: 10 * time.Second},
	// IPv6: EPSV and EPRT carry it, through filters, helpers and NAT66.
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "none", IP: 6},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "none", IP: 6},
	{Mode: ftp.ModeEPRT, Firewall: "client", NAT: "none", IP: 6},
	{Mode: ftp.ModeEPRT, Firewall: "client", NAT: "none", ALG: true, IP: 6},
	{Mode: ftp.ModeEPSV, Firewall: "server", NAT: "none", ALG: true, IP: 6},
	{Mode: ftp.ModeEPSV, Firewall: "server", NAT: "none", OpenPasv: true, IP: 6},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "client", IP: 6},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "client", ALG: true, IP: 6},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "client", IP: 6},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "server", IP: 6},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "server", Forward: "control", ALG: true, IP: 6},
	{Mode: ftp.ModeEPSV, Firewall: "server", NAT: "none", IP: 6},
}
