package ftp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ftplab/sim/peertest"
)

// startVsftpd runs Debian's vsftpd on a free loopback port serving dir to
// anonymous users, and returns its address.
func startVsftpd(t *testing.T, dir string) string {
	t.Helper()
	bin := peertest.Need(t, "vsftpd")[0]
	if os.Geteuid() != 0 {
		peertest.Missing(t, "vsftpd needs root to run standalone")
	}
	port := freePort(t)
	empty := t.TempDir()
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
`, port, dir, empty, port+1, port+20)
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

// freePort finds a loopback port with room for a passive range above it.
func freePort(t *testing.T) int {
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

// TestClientAgainstVsftpd proves the client against a real server in every
// mode: the listing and the file's bytes must come through intact.
func TestClientAgainstVsftpd(t *testing.T) {
	dir := t.TempDir()
	content := make([]byte, 64<<20) // issue 3: 64 MiB of random bytes
	rand.NewChaCha8([32]byte{1}).Read(content)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o555) // vsftpd refuses a writable anonymous root
	addr := startVsftpd(t, dir)
	want := sha256.Sum256(content)

	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			var events []Event
			c, err := Dial(context.Background(), addr, ClientConfig{Mode: mode, Timeout: 10 * time.Second, Observer: func(e Event) { events = append(events, e) }})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Login("anonymous", "ftplab@"); err != nil {
				t.Fatal(err)
			}
			names, err := c.NameList("")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(names, ",") != "big.bin" {
				t.Errorf("NLST = %q, want [big.bin]", names)
			}
			got := bytes.NewBuffer(make([]byte, 0, len(content)))
			n, err := c.Retrieve("big.bin", got)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(content)) || sha256.Sum256(got.Bytes()) != want {
				t.Fatalf("RETR moved %d bytes, sha256 mismatch=%v", n, sha256.Sum256(got.Bytes()) != want)
			}
			if err := c.Quit(); err != nil {
				t.Fatal(err)
			}
			wantCmd := map[Mode]string{ModeActive: "PORT ", ModePassive: "PASV", ModeEPSV: "EPSV", ModeEPRT: "EPRT "}[mode]
			if !sawCommand(events, wantCmd) {
				t.Errorf("observer never saw a %q command", wantCmd)
			}
		})
	}
}

// TestClientBounceRefusedByVsftpd checks the fact the bounce lesson relies
// on: vsftpd refuses a PORT naming another host.
func TestClientBounceRefusedByVsftpd(t *testing.T) {
	dir := t.TempDir()
	os.Chmod(dir, 0o555)
	addr := startVsftpd(t, dir)
	c, err := Dial(context.Background(), addr, ClientConfig{Mode: ModeActive, PortAddress: "127.0.0.2", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("anonymous", "x@"); err != nil {
		t.Fatal(err)
	}
	_, err = c.NameList("")
	var re *ReplyError
	if !errors.As(err, &re) || re.Reply.String() != "500 Illegal PORT command." {
		t.Fatalf("NLST after a bounce PORT: err = %v, want 500 Illegal PORT command.", err)
	}
}

func sawCommand(events []Event, prefix string) bool {
	for _, e := range events {
		if e.Kind == EvCommand && strings.HasPrefix(e.Text, prefix) {
			return true
		}
	}
	return false
}
