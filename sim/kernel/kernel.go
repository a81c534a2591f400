// Package kernel checks netem against the real thing: it builds network
// namespaces joined by veth pairs, loads nftables rulesets equivalent to
// ftplab's presets (with the kernel's FTP conntrack/NAT helper attached
// explicitly by `ct helper set`), runs curl against vsftpd through them and
// compares each outcome with `ftplab run` for the same scenario.
// Everything lives in namespaces it creates and removes; the host's own
// network and ruleset are never touched.
package kernel

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"text/tabwriter"
	"time"

	"ftplab/sim"
	"ftplab/sim/ftp"
)

// Row is one scenario of the comparison.
type Row struct {
	Mode        ftp.Mode
	Firewall    string // none, client, server
	OpenPasv    bool
	Reject      bool
	NAT         string // none, client, server
	PasvAddress bool
	ALG         bool
	TLS         bool
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
	return s
}

// Scenario is the same row for sim.
func (r Row) Scenario() sim.Scenario {
	return sim.Scenario{Mode: r.Mode, Firewall: r.Firewall, OpenPasv: r.OpenPasv, Reject: r.Reject, NAT: r.NAT,
		PasvAddress: r.PasvAddress, ALG: r.ALG, TLS: r.TLS, Expect: "ok"}
}

// Rows covers netem's outcome table plus REJECT and TLS.
var Rows = []Row{
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", Reject: true},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true},
	{Mode: ftp.ModePassive, Firewall: "client", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", OpenPasv: true},
	{Mode: ftp.ModeActive, Firewall: "server", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", PasvAddress: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", ALG: true},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "server"},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "client", ALG: true},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "client", ALG: true, TLS: true},
}

// Outcome is what one side of the comparison saw.
type Outcome struct {
	OK     bool
	Reply  int    // the last reply the client saw (0: none visible)
	Detail string // curl's last words, for a disagreement
}

func (o Outcome) String() string {
	s := "failed"
	if o.OK {
		s = "ok"
	}
	if o.Reply != 0 {
		s += fmt.Sprintf(" (%d)", o.Reply)
	}
	return s
}

// ErrUnavailable says a program the comparison needs is missing;
// ErrNoNamespaces that this machine (no root, no namespaces) cannot run it
// at all. The message says which.
var (
	ErrUnavailable  = errors.New("kernel comparison unavailable")
	ErrNoNamespaces = errors.New("kernel comparison impossible here")
)

// Check reports whether the comparison can run here.
func Check() error {
	if os.Geteuid() != 0 {
		return fmt.Errorf("%w: needs root for network namespaces", ErrNoNamespaces)
	}
	for _, p := range []string{"ip", "nft", "vsftpd", "curl", "openssl"} {
		if _, err := exec.LookPath(p); err != nil {
			return fmt.Errorf("%w: %s is not installed", ErrUnavailable, p)
		}
	}
	name := fmt.Sprintf("ftplab-probe-%d", os.Getpid())
	if out, err := exec.Command("ip", "netns", "add", name).CombinedOutput(); err != nil {
		return fmt.Errorf("%w: cannot create a network namespace: %s", ErrNoNamespaces, strings.TrimSpace(string(out)))
	}
	exec.Command("ip", "netns", "del", name).Run()
	return nil
}

// Result is one compared row.
type Result struct {
	Row    Row
	Kernel Outcome
	Netem  Outcome
	Agree  bool
	Note   string
}

// Compare runs every row on the kernel and on netem.
func Compare(ctx context.Context, rows []Row) ([]Result, error) {
	if err := Check(); err != nil {
		return nil, err
	}
	work, err := os.MkdirTemp("", "ftplab-kernel-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	if err := makeFiles(work); err != nil {
		return nil, err
	}
	var out []Result
	for i, r := range rows {
		k, err := runKernel(ctx, work, i, r)
		if err != nil {
			return out, fmt.Errorf("row %q: %w", r, err)
		}
		s, err := sim.Run(ctx, r.Scenario(), sim.Options{})
		if err != nil {
			return out, err
		}
		n := Outcome{OK: s.Summary.OK}
		if len(s.Summary.Replies) > 0 && !n.OK {
			n.Reply = s.Summary.Replies[len(s.Summary.Replies)-1].Code
		}
		res := Result{Row: r, Kernel: k, Netem: n, Agree: k.OK == n.OK}
		// The last reply is compared where both sides can see it: failed runs
		// without TLS (netem's trace shows no words under TLS, like the helper).
		if !k.OK && !r.TLS && k.Reply != n.Reply {
			res.Agree = false
			res.Note = "final reply differs"
		}
		if !res.Agree {
			res.Note += " (curl: " + k.Detail + ")"
		}
		out = append(out, res)
	}
	return out, nil
}

