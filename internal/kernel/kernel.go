//go:build linux

// Package kernel checks netem against the real thing. For each row it
// builds three network namespaces (client, router, server) joined by veth
// pairs, with netem's own addresses that exist only inside them; loads
// nftables rulesets equivalent to ftplab's presets (the kernel's FTP
// conntrack/NAT helper attached explicitly with `ct helper set`); runs
// vsftpd in the server namespace and curl in the client namespace; and
// compares the outcome (ok, who dialed the data connection and what became
// of that dial, the final control reply) with sim.Run for the same
// scenario. Everything lives in namespaces it creates and removes; the
// host's own links and ruleset are never touched.
package kernel

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"ftplab/sim/scenario"
)

// Tools are the programs a kernel run needs.
var Tools = []string{"ip", "nft", "vsftpd", "curl", "openssl", "python3", "lftp"}

// Check reports whether the comparison can run here. helper is nil when
// the kernel's FTP helper can be attached (a `ct helper` object of type
// "ftp" loads); otherwise it says why, and rows with the helper skip.
func Check(ctx context.Context) (helperErr error, err error) {
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("%w: needs root for network namespaces", ErrNoNamespaces)
	}
	for _, p := range Tools {
		if _, err := exec.LookPath(p); err != nil {
			return nil, fmt.Errorf("%w: %s is not installed", ErrUnavailable, p)
		}
	}
	name := Prefix() + "probe"
	if out, err := ipCmd(ctx, "netns", "add", name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("%w: cannot create a network namespace: %s", ErrNoNamespaces, strings.TrimSpace(string(out)))
	}
	defer exec.Command("ip", "netns", "del", name).Run()
	if err := loadRules(ctx, name, "table inet probe {"+helperRules([]int{21}, "prerouting")+"\n}\n"); err != nil {
		return fmt.Errorf("the kernel FTP helper (nf_conntrack_ftp) is not available: %w", err), nil
	}
	return nil, nil
}

// Outcome is what one side saw for a row.
type Outcome struct {
	OK      bool
	Dialer  string // client or server: who sent the data connection's SYN; "-" nobody
	Dial    string // connected, refused (a reset came back) or dropped; "-" no dial
	Reply   int    // the final control reply the client saw (221 Goodbye aside); 0 none
	SYNs    int    // SYNs the dialer sent for the data connection, when the row compares them; 0 otherwise
	Detail  string // evidence for a disagreement (curl's error line, netem's reason)
	Skipped string // why the row could not run here
}

func (o Outcome) String() string {
	if o.Skipped != "" {
		return "skipped"
	}
	s := "failed"
	if o.OK {
		s = "ok"
	}
	syns := "-"
	if o.SYNs > 0 {
		syns = strconv.Itoa(o.SYNs)
	}
	return fmt.Sprintf("%-6s %-6s %-9s %-3d %s", s, o.Dialer, o.Dial, o.Reply, syns)
}

// workdir holds what vsftpd serves and its TLS certificate.
func workdir(ctx context.Context) (string, error) {
	work, err := os.MkdirTemp("", "ftplab-kernel-")
	if err != nil {
		return "", err
	}
	root := filepath.Join(work, "root")
	steps := []func() error{
		func() error { return os.MkdirAll(root, 0o755) },
		func() error {
			return os.WriteFile(filepath.Join(root, "hello.txt"), bytes.Repeat([]byte("hello from the kernel run\n"), 200), 0o644)
		},
		func() error { return os.Chmod(root, 0o555) }, // vsftpd refuses a writable anonymous root
		func() error { return os.MkdirAll(filepath.Join(work, "empty"), 0o755) },
		func() error {
			return run(exec.CommandContext(ctx, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=ftplab",
				"-days", "1", "-keyout", filepath.Join(work, "key.pem"), "-out", filepath.Join(work, "cert.pem")))
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			os.RemoveAll(work)
			return "", err
		}
	}
	return work, nil
}

// rowTimeout bounds one kernel row: setup, vsftpd, the client (12 s at most),
// with room for a loaded machine.
const rowTimeout = 45 * time.Second

// RunKernel plays one row on Linux and tears it down. i makes the
// namespace names unique within this process.
func runKernel(ctx context.Context, work string, i int, r Row) (o Outcome, err error) {
	ctx, cancel := context.WithTimeout(ctx, rowTimeout)
	defer cancel()
	a := rowAddresses(r)
	l, err := newLab(ctx, fmt.Sprintf("%s%d", Prefix(), i), a)
	if err != nil {
		return o, err
	}
	defer l.close()
	for _, p := range []struct{ ns, rules string }{
		{l.c, clientRules(r)}, {l.r, routerRules(r)}, {l.s, serverRules(r)},
		{l.c, watchRules("client", r.Scenario().Port())}, {l.s, watchRules("server", r.Scenario().Port())},
	} {
		if err := loadRules(ctx, p.ns, p.rules); err != nil {
			return o, err
		}
	}
	conf := filepath.Join(work, fmt.Sprintf("vsftpd-%d.conf", i))
	if err := writeVsftpdConf(conf, work, r, a.server); err != nil {
		return o, err
	}
	if r.SYNSchedule == scenario.SYNLinuxPre65 {
		for _, ns := range []string{l.c, l.s} {
			if err := run(inNS(ctx, ns, "sysctl", "-qw", "net.ipv4.tcp_syn_linear_timeouts=0")); err != nil {
				return o, err
			}
		}
	}
	if err := l.startVsftpd(ctx, conf, r.Scenario().Port()); err != nil {
		return o, err
	}
	if r.NoSACK {
		if err := run(inNS(ctx, l.c, "sysctl", "-qw", "net.ipv4.tcp_sack=0")); err != nil {
			return o, err
		}
	}
	out, cerr := inNS(ctx, l.c, clientArgs(r, a)...).CombinedOutput()
	if ctx.Err() != nil {
		return o, fmt.Errorf("row took longer than %s: %s", rowTimeout, lastWords(string(out)))
	}
	o = Outcome{OK: cerr == nil, Reply: finalReply(string(out), r.TLS), Detail: lastWords(string(out))}
	cc, err := counters(ctx, l.c)
	if err != nil {
		return o, err
	}
	sc, err := counters(ctx, l.s)
	if err != nil {
		return o, err
	}
	o.Dialer, o.Dial = dialOf(cc, sc)
	if r.ConnectTimeout > 0 {
		o.SYNs = map[string]int{"client": cc["syn"], "server": sc["syn"]}[o.Dialer]
	}
	return o, nil
}

// dialOf reads the watch counters: the side that sent a data SYN dialed;
// a SYN-ACK back means it connected, a reset that it was refused,
// neither that the SYNs were dropped.
func dialOf(client, server map[string]int) (dialer, result string) {
	side := client
	switch {
	case client["syn"] > 0:
		dialer = "client"
	case server["syn"] > 0:
		dialer, side = "server", server
	default:
		return "-", "-"
	}
	switch {
	case side["synack"] > 0:
		return dialer, "connected"
	case side["rst"] > 0, side["icmp"] > 0:
		return dialer, "refused"
	}
	return dialer, "dropped"
}
