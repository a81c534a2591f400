// Package scenario is the value that decides a run: the mode, the boxes on
// the path, the link and the client's script, with its defaults, its checks
// and the fixed stage it plays on. It is data only: [ftplab/sim] turns it
// into a network and runs it, and the sandbox, the lessons, the kernel check
// and the CLI read and change it without running anything.
package scenario

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"ftplab/sim/ftp"
)

// Scenario is everything that decides a run. Its JSON form is stored in the
// header of a recorded session; its knobs match `ftplab run`'s flags.
type Scenario struct {
	Name        string   `json:"name,omitempty" yaml:"-"`
	Mode        ftp.Mode `json:"mode" yaml:"mode"`                                       // active, passive, epsv, eprt
	Firewall    string   `json:"firewall" yaml:"firewall"`                               // none, client, server, both
	OpenPasv    bool     `json:"open_pasv,omitempty" yaml:"open_pasv"`                   // server firewall admits the passive range
	Reject      bool     `json:"reject,omitempty" yaml:"reject"`                         // REJECT instead of DROP
	NAT         string   `json:"nat" yaml:"nat"`                                         // none, client, server, both
	PasvAddress bool     `json:"pasv_address,omitempty" yaml:"pasv_address"`             // server advertises its public address in 227
	ALG         bool     `json:"alg,omitempty" yaml:"alg"`                               // FTP helper on the NAT/firewall boxes
	TLS         bool     `json:"tls,omitempty" yaml:"tls"`                               // AUTH TLS on the control channel
	SkipPasvIP  bool     `json:"skip_pasv_ip,omitempty" yaml:"skip_pasv_ip"`             // client ignores the 227 address (curl, ftplib)
	PortAddress string   `json:"port_address,omitempty" yaml:"port_address"`             // client announces this IP in PORT/EPRT (bounce)
	EPSVAll     bool     `json:"epsv_all,omitempty" yaml:"epsv_all"`                     // client sends EPSV ALL before its first EPSV
	Script      []string `json:"script,omitempty" yaml:"script"`                         // client commands: ls, nlst, get FILE, put FILE
	Latency     Duration `json:"latency,omitempty" yaml:"latency"`                       // one-way link latency
	Expect      string   `json:"expect,omitempty" yaml:"expect"`                         // ok or fail: what a correct run does
	ConnectWait Duration `json:"connect_timeout,omitempty" yaml:"connect_timeout"`       // server's active connect timeout
	ClientWait  Duration `json:"client_connect_timeout,omitempty" yaml:"client_timeout"` // client's passive connect timeout
	DataWait    Duration `json:"data_timeout,omitempty" yaml:"data_timeout"`             // server's data stall limit (vsftpd's data_connection_timeout)
	Bandwidth   Rate     `json:"bandwidth,omitempty" yaml:"bandwidth"`                   // link bandwidth, bytes/s; 0 = unlimited
	StallAfter  Bytes    `json:"stall_after,omitempty" yaml:"stall_after"`               // a data connection stalls once after this many bytes...
	StallFor    Duration `json:"stall_for,omitempty" yaml:"stall_for"`                   // ...for this long (virtual time)
	ResetAfter  Bytes    `json:"reset_after,omitempty" yaml:"reset_after"`               // a data connection is reset after this many bytes
	FileSize    Bytes    `json:"file_size,omitempty" yaml:"file_size"`                   // size of hello.txt and of each put; 0 = the small classic files
	SYNSchedule string   `json:"syn_schedule,omitempty" yaml:"syn_schedule"`             // linux (default) or linux-pre-6.5: when an unanswered SYN is sent again

	RejectWith    string   `json:"reject_with,omitempty" yaml:"reject_with"`       // with reject: tcp-reset (default), icmp-port-unreachable, icmp-admin-prohibited
	ServerEgress  bool     `json:"server_egress,omitempty" yaml:"server_egress"`   // the server firewall drops outbound NEW from port 20
	ControlPort   int      `json:"control_port,omitempty" yaml:"control_port"`     // the server listens here; 0 = 21
	ALGPorts      []int    `json:"alg_ports,omitempty" yaml:"alg_ports"`           // the control ports the helper is attached for; empty = 21
	ALGAt         []string `json:"alg_at,omitempty" yaml:"alg_at"`                 // the boxes that carry the helper (alg: all of them)
	Forward       string   `json:"forward,omitempty" yaml:"forward"`               // what the server NAT forwards: all (default: control port and passive range) or control
	SplitCommands int      `json:"split_commands,omitempty" yaml:"split_commands"` // the client writes each command in two segments, the first this many bytes
	NoSACK        bool     `json:"no_sack,omitempty" yaml:"no_sack"`               // the client's TCP has no selective acknowledgements (net.ipv4.tcp_sack=0)
	Client        string   `json:"client,omitempty" yaml:"client"`                 // the client's behaviour: classic (default), curl, lftp, ftplib
	IP            int      `json:"ip,omitempty" yaml:"ip"`                         // 4 (default) or 6: the stage's IP version
	Pause         Duration `json:"pause,omitempty" yaml:"pause"`                   // the client waits this long between PORT/PASV and the transfer
	IdleTimeout   Duration `json:"idle_timeout,omitempty" yaml:"idle_timeout"`     // the server hangs up on a client silent this long (vsftpd's idle_session_timeout)
}

