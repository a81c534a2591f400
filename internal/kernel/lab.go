//go:build linux

package kernel

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Prefix names every namespace this process creates ("ftplab-<pid>-"):
// cleanup removes exactly those, and never anything of the host's.
func Prefix() string { return fmt.Sprintf("ftplab-%d-", os.Getpid()) }

// lab is one row's three namespaces: client, router, server.
type lab struct {
	c, r, s string
	vsftpd  *exec.Cmd
}

func ipCmd(ctx context.Context, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "ip", args...)
}

// inNS runs a program inside a namespace.
func inNS(ctx context.Context, ns string, args ...string) *exec.Cmd {
	return ipCmd(ctx, append([]string{"netns", "exec", ns}, args...)...)
}

func run(cmd *exec.Cmd) error {
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %v: %s", strings.Join(cmd.Args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

func loadRules(ctx context.Context, ns, ruleset string) error {
	if ruleset == "" {
		return nil
	}
	cmd := inNS(ctx, ns, "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(ruleset)
	if err := run(cmd); err != nil {
		return fmt.Errorf("loading rules in %s: %w\n%s", ns, err, ruleset)
	}
	return nil
}

// newLab builds the namespaces and links of one row. The veth pairs are
// created inside the namespaces, so the host never sees them. On error
// whatever was made is removed.
func newLab(ctx context.Context, name string, a addresses) (l *lab, err error) {
	l = &lab{c: name + "-c", r: name + "-r", s: name + "-s"}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	for _, ns := range []string{l.c, l.r, l.s} {
		if err := run(ipCmd(ctx, "netns", "add", ns)); err != nil {
			return nil, err
		}
		// No duplicate address detection: an IPv6 address (the link-local
		// ones neighbour discovery uses too) is usable at once.
		if err := run(inNS(ctx, ns, "sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0")); err != nil {
			return nil, err
		}
	}
	steps := [][]string{
		{"-n", l.c, "link", "add", clientIf, "type", "veth", "peer", "name", routerClientIf, "netns", l.r},
		{"-n", l.s, "link", "add", serverIf, "type", "veth", "peer", "name", routerServerIf, "netns", l.r},
		addr(l.c, a.client+a.prefix(), clientIf, a.v6),
		{"-n", l.c, "link", "set", clientIf, "up"},
		{"-n", l.c, "link", "set", "lo", "up"},
		{"-n", l.c, "route", "add", "default", "via", a.clientGW},
		addr(l.r, a.clientGW+a.prefix(), routerClientIf, a.v6),
		addr(l.r, a.serverGW+a.prefix(), routerServerIf, a.v6),
		{"-n", l.r, "link", "set", routerClientIf, "up"},
		{"-n", l.r, "link", "set", routerServerIf, "up"},
		{"-n", l.r, "link", "set", "lo", "up"},
		addr(l.s, a.server+a.prefix(), serverIf, a.v6),
		{"-n", l.s, "link", "set", serverIf, "up"},
		{"-n", l.s, "link", "set", "lo", "up"},
		{"-n", l.s, "route", "add", "default", "via", a.serverGW},
	}
	for _, ip := range a.routerLocal {
		steps = append(steps, addr(l.r, ip+a.host(), "lo", a.v6))
	}
	for _, st := range steps {
		if err := run(ipCmd(ctx, st...)); err != nil {
			return nil, err
		}
	}
	if err := run(inNS(ctx, l.r, "sysctl", "-qw", "net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1")); err != nil {
		return nil, err
	}
	return l, nil
}

// addr adds an address to a link in a namespace; an IPv6 one skips
// duplicate address detection, so it is usable at once.
func addr(ns, prefix, dev string, v6 bool) []string {
	cmd := []string{"-n", ns, "addr", "add", prefix, "dev", dev}
	if v6 {
		cmd = append(cmd, "nodad")
	}
	return cmd
}

// startVsftpd runs vsftpd in the server namespace and waits until it
// listens on port.
func (l *lab) startVsftpd(ctx context.Context, conf string, port int) error {
	cmd := inNS(context.Background(), l.s, "vsftpd", conf) // killed by close, not by ctx
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var errBuf strings.Builder
	cmd.Stderr, cmd.Stdout = &errBuf, &errBuf
	if err := cmd.Start(); err != nil {
		return err
	}
	l.vsftpd = cmd
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) {
		out, _ := inNS(ctx, l.s, "cat", "/proc/net/tcp", "/proc/net/tcp6").Output()
		if listening(string(out), port) {
			return nil
		}
		select {
		case <-exited:
			l.vsftpd = nil
			return fmt.Errorf("vsftpd exited at start: %s", strings.TrimSpace(errBuf.String()))
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("vsftpd did not listen on port %d within 3 s", port)
}

// listening reads /proc/net/tcp for a socket in LISTEN (0A) on port.
func listening(procNetTCP string, port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, line := range strings.Split(procNetTCP, "\n")[1:] {
		f := strings.Fields(line)
		if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
			return true
		}
	}
	return false
}

// counters reads the watch table of a namespace: comment -> packets.
func counters(ctx context.Context, ns string) (map[string]int, error) {
	out, err := inNS(ctx, ns, "nft", "list", "table", "inet", "ftplab_watch").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("reading counters in %s: %v: %s", ns, err, out)
	}
	return parseCounters(string(out)), nil
}

var counterRE = regexp.MustCompile(`counter packets (\d+) bytes \d+ comment "([a-z]+)"`)

func parseCounters(listing string) map[string]int {
	m := map[string]int{}
	for _, g := range counterRE.FindAllStringSubmatch(listing, -1) {
		n, _ := strconv.Atoi(g[1])
		m[g[2]] += n
	}
	return m
}

// close ends every process left in the lab's namespaces (vsftpd and its
// session children: all started by us) and deletes the namespaces, which
// takes their veth pairs and rulesets with them.
func (l *lab) close() {
	if l.vsftpd != nil && l.vsftpd.Process != nil {
		syscall.Kill(-l.vsftpd.Process.Pid, syscall.SIGKILL)
	}
	for _, ns := range []string{l.c, l.r, l.s} {
		killNS(ns)
		exec.Command("ip", "netns", "del", ns).Run()
	}
}

// killNS kills what still runs in one of our namespaces.
func killNS(ns string) {
	out, err := exec.Command("ip", "netns", "pids", ns).Output()
	if err != nil {
		return
	}
	for _, f := range strings.Fields(string(out)) {
		if pid, err := strconv.Atoi(f); err == nil && pid > 1 && pid != os.Getpid() {
			syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

// Sweep removes any namespace this process created that is still there
// (after a panic or an interrupted run). It touches only names with
// Prefix().
func Sweep() {
	out, err := exec.Command("ip", "netns", "list").Output()
	if err != nil {
		return
	}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		if len(f) > 0 && strings.HasPrefix(f[0], Prefix()) {
			killNS(f[0])
			exec.Command("ip", "netns", "del", f[0]).Run()
		}
	}
}

// writeVsftpdConf configures vsftpd as ftplab's server is configured:
// anonymous RETR, passive 30000-30009, active from port 20, a short
// connect timeout so a dropped dial ends quickly.
func writeVsftpdConf(path, work string, r Row, listenIP string) error {
	listen := "listen=YES\nlisten_address=" + listenIP
	if strings.Contains(listenIP, ":") {
		listen = "listen=NO\nlisten_ipv6=YES\nlisten_address6=" + listenIP
	}
	cfg := fmt.Sprintf(`%s
background=NO
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
anon_root=%s
secure_chroot_dir=%s
seccomp_sandbox=NO
pasv_min_port=30000
pasv_max_port=30009
connect_from_port_20=YES
listen_port=%d
connect_timeout=%d
accept_timeout=5
data_connection_timeout=10
idle_session_timeout=20
xferlog_enable=NO
`, listen, filepath.Join(work, "root"), filepath.Join(work, "empty"), r.Scenario().Port(), connectTimeout(r))
	if r.PasvAddress {
		cfg += "pasv_address=" + r.Scenario().Addrs().ServerPublic + "\n"
	}
	if r.TLS {
		cfg += fmt.Sprintf("ssl_enable=YES\nallow_anon_ssl=YES\nrequire_ssl_reuse=NO\nrsa_cert_file=%s\nrsa_private_key_file=%s\n",
			filepath.Join(work, "cert.pem"), filepath.Join(work, "key.pem"))
	}
	return os.WriteFile(path, []byte(cfg), 0o600)
}

// connectTimeout is vsftpd's connect_timeout in seconds: the row's, or 3 s
// so a dropped dial ends quickly.
func connectTimeout(r Row) int {
	if r.ConnectTimeout > 0 {
		return int(r.ConnectTimeout / time.Second)
	}
	return 3
}
