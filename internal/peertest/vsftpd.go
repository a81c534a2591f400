package peertest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// Vsftpd runs Debian's vsftpd on a free loopback port serving dir to
// anonymous users and returns its address. extra is appended to the config
// (e.g. "pasv_enable=NO\n"); later lines win. dir must not be writable by
// others (vsftpd refuses a writable anonymous root): Vsftpd makes it 0555.
func Vsftpd(t testing.TB, dir, extra string) string {
	t.Helper()
	bin := Need(t, "vsftpd")[0]
	if os.Geteuid() != 0 {
		Missing(t, "vsftpd needs root to run standalone")
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	port := freePortWithRange(t)
	conf := filepath.Join(t.TempDir(), "vsftpd.conf")
	cfg := fmt.Sprintf(`listen=YES
listen_address=127.0.0.1
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
connect_timeout=5
xferlog_enable=NO
`, port, dir, t.TempDir(), port+1, port+20) + extra
	if err := os.WriteFile(conf, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, conf)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.Close()
			return addr
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("vsftpd did not start: %s", stderr.String())
	return ""
}

// freePortWithRange finds a loopback port with room for a passive range of
// 20 ports above it.
func freePortWithRange(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
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