// SYNScheduleText says in words what syn_schedule the scenario uses (as
// measured on Linux 6.18 with net.ipv4.tcp_syn_linear_timeouts at 4, the
// default, and at 0: docs/fidelity.md).
func (s Scenario) SYNScheduleText() string {
	if s.Defaults().SYNSchedule == SYNLinux {
		return "Linux's schedule since 6.5: 1 s apart five times, then doubling"
	}
	return "Linux's schedule before 6.5: the wait doubles from 1 s"
}

// Duration is a time.Duration that reads and writes as "10ms", "60s".
type Duration time.Duration

// MarshalText writes the duration as Go does ("1m0s").
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads "10ms", "60s".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("bad duration %q (want e.g. 10ms, 60s)", b)
	}
	*d = Duration(v)
	return nil
}

// Defaults fills what a scenario left empty.
func (s Scenario) Defaults() Scenario {
	if s.Mode == "" {
		s.Mode = ftp.ModePassive
	}
	if s.Firewall == "" {
		s.Firewall = "none"
	}
	if s.NAT == "" {
		s.NAT = "none"
	}
	if len(s.Script) == 0 {
		s.Script = []string{"get " + SampleFile}
	}
	if s.Expect == "" {
		s.Expect = "ok"
	}
	if s.Latency == 0 {
		s.Latency = Duration(5 * time.Millisecond) // one way: a 10 ms round trip, a nearby server
	}
	if s.ConnectWait == 0 {
		s.ConnectWait = Duration(60 * time.Second) // vsftpd's connect_timeout
	}
	if s.ClientWait == 0 {
		s.ClientWait = Duration(75 * time.Second) // the classic BSD connect timeout
	}
	if s.SYNSchedule == "" {
		s.SYNSchedule = "linux"
	}
	if s.DataWait == 0 {
		s.DataWait = Duration(300 * time.Second) // vsftpd's data_connection_timeout
	}
	return s
}

// SYN schedules: Linux since 6.5 (1 s apart five times, then doubling) and
// before (doubling from 1 s).
const (
	SYNLinux      = "linux"
	SYNLinuxPre65 = "linux-pre-6.5"
)

var (
	synSchedules = []string{SYNLinux, SYNLinuxPre65}
	rejectTypes  = []string{"tcp-reset", "icmp-port-unreachable", "icmp-admin-prohibited"}
	helperBoxes  = []string{"client-fw", "client-nat", "server-fw", "server-nat"}
	forwards     = []string{"all", "control"}
	clients      = []string{"classic", "curl", "lftp", "ftplib"}
	modes        = []string{"active", "passive", "epsv", "eprt"}
	firewalls    = []string{"none", "client", "server", "both"}
	nats         = []string{"none", "client", "server", "both"}
)

