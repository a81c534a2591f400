package peertest

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Vsftpd runs Debian's vsftpd on a free port of 127.0.0.1 serving dir to
// anonymous users, giving up an active dial after 5 s, and returns its
// address. extra is appended to the config (e.g. "pasv_enable=NO\n");
// later lines win. dir must not be writable by others (vsftpd refuses a
// writable anonymous root): Vsftpd makes it 0555.
func Vsftpd(t testing.TB, dir, extra string) string {
	t.Helper()
	return VsftpdAt(t, "tcp4", "127.0.0.1", dir, "connect_timeout=5\n"+extra)
}

// VsftpdAt is [Vsftpd] listening on host ("127.0.0.1", "::1") of network
// ("tcp4", "tcp6"), with vsftpd's own connect timeout unless extra sets
// one. It returns once vsftpd greets.
func VsftpdAt(t testing.TB, network, host, dir, extra string) string {
	t.Helper()
	bin := Need(t, "vsftpd")[0]
	if os.Geteuid() != 0 {
		Missing(t, "vsftpd needs root to run standalone")
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	port := freePortWithRange(t, network, host)
	listen := "listen=YES\nlisten_address=" + host
	if network == "tcp6" {
		listen = "listen=NO\nlisten_ipv6=YES\nlisten_address6=" + host
	}
	conf := filepath.Join(t.TempDir(), "vsftpd.conf")
	cfg := fmt.Sprintf(`%s
listen_port=%d
background=NO
anonymous_enable=YES
local_enable=NO
no_anon_password=YES
anon_root=%s
secure_chroot_dir=%s
seccomp_sandbox=NO
pasv_min_port=%d
pasv_max_port=%d
connect_from_port_20=NO
xferlog_enable=NO
`, listen, port, dir, t.TempDir(), port+1, port+20) + extra
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := net.JoinHostPort(host, fmt.Sprint(port))
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "220") {
				return addr
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("vsftpd did not start on %s: %s", addr, stderr.String())
	return ""
}

// freePortWithRange finds a free port on host with room for a passive
// range of 20 ports above it.
func freePortWithRange(t testing.TB, network, host string) int {
	t.Helper()
	l, err := net.Listen(network, net.JoinHostPort(host, "0"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	p := l.Addr().(*net.TCPAddr).Port
	if p > 65000 {
		p = 40000 + p%20000
	}
	return p
}