// Verify prints the comparison table; it fails if a row disagrees.
func Verify(ctx context.Context, w io.Writer) error {
	start := time.Now()
	results, err := Compare(ctx, Rows)
	if err != nil {
		return err
	}
	bad := WriteTable(w, results)
	fmt.Fprintf(w, "%d rows, %d disagree, %.1f s\n", len(results), bad, time.Since(start).Seconds())
	if bad > 0 {
		return fmt.Errorf("%d rows disagree", bad)
	}
	return nil
}

// WriteTable prints the results and returns how many disagree.
func WriteTable(w io.Writer, results []Result) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tkernel (curl+vsftpd+nft)\tnetem (ftplab run)\tagree")
	bad := 0
	for _, r := range results {
		mark := "yes"
		if !r.Agree {
			mark = "NO " + r.Note
			bad++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Row, r.Kernel, r.Netem, mark)
	}
	tw.Flush()
	return bad
}

// makeFiles writes the served file and a TLS certificate for vsftpd.
func makeFiles(work string) error {
	root := filepath.Join(work, "root")
	if err := os.MkdirAll(root, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "hello.txt"), bytes.Repeat([]byte("kernel says hello\n"), 200), 0o644); err != nil {
		return err
	}
	os.Chmod(root, 0o555)
	os.MkdirAll(filepath.Join(work, "empty"), 0o755)
	out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=ftplab",
		"-days", "1", "-keyout", filepath.Join(work, "key.pem"), "-out", filepath.Join(work, "cert.pem")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("openssl: %v: %s", err, out)
	}
	return nil
}

// Addresses inside the namespaces (they exist nowhere else).
const (
	clientIP    = "10.77.1.10"
	routerAIP   = "10.77.1.1" // the client's side; the server's public address under server NAT
	routerBIP   = "10.77.2.1" // the server's side; the client's public address under client NAT
	serverIP    = "10.77.2.21"
	passiveLow  = 30000
	passiveHigh = 30009
)

func ns(name string, args ...string) *exec.Cmd {
	return exec.Command("ip", append([]string{"netns", "exec", name}, args...)...)
}