// Validate reports the first knob that has an impossible value.
func (s Scenario) Validate() error {
	var errs []error
	if !oneOf(string(s.Mode), modes) {
		errs = append(errs, fmt.Errorf("mode %q: want one of %s", s.Mode, strings.Join(modes, ", ")))
	}
	if !oneOf(s.Firewall, firewalls) {
		errs = append(errs, fmt.Errorf("firewall %q: want one of %s", s.Firewall, strings.Join(firewalls, ", ")))
	}
	if !oneOf(s.NAT, nats) {
		errs = append(errs, fmt.Errorf("nat %q: want one of %s", s.NAT, strings.Join(nats, ", ")))
	}
	if s.OpenPasv && !s.ServerFirewall() {
		errs = append(errs, errors.New("open_pasv needs a server firewall (firewall: server or both)"))
	}
	if s.EPSVAll && s.Mode != ftp.ModeEPSV {
		errs = append(errs, fmt.Errorf("epsv_all needs mode epsv (got %s)", s.Mode))
	}
	if s.Reject && s.Firewall == "none" {
		errs = append(errs, errors.New("reject needs a firewall (firewall: client, server or both)"))
	}
	if s.SYNSchedule != "" && !oneOf(s.SYNSchedule, synSchedules) {
		errs = append(errs, fmt.Errorf("syn_schedule %q: want one of %s", s.SYNSchedule, strings.Join(synSchedules, ", ")))
	}
	if s.Expect != "ok" && s.Expect != "fail" {
		errs = append(errs, fmt.Errorf("expect %q: want ok or fail", s.Expect))
	}
	errs = append(errs, s.linkErrors()...)
	errs = append(errs, s.boxErrors()...)
	for _, line := range s.Script {
		if _, err := ParseStep(line); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// linkErrors checks the link knobs: nothing negative, and a stall needs
// both its point and its length.
func (s Scenario) linkErrors() []error {
	var errs []error
	for _, k := range []struct {
		name string
		neg  bool
		val  string
	}{
		{"latency", s.Latency < 0, time.Duration(s.Latency).String()},
		{"bandwidth", s.Bandwidth < 0, strconv.FormatInt(int64(s.Bandwidth), 10)},
		{"stall_after", s.StallAfter < 0, strconv.FormatInt(int64(s.StallAfter), 10)},
		{"stall_for", s.StallFor < 0, time.Duration(s.StallFor).String()},
		{"reset_after", s.ResetAfter < 0, strconv.FormatInt(int64(s.ResetAfter), 10)},
		{"file_size", s.FileSize < 0, strconv.FormatInt(int64(s.FileSize), 10)},
		{"data_timeout", s.DataWait < 0, time.Duration(s.DataWait).String()},
		{"connect_timeout", s.ConnectWait < 0, time.Duration(s.ConnectWait).String()},
		{"client_timeout", s.ClientWait < 0, time.Duration(s.ClientWait).String()},
		{"split_commands", s.SplitCommands < 0, strconv.Itoa(s.SplitCommands)},
		{"pause", s.Pause < 0, time.Duration(s.Pause).String()},
		{"idle_timeout", s.IdleTimeout < 0, time.Duration(s.IdleTimeout).String()},
	} {
		if k.neg {
			errs = append(errs, fmt.Errorf("%s %s: must not be negative", k.name, k.val))
		}
	}
	switch {
	case s.StallAfter > 0 && s.StallFor == 0:
		errs = append(errs, fmt.Errorf("stall_after %d needs stall_for (how long the stall lasts): set both or neither", s.StallAfter))
	case s.StallFor > 0 && s.StallAfter == 0:
		errs = append(errs, fmt.Errorf("stall_for %s needs stall_after (after how many bytes it stalls): set both or neither", time.Duration(s.StallFor)))
	}
	for _, k := range []struct {
		name string
		d    Duration
	}{
		{"latency", s.Latency}, {"stall_for", s.StallFor}, {"data_timeout", s.DataWait},
		{"connect_timeout", s.ConnectWait}, {"client_timeout", s.ClientWait},
	} {
		if k.d > MaxDuration {
			errs = append(errs, fmt.Errorf("%s %s: at most %s (virtual time must not overflow)", k.name, time.Duration(k.d), time.Duration(MaxDuration)))
		}
	}
	if idle := s.idle(); s.Pause > 0 && s.Pause >= idle {
		errs = append(errs, fmt.Errorf("pause %s: the server hangs up after %s of silence (idle_timeout, vsftpd's idle_session_timeout) before the pause ends; raise idle_timeout to see what the pause does", time.Duration(s.Pause), time.Duration(idle)))
	}
	if s.FileSize > MaxFileSize {
		errs = append(errs, fmt.Errorf("file_size %d: at most %d (%s)", s.FileSize, MaxFileSize, Bytes(MaxFileSize)))
	}
	return errs
}

// MaxDuration bounds every duration knob. A run adds latencies and
// timeouts up many thousand times; a day each keeps virtual time (int64
// microseconds, about 292,000 years) far from overflowing, where 2562047h
// made recorded times go negative.
const MaxDuration = Duration(24 * time.Hour)

// boxErrors checks the knobs of the boxes and the control port: each needs
// the box it acts on.
func (s Scenario) boxErrors() []error {
	var errs []error
	if s.RejectWith != "" && !oneOf(s.RejectWith, rejectTypes) {
		errs = append(errs, fmt.Errorf("reject_with %q: want one of %s", s.RejectWith, strings.Join(rejectTypes, ", ")))
	} else if s.RejectWith != "" && !s.Reject {
		errs = append(errs, fmt.Errorf("reject_with %s needs reject", s.RejectWith))
	}
	if s.ServerEgress && !s.ServerFirewall() {
		errs = append(errs, errors.New("server_egress needs a server firewall (firewall: server or both)"))
	}
	if p := s.ControlPort; p != 0 && (p < 1 || p > 65535 || p == ServerDataPort || (p >= PasvMinPort && p <= PasvMaxPort)) {
		errs = append(errs, fmt.Errorf("control_port %d: want 1-65535, not %d (active data) nor %d-%d (passive range)", p, ServerDataPort, PasvMinPort, PasvMaxPort))
	}
	for _, p := range s.ALGPorts {
		if p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("alg_ports %d: want 1-65535", p))
		}
	}
	if len(s.ALGPorts) > 0 && !s.ALG && len(s.ALGAt) == 0 {
		errs = append(errs, errors.New("alg_ports needs a helper (alg or alg_at)"))
	}
	if len(s.ALGAt) > 0 && s.ALG {
		errs = append(errs, errors.New("alg_at and alg: alg already puts a helper on every box; use one of them"))
	}
	have := map[string]bool{"client-fw": s.ClientFirewall(), "client-nat": s.ClientNAT(), "server-fw": s.ServerFirewall(), "server-nat": s.ServerNAT()}
	seen := map[string]bool{}
	for _, b := range s.ALGAt {
		switch {
		case !oneOf(b, helperBoxes):
			errs = append(errs, fmt.Errorf("alg_at %q: want boxes from %s", b, strings.Join(helperBoxes, ", ")))
		case !have[b]:
			errs = append(errs, fmt.Errorf("alg_at %s: this scenario has no %s (see firewall and nat)", b, b))
		case seen[b]:
			errs = append(errs, fmt.Errorf("alg_at %s: named twice", b))
		}
		seen[b] = true
	}
	switch {
	case s.IP != 0 && s.IP != 4 && s.IP != 6:
		errs = append(errs, fmt.Errorf("ip %d: want 4 or 6", s.IP))
	case s.IP == 6 && s.Expect == "ok" && (s.Mode == ftp.ModePassive || s.Mode == ftp.ModeActive):
		verb := map[ftp.Mode]string{ftp.ModePassive: "PASV's 227", ftp.ModeActive: "PORT"}[s.Mode]
		alt := map[ftp.Mode]string{ftp.ModePassive: "epsv", ftp.ModeActive: "eprt"}[s.Mode]
		errs = append(errs, fmt.Errorf("ip 6 with mode %s: %s cannot carry an IPv6 address, so this run cannot succeed (use mode %s, or expect: fail)", s.Mode, verb, alt))
	case s.IP == 6 && s.PasvAddress:
		errs = append(errs, errors.New("pasv_address with ip 6: a 227 reply cannot carry an IPv6 address"))
	case s.IP == 6 && s.Client != "" && s.Client != "classic":
		errs = append(errs, fmt.Errorf("client %s with ip 6: only the classic client is modelled over IPv6", s.Client))
	}
	if s.Client != "" && !oneOf(s.Client, clients) {
		errs = append(errs, fmt.Errorf("client %q: want one of %s", s.Client, strings.Join(clients, ", ")))
	}
	if s.Client == "ftplib" && (s.Mode == ftp.ModeEPSV || s.Mode == ftp.ModeEPRT) {
		errs = append(errs, fmt.Errorf("client ftplib with mode %s: ftplib uses PASV and PORT over IPv4 (EPSV and EPRT only over IPv6)", s.Mode))
	}
	if s.Forward != "" && !oneOf(s.Forward, forwards) {
		errs = append(errs, fmt.Errorf("forward %q: want one of %s", s.Forward, strings.Join(forwards, ", ")))
	} else if s.Forward != "" && !s.ServerNAT() {
		errs = append(errs, fmt.Errorf("forward %s needs a server NAT (nat: server or both)", s.Forward))
	}
	return errs
}

