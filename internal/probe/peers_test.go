package probe

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ftplab/internal/peertest"
	"ftplab/sim/ftp"
)

// peerBinary finds a server program: $env names it (CI unpacks proftpd and
// pure-ftpd with apt-get download and dpkg -x, since their packages
// conflict with vsftpd's), else PATH. Servers run standalone need root.
func peerBinary(t *testing.T, env, name string) string {
	t.Helper()
	p := os.Getenv(env)
	if p == "" {
		var err error
		if p, err = exec.LookPath(name); err != nil {
			peertest.Missing(t, fmt.Sprintf("%s is not installed (or set %s to its binary)", name, env))
		}
	}
	if os.Geteuid() != 0 {
		peertest.Missing(t, name+" needs root to run standalone")
	}
	return p
}

// freePort is a loopback port with 20 ports above it for a passive range.
func freePort(t *testing.T, network, host string) int {
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

// startDaemon runs a server in the foreground until the test ends and
// waits until it greets on addr.
func startDaemon(t *testing.T, addr string, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for i := 0; i < 100; i++ {
		if c, err := net.DialTimeout("tcp", addr, 100*time.Millisecond); err == nil {
			c.SetDeadline(time.Now().Add(time.Second))
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "220") {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s did not start on %s: %s", filepath.Base(name), addr, stderr.String())
}

// proftpd serves an anonymous root on 127.0.0.1; extra goes into the
// <Anonymous> block.
func proftpd(t *testing.T, extra string) string {
	t.Helper()
	bin := peerBinary(t, "FTPLAB_PROFTPD", "proftpd")
	run := t.TempDir()
	// Not t.TempDir: its parent is 0700, and proftpd's anonymous user
	// (nobody) must reach the root it is chrooted to.
	dir, err := os.MkdirTemp("", "ftplab-proftpd-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	os.WriteFile(filepath.Join(dir, "readme.txt"), []byte("hi\n"), 0o644)
	os.Chmod(dir, 0o755)
	port := freePort(t, "tcp4", "127.0.0.1")
	conf := filepath.Join(run, "proftpd.conf")
	os.WriteFile(conf, fmt.Appendf(nil, `ServerName "ftplab probe test"
ServerType standalone
DefaultServer on
Port %d
DefaultAddress 127.0.0.1
SocketBindTight on
UseIPv6 off
User nobody
Group nogroup
PassivePorts %d %d
ScoreboardFile %s/scoreboard
PidFile %s/pid
DelayTable none
WtmpLog off
UseReverseDNS off
UseFtpUsers off
TransferLog none
<Anonymous %s>
  User nobody
  Group nogroup
  UserAlias anonymous nobody
  RequireValidShell off
%s
</Anonymous>
`, port, port+1, port+20, run, run, dir, extra), 0o644)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	startDaemon(t, addr, bin, "-n", "-q", "-c", conf)
	return addr
}

// pureftpd serves on 127.0.0.1 with the given flags (-e: anonymous only,
// -E: no anonymous).
func pureftpd(t *testing.T, flags ...string) string {
	t.Helper()
	bin := peerBinary(t, "FTPLAB_PUREFTPD", "pure-ftpd")
	port := freePort(t, "tcp4", "127.0.0.1")
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	args := append([]string{"-S", fmt.Sprintf("127.0.0.1,%d", port), "-p", fmt.Sprintf("%d:%d", port+1, port+20), "-l", "unix"}, flags...)
	startDaemon(t, addr, bin, args...)
	return addr
}

type verdict struct {
	outcome Outcome
	cause   string
}

func checkVerdicts(t *testing.T, rep Report, want map[ftp.Mode]verdict) {
	t.Helper()
	if len(rep.Results) != 4 {
		t.Fatalf("%d results, want 4", len(rep.Results))
	}
	for _, r := range rep.Results {
		w := want[r.Mode]
		if r.Outcome != w.outcome || !strings.Contains(r.Cause, w.cause) {
			t.Errorf("%s: %s %q (%s), want %s with cause containing %q", r.Command, r.Outcome, r.Reply, r.Cause, w.outcome, w.cause)
		}
	}
	var b bytes.Buffer
	WriteText(&b, rep)
	t.Log("\n" + b.String())
}

var allWork = map[ftp.Mode]verdict{
	ftp.ModePassive: {Worked, "passive mode works"},
	ftp.ModeEPSV:    {Worked, "passive mode works"},
	ftp.ModeActive:  {Worked, "dial back"},
	ftp.ModeEPRT:    {Worked, "dial back"},
}

func TestProbeProftpd(t *testing.T) {
	t.Run("normal", func(t *testing.T) {
		rep, err := Run(context.Background(), proftpd(t, ""), Options{Timeout: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		checkVerdicts(t, rep, allWork)
		for _, r := range rep.Results {
			if code := r.Reply[:3]; code != map[string]string{"PASV": "227", "EPSV": "229", "PORT": "200", "EPRT": "200"}[r.Command] {
				t.Errorf("%s worked; reply %q is not the answer to %s", r.Command, r.Reply, r.Command)
			}
		}
	})
	t.Run("passive denied", func(t *testing.T) {
		rep, err := Run(context.Background(), proftpd(t, "<Limit PASV EPSV>\n DenyAll\n</Limit>"), Options{Timeout: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		checkVerdicts(t, rep, map[ftp.Mode]verdict{
			ftp.ModePassive: {Refused, "does not allow PASV"},
			ftp.ModeEPSV:    {Refused, "does not allow EPSV"},
			ftp.ModeActive:  {Worked, ""},
			ftp.ModeEPRT:    {Worked, ""},
		})
	})
}

func TestProbePureftpd(t *testing.T) {
	t.Run("anonymous", func(t *testing.T) {
		rep, err := Run(context.Background(), pureftpd(t, "-e"), Options{Timeout: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		checkVerdicts(t, rep, allWork)
		// pure-ftpd greets in several lines; all of them are kept.
		if lines := strings.Split(rep.Banner, "\n"); len(lines) < 2 || !strings.Contains(lines[0], "Pure-FTPd") {
			t.Errorf("banner %q: want every line of the greeting", rep.Banner)
		}
	})
	t.Run("slow 530", func(t *testing.T) {
		// Anonymous off: pure-ftpd holds the 530 for seconds, past the
		// probe's timeout. That is a login problem, not a data dial.
		rep, err := Run(context.Background(), pureftpd(t, "-E"), Options{Timeout: 1 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		want := map[ftp.Mode]verdict{}
		for _, m := range []ftp.Mode{ftp.ModePassive, ftp.ModeEPSV, ftp.ModeActive, ftp.ModeEPRT} {
			want[m] = verdict{Broken, "No answer to the login"}
		}
		checkVerdicts(t, rep, want)
	})
}

// vsftpdAt serves a directory holding readme.txt with vsftpd on host.
func vsftpdAt(t *testing.T, network, host, extra string) string {
	t.Helper()
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "readme.txt"), []byte("hi\n"), 0o644)
	return peertest.VsftpdAt(t, network, host, dir, extra)
}

func hasIPv6(t *testing.T) {
	t.Helper()
	l, err := net.Listen("tcp6", "[::1]:0")
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	l.Close()
}

// TestProbeIPv6: over IPv6, PASV cannot work and PORT cannot be asked for;
// the probe says so instead of blaming a configuration or a firewall. A
// 227 naming 0.0.0.0 (vsftpd) is not a success.
func TestProbeIPv6(t *testing.T) {
	hasIPv6(t)
	t.Run("ftplab", func(t *testing.T) {
		root, err := os.OpenRoot(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		defer root.Close()
		srv, err := ftp.NewServer(ftp.ServerConfig{Root: root, Anonymous: true, FailedLoginDelay: -1})
		if err != nil {
			t.Fatal(err)
		}
		l, err := net.Listen("tcp6", "[::1]:0")
		if err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { srv.Serve(context.Background(), l); close(done) }()
		defer func() { srv.Close(); <-done }()
		rep, err := Run(context.Background(), l.Addr().String(), Options{Timeout: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		checkVerdicts(t, rep, map[ftp.Mode]verdict{
			ftp.ModePassive: {Refused, "use EPSV"},
			ftp.ModeEPSV:    {Worked, ""},
			ftp.ModeActive:  {Impossible, "EPRT"},
			ftp.ModeEPRT:    {Worked, ""},
		})
	})
	t.Run("vsftpd", func(t *testing.T) {
		rep, err := Run(context.Background(), vsftpdAt(t, "tcp6", "::1", ""), Options{Timeout: 3 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		checkVerdicts(t, rep, map[ftp.Mode]verdict{
			ftp.ModePassive: {Mismatch, "0.0.0.0"},
			ftp.ModeEPSV:    {Worked, ""},
			ftp.ModeActive:  {Impossible, "EPRT"},
			ftp.ModeEPRT:    {Worked, ""},
		})
	})
}

// TestProbeTLS: vsftpd that requires TLS of anonymous logins. Without
// --tls the probe says TLS is needed; with it every mode works.
func TestProbeTLS(t *testing.T) {
	peertest.Need(t, "openssl")
	certDir := t.TempDir()
	cert, key := filepath.Join(certDir, "cert.pem"), filepath.Join(certDir, "key.pem")
	if out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
		"-days", "1", "-keyout", key, "-out", cert).CombinedOutput(); err != nil {
		t.Fatalf("openssl: %v\n%s", err, out)
	}
	addr := vsftpdAt(t, "tcp4", "127.0.0.1", fmt.Sprintf(`ssl_enable=YES
allow_anon_ssl=YES
force_anon_logins_ssl=YES
force_anon_data_ssl=YES
require_ssl_reuse=NO
rsa_cert_file=%s
rsa_private_key_file=%s
`, cert, key))
	rep, err := Run(context.Background(), addr, Options{Timeout: 3 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	want := map[ftp.Mode]verdict{}
	for _, m := range []ftp.Mode{ftp.ModePassive, ftp.ModeEPSV, ftp.ModeActive, ftp.ModeEPRT} {
		want[m] = verdict{Broken, "--tls"}
	}
	checkVerdicts(t, rep, want)
	if rep.Results[0].Reply == "" {
		t.Errorf("the refused login's reply is missing: %+v", rep.Results[0])
	}
	rep, err = Run(context.Background(), addr, Options{Timeout: 3 * time.Second, TLS: true})
	if err != nil {
		t.Fatal(err)
	}
	checkVerdicts(t, rep, allWork)
}