func run(cmd *exec.Cmd) error {
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func nft(name, ruleset string) error {
	cmd := ns(name, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	return run(cmd)
}

// runKernel builds client, router and server namespaces for one row, runs
// curl through them and tears everything down.
func runKernel(ctx context.Context, work string, i int, r Row) (Outcome, error) {
	p := fmt.Sprintf("fl%d-%d", os.Getpid()%10000, i)
	c, rt, s := p+"c", p+"r", p+"s"
	defer func() {
		for _, n := range []string{c, rt, s} {
			exec.Command("ip", "netns", "del", n).Run()
		}
	}()
	steps := [][]string{
		{"ip", "netns", "add", c}, {"ip", "netns", "add", rt}, {"ip", "netns", "add", s},
		{"ip", "link", "add", p + "ca", "netns", c, "type", "veth", "peer", "name", p + "ra", "netns", rt},
		{"ip", "link", "add", p + "sb", "netns", s, "type", "veth", "peer", "name", p + "rb", "netns", rt},
	}
	for _, st := range steps {
		if err := run(exec.Command(st[0], st[1:]...)); err != nil {
			return Outcome{}, err
		}
	}
	in := [][]string{
		{c, "ip", "addr", "add", clientIP + "/24", "dev", p + "ca"}, {c, "ip", "link", "set", p + "ca", "up"}, {c, "ip", "link", "set", "lo", "up"},
		{c, "ip", "route", "add", "default", "via", routerAIP},
		{rt, "ip", "addr", "add", routerAIP + "/24", "dev", p + "ra"}, {rt, "ip", "link", "set", p + "ra", "up"},
		{rt, "ip", "addr", "add", routerBIP + "/24", "dev", p + "rb"}, {rt, "ip", "link", "set", p + "rb", "up"},
		{rt, "sysctl", "-qw", "net.ipv4.ip_forward=1"},
		{s, "ip", "addr", "add", serverIP + "/24", "dev", p + "sb"}, {s, "ip", "link", "set", p + "sb", "up"}, {s, "ip", "link", "set", "lo", "up"},
		{s, "ip", "route", "add", "default", "via", routerBIP},
	}
	for _, st := range in {
		if err := run(ns(st[0], st[1:]...)); err != nil {
			return Outcome{}, err
		}
	}
	if err := rulesets(r, p, c, rt, s); err != nil {
		return Outcome{}, err
	}
	// vsftpd in the server namespace.
	conf := filepath.Join(work, p+".conf")
	cfg := fmt.Sprintf(`listen=YES
listen_address=%s
background=NO
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
anon_root=%s
secure_chroot_dir=%s
seccomp_sandbox=NO
pasv_min_port=%d
pasv_max_port=%d
connect_from_port_20=YES
connect_timeout=3
data_connection_timeout=10
xferlog_enable=NO
`, serverIP, filepath.Join(work, "root"), filepath.Join(work, "empty"), passiveLow, passiveHigh)
	if r.PasvAddress {
		cfg += "pasv_address=" + routerAIP + "\n"
	}
	if r.TLS {
		cfg += fmt.Sprintf("ssl_enable=YES\nallow_anon_ssl=YES\nrequire_ssl_reuse=NO\nrsa_cert_file=%s\nrsa_private_key_file=%s\n",
			filepath.Join(work, "cert.pem"), filepath.Join(work, "key.pem"))
	}
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		return Outcome{}, err
	}
	vs := ns(s, "vsftpd", conf)
	if err := vs.Start(); err != nil {
		return Outcome{}, err
	}
	defer func() { vs.Process.Kill(); vs.Wait() }()
	time.Sleep(150 * time.Millisecond)

	target := serverIP
	if r.NAT == "server" {
		target = routerAIP
	}
	args := []string{"-sS", "-v", "--connect-timeout", "3", "--max-time", "15", "-o", "/dev/null"}
	switch r.Mode {
	case ftp.ModePassive:
		args = append(args, "--disable-epsv", "--no-ftp-skip-pasv-ip")
	case ftp.ModeEPSV:
	case ftp.ModeActive:
		args = append(args, "-P", clientIP, "--disable-eprt")
	case ftp.ModeEPRT:
		args = append(args, "-P", clientIP)
	}
	if r.TLS {
		args = append(args, "--ssl-reqd", "-k")
	}
	args = append(args, "ftp://"+target+"/hello.txt")
	cctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(cctx, "ip", append([]string{"netns", "exec", c, "curl"}, args...)...)
	out, err := cmd.CombinedOutput()
	o := Outcome{OK: err == nil}
	if lines := strings.Split(strings.TrimSpace(string(out)), "\n"); len(lines) > 0 {
		o.Detail = lines[len(lines)-1]
	}
	for _, m := range replyRE.FindAllStringSubmatch(string(out), -1) {
		fmt.Sscan(m[1], &o.Reply)
	}
	if o.OK {
		o.Reply = 0 // compare failures only
	}
	return o, nil
}

var replyRE = regexp.MustCompile(`(?m)^< (\d{3})[ -]`)

// rulesets loads the firewalls, NAT and helpers a row asks for.
func rulesets(r Row, p, c, rt, s string) error {
	block := "drop"
	if r.Reject {
		block = "reject with tcp reset"
	}
	helper := func(hook string) string {
		if !r.ALG {
			return ""
		}
		return fmt.Sprintf(`
  ct helper ftp-standard { type "ftp" protocol tcp; }
  chain helpers { type filter hook %s priority 0; tcp dport 21 ct helper set "ftp-standard"; }`, hook)
	}
	if r.Firewall == "client" || r.Firewall == "both" {
		if err := nft(c, fmt.Sprintf(`table inet fw {%s
  chain in { type filter hook input priority 0; policy accept; ct state established,related accept; ct state new %s; }
}`, helper("output"), block)); err != nil {
			return err
		}
	} else if r.ALG {
		if err := nft(c, "table inet fw {"+helper("output")+"\n}"); err != nil {
			return err
		}
	}
	if r.Firewall == "server" || r.Firewall == "both" {
		open := ""
		if r.OpenPasv {
			open = fmt.Sprintf("tcp dport %d-%d ct state new accept;", passiveLow, passiveHigh)
		}
		if err := nft(s, fmt.Sprintf(`table inet fw {%s
  chain in { type filter hook input priority 0; policy accept; tcp dport 21 ct state new accept; ct state established,related accept; %s ct state new %s; }
}`, helper("prerouting"), open, block)); err != nil {
			return err
		}
	} else if r.ALG {
		if err := nft(s, "table inet fw {"+helper("prerouting")+"\n}"); err != nil {
			return err
		}
	}
	switch r.NAT {
	case "client":
		return nft(rt, fmt.Sprintf(`table ip nat {%s
  chain post { type nat hook postrouting priority 100; oifname "%s" ip saddr 10.77.1.0/24 masquerade; }
}`, helper("prerouting"), p+"rb"))
	case "server":
		// The server's private network is not routable from outside: only
		// what the NAT forwards reaches it.
		return nft(rt, fmt.Sprintf(`table ip nat {%s
  chain pre { type nat hook prerouting priority -100; ip daddr %s tcp dport { 21, %d-%d } dnat to %s; }
  chain post { type nat hook postrouting priority 100; ip saddr 10.77.2.0/24 oifname "%s" snat to %s; }
  chain private { type filter hook forward priority 0; iifname "%s" ip daddr 10.77.2.0/24 ct status and dnat == 0 drop; }
}`, helper("prerouting"), routerAIP, passiveLow, passiveHigh, serverIP, p+"ra", routerAIP, p+"ra"))
	}
	if r.ALG {
		return nft(rt, "table ip nat {"+helper("prerouting")+"\n}")
	}
	return nil
}
