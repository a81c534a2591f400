package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

// runOptions are `ftplab run`'s output choices.
type runOptions struct {
	title  string // header title (a lesson's)
	record string // also write the trace to this file
	json   bool   // print the summary as JSON instead of the transcript
}

func runCmd() *cobra.Command {
	var sc scenario.Scenario
	var o runOptions
	var lessonName string
	scenarioSet := scenarioFlags(&sc)
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a scenario headless and print what happened",
		Long: "run plays one scenario through the simulated network and prints the\n" +
			"step-by-step transcript (or, with --json, a summary). Exit status: 0 when\n" +
			"the run behaved as the scenario expects, 1 when not, 2 for bad usage.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if lessonName != "" {
				if name, ok := changed(scenarioSet); ok {
					return usageError{fmt.Errorf("--lesson %s sets the whole scenario: drop --%s", lessonName, name)}
				}
				l, err := lessons.Find(lessonName)
				if err != nil {
					return usageError{err}
				}
				sc, o.title = l.Scenario, l.Title
			}
			if sc.Name == "" {
				sc.Name = "run"
			}
			if err := sc.Defaults().Validate(); err != nil {
				return usageError{err}
			}
			ok, err := runHeadless(cmd.Context(), sc, o, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if !ok {
				return errUnexpected
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.AddFlagSet(scenarioSet)
	f.StringVar(&lessonName, "lesson", "", "run this lesson's scenario instead of the flags")
	f.StringVar(&o.record, "record", "", "also write the session to this trace file")
	f.BoolVar(&o.json, "json", false, "print a JSON summary instead of the transcript")
	return cmd
}

// scenarioFlags binds the scenario's knobs to flags of their own set, so
// `run` can tell them from its other flags. The names are published: keep
// them.
func scenarioFlags(sc *scenario.Scenario) *pflag.FlagSet {
	f := pflag.NewFlagSet("scenario", pflag.ContinueOnError)
	f.SortFlags = false // changed reports the first in this order
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
	f.BoolVar(&sc.EPSVAll, "epsv-all", false, "with --mode epsv, the client sends EPSV ALL first: no PORT, PASV or EPRT will follow")
	f.Var(bytesValue{&sc.FileSize}, "file-size", "size of hello.txt and of each put upload, e.g. 1MiB (default: a 4134-byte hello.txt, 64-line uploads)")
	return f
}

// changed names the first flag of f the command line set.
func changed(f *pflag.FlagSet) (name string, ok bool) {
	f.VisitAll(func(fl *pflag.Flag) {
		if fl.Changed && !ok {
			name, ok = fl.Name, true
		}
	})
	return name, ok
}

// runHeadless runs a scenario without a screen and prints its transcript
// (or its JSON summary). It reports whether the run behaved as the
// scenario expects; err is for runs that could not happen at all.
func runHeadless(ctx context.Context, sc scenario.Scenario, o runOptions, w io.Writer) (asExpected bool, err error) {
	s, err := sim.Run(ctx, sc, sim.Options{Title: o.title})
	if err != nil {
		return false, err
	}
	if o.record != "" {
		if err := trace.WriteFile(o.record, s.Trace()); err != nil {
			return false, err
		}
	}
	if o.json {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return s.Summary.AsExpected, enc.Encode(s.Summary)
	}
	return s.Summary.AsExpected, export.Text(w, s.Trace())
}

// The flag values below parse with the scenario's own parsers, so a flag
// and a lesson's YAML accept the same spellings.

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