// Port is the server's control port.
func (s Scenario) Port() int {
	if s.ControlPort == 0 {
		return ServerControlPort
	}
	return s.ControlPort
}

// HelperOn tells whether the box named box carries the FTP helper.
func (s Scenario) HelperOn(box string) bool { return s.ALG || slices.Contains(s.ALGAt, box) }

// HelperPorts are the control ports the helper is attached for.
func (s Scenario) HelperPorts() []int {
	if len(s.ALGPorts) == 0 {
		return []int{ServerControlPort}
	}
	return s.ALGPorts
}

// idle is the server's idle timeout.
func (s Scenario) idle() Duration {
	if s.IdleTimeout == 0 {
		return Duration(300 * time.Second) // vsftpd's idle_session_timeout
	}
	return s.IdleTimeout
}

// MaxFileSize bounds file_size: the runner holds the file in memory.
const MaxFileSize = 64 << 20

// ClientFirewall tells whether a firewall stands in front of the client.
func (s Scenario) ClientFirewall() bool { return s.Firewall == "client" || s.Firewall == "both" }

// ServerFirewall tells whether a firewall stands in front of the server.
func (s Scenario) ServerFirewall() bool { return s.Firewall == "server" || s.Firewall == "both" }

// ClientNAT tells whether the client sits behind a NAT.
func (s Scenario) ClientNAT() bool { return s.NAT == "client" || s.NAT == "both" }

// ServerNAT tells whether the server sits behind a NAT (port forwarding).
func (s Scenario) ServerNAT() bool { return s.NAT == "server" || s.NAT == "both" }

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// Step is one line of a client script.
type Step struct {
	Verb string // ls, nlst, get, put
	Arg  string
}

// ParseStep reads one script line ("get hello.txt").
func ParseStep(line string) (Step, error) {
	f := strings.Fields(line)
	if len(f) == 0 {
		return Step{}, errors.New("script: empty step")
	}
	st := Step{Verb: strings.ToLower(f[0])}
	if len(f) > 1 {
		st.Arg = f[1]
	}
	switch {
	case (st.Verb == "ls" || st.Verb == "nlst") && len(f) <= 2:
	case (st.Verb == "get" || st.Verb == "put") && len(f) == 2:
	default:
		return Step{}, fmt.Errorf("script: %q: want ls [DIR], nlst [DIR], get FILE or put FILE", line)
	}
	return st, nil
}
