package sim

import (
	"github.com/spf13/pflag"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
)

// ScenarioFlags binds `ftplab run`'s scenario flags to sc. The names are
// published: keep them.
func ScenarioFlags(f *pflag.FlagSet, sc *scenario.Scenario) {
	f.Var(modeValue{&sc.Mode}, "mode", "data connection mode: active, passive, epsv or eprt")
	f.StringVar(&sc.Firewall, "firewall", "none", "firewall: none, client (deny inbound NEW), server (allow inbound 21 only) or both")
	f.BoolVar(&sc.OpenPasv, "open-pasv", false, "the server firewall also admits the passive range 30000-30009")
	f.BoolVar(&sc.Reject, "reject", false, "firewalls REJECT instead of DROP")
	f.StringVar(&sc.NAT, "nat", "none", "where NAT sits: none, client (private client), server (server behind port forwarding) or both")
	f.BoolVar(&sc.PasvAddress, "pasv-address", false, "the server advertises its public address in 227 replies")
	f.BoolVar(&sc.ALG, "alg", false, "an FTP helper (like nf_conntrack_ftp/nf_nat_ftp) on every firewall and NAT")
	f.BoolVar(&sc.TLS, "tls", false, "secure the control channel with AUTH TLS")
	f.BoolVar(&sc.SkipPasvIP, "skip-pasv-ip", false, "the client ignores the 227 address, as curl and ftplib do (the address part of --client curl)")
	f.StringVar(&sc.Client, "client", "", "the client's behaviour: classic (dials the 227 address; the default), curl (ignores the 227 address, PASV when EPSV's connection fails), lftp (fixes a private 227 address, switches to passive when PORT is refused) or ftplib (ignores the 227 address)")
	f.StringVar(&sc.PortAddress, "port-address", "", "the client announces this IP in PORT/EPRT (the bounce attack)")
	f.StringArrayVar(&sc.Script, "step", nil, "a client step: ls [DIR], nlst [DIR], get FILE, put FILE (repeatable; default get hello.txt)")
	f.Var(durationValue{&sc.Latency}, "latency", "link latency, one way (default 5ms)")
	f.Var(rateValue{&sc.Bandwidth}, "bandwidth", "link bandwidth in bytes/s: 1MiB/s, 256KiB/s or 262144 (default unlimited)")
	f.Var(bytesValue{&sc.StallAfter}, "stall-after", "a data connection stalls once after this many bytes (with --stall-for)")
	f.Var(durationValue{&sc.StallFor}, "stall-for", "how long the stall lasts, in virtual time (with --stall-after)")
	f.Var(bytesValue{&sc.ResetAfter}, "reset-after", "the link resets a data connection after this many bytes")
	f.StringVar(&sc.SYNSchedule, "syn-schedule", "", "when an unanswered SYN is sent again: linux (1 s apart five times, then doubling; Linux 6.5 and later; the default) or linux-pre-6.5 (doubling from 1 s)")
	f.StringVar(&sc.RejectWith, "reject-with", "", "with --reject, what the firewall answers: tcp-reset (the default), icmp-port-unreachable or icmp-admin-prohibited")
	f.BoolVar(&sc.ServerEgress, "server-egress", false, "the server firewall drops new outbound connections from port 20 (active mode dies at the server)")
	f.IntVar(&sc.ControlPort, "control-port", 0, "the server listens on this port (default 21)")
	f.IntSliceVar(&sc.ALGPorts, "alg-ports", nil, "the control ports the FTP helper is attached for, e.g. 21,2121 (default 21)")
	f.StringSliceVar(&sc.ALGAt, "alg-at", nil, "the boxes that carry the FTP helper: client-fw, client-nat, server-fw, server-nat (--alg: all of them)")
	f.StringVar(&sc.Forward, "forward", "", "what the server NAT forwards: all (the control port and the passive range; the default) or control")
	f.Var(durationValue{&sc.ConnectWait}, "connect-timeout", "the server's connect timeout for active data connections, vsftpd's connect_timeout (default 60s)")
	f.IntVar(&sc.SplitCommands, "split-commands", 0, "the client writes each command in two TCP segments, the first this many bytes")
	f.BoolVar(&sc.NoSACK, "no-sack", false, "the client's TCP has no selective acknowledgements (net.ipv4.tcp_sack=0): decides what a helper's drop of a split command leads to")
	f.Var(durationValue{&sc.Pause}, "pause", "the client waits this long between PORT/PASV and the transfer (virtual time); the helper's expectation lives 5 minutes")
	f.Var(durationValue{&sc.IdleTimeout}, "idle-timeout", "the server hangs up on a client silent this long, vsftpd's idle_session_timeout (default 300s; a --pause must be shorter)")
	f.IntVar(&sc.IP, "ip", 0, "the stage's IP version: 4 (the default) or 6 (2001:db8::/32, unique-local fd00::/8 behind NAT66; EPSV and EPRT carry IPv6, PASV and PORT cannot)")
	f.Var(bytesValue{&sc.FileSize}, "file-size", "size of hello.txt and of each put upload, e.g. 1MiB (default: a 4134-byte hello.txt, 64-line uploads)")
}

// ScenarioFlagNames lists the flags ScenarioFlags defines, so a command can
// refuse them next to --lesson.
var ScenarioFlagNames = []string{"mode", "firewall", "open-pasv", "reject", "nat", "pasv-address", "alg", "tls", "skip-pasv-ip", "port-address", "step", "latency", "bandwidth", "stall-after", "stall-for", "reset-after", "syn-schedule", "reject-with", "server-egress", "control-port", "alg-ports", "alg-at", "forward", "connect-timeout", "split-commands", "no-sack", "client", "pause", "idle-timeout", "ip", "file-size"}

type modeValue struct{ m *ftp.Mode }

func (v modeValue) String() string {
	if v.m == nil || *v.m == "" {
		return string(ftp.ModePassive)
	}
	return string(*v.m)
}
func (v modeValue) Type() string { return "mode" }
func (v modeValue) Set(s string) error {
	m, err := ftp.ParseMode(s)
	if err != nil {
		return err
	}
	*v.m = m
	return nil
}

type durationValue struct{ d *scenario.Duration }

func (v durationValue) String() string {
	if v.d == nil || *v.d == 0 {
		return "0" // pflag shows no "(0s)" default for a zero value
	}
	b, _ := v.d.MarshalText()
	return string(b)
}
func (v durationValue) Type() string       { return "duration" }
func (v durationValue) Set(s string) error { return v.d.UnmarshalText([]byte(s)) }

type bytesValue struct{ b *scenario.Bytes }

func (v bytesValue) String() string {
	if v.b == nil {
		return "0"
	}
	return v.b.String()
}
func (v bytesValue) Type() string       { return "bytes" }
func (v bytesValue) Set(s string) error { return v.b.UnmarshalText([]byte(s)) }

type rateValue struct{ r *scenario.Rate }

func (v rateValue) String() string {
	if v.r == nil || *v.r == 0 {
		return "0"
	}
	return v.r.String()
}
func (v rateValue) Type() string       { return "rate" }
func (v rateValue) Set(s string) error { return v.r.UnmarshalText([]byte(s)) }
