//go:build unix

package cli

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ftplab/sim/ftp"
)

// ftpSay is one raw control connection for these tests.
type ftpSay struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialServe(t *testing.T, addr string) *ftpSay {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	s := &ftpSay{t, c, bufio.NewReader(c)}
	s.say("", 220)
	return s
}

func (s *ftpSay) say(line string, want int) string {
	s.t.Helper()
	s.c.SetDeadline(time.Now().Add(10 * time.Second))
	if line != "" {
		fmt.Fprintf(s.c, "%s\r\n", line)
	}
	rep, err := ftp.ReadReply(s.r, nil)
	if err != nil || rep.Code != want {
		s.t.Fatalf("%q: %q %v, want %d", line, rep.String(), err, want)
	}
	return rep.String()
}

func (s *ftpSay) epsv() net.Conn {
	s.t.Helper()
	port, err := ftp.Parse229(s.say("EPSV", 229))
	if err != nil {
		s.t.Fatal(err)
	}
	d, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Cleanup(func() { d.Close() })
	return d
}

// TestServeStopsOnSIGTERM: SIGTERM stops `ftplab serve` within 2 s while
// one session asks for a FIFO (which used to block in open(2) for good),
// one is in an upload that sends nothing, one in a download nobody
// reads, and one has not logged in.
func TestServeStopsOnSIGTERM(t *testing.T) {
	dir := t.TempDir()
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe"), 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	os.WriteFile(filepath.Join(dir, "big.bin"), make([]byte, 32<<20), 0o644)
	server, addr, out, wait := startServe(t, "--root", dir, "--anonymous", "--anonymous-upload", "--allow-root")
	login := func() *ftpSay {
		s := dialServe(t, addr)
		s.say("USER anonymous", 331)
		s.say("PASS x@", 230)
		s.say("TYPE I", 200)
		return s
	}
	fifo := login()
	fifo.epsv()
	fmt.Fprintf(fifo.c, "RETR pipe\r\n") // no waiting for the answer
	up := login()
	up.epsv()
	up.say("STOR new.bin", 150)
	down := login()
	down.epsv()
	down.say("RETR big.bin", 150)
	dialServe(t, addr) // not logged in
	time.Sleep(100 * time.Millisecond)

	start := time.Now()
	if err := server.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v\n%s", err, out.String())
		}
		t.Logf("stopped %v after SIGTERM", time.Since(start).Round(time.Millisecond))
	case <-time.After(2 * time.Second):
		t.Fatalf("still running 2 s after SIGTERM:\n%s", out.String())
	}
}

// TestServeRunAs: started as root with --run-as nobody, the server binds,
// then runs as nobody: a root-only 0600 file stays unreadable to
// anonymous, a 0644 one is served. Without either flag root is refused.
func TestServeRunAs(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: it tests dropping root")
	}
	out, code := ftplab(t, "serve", "--root", t.TempDir(), "--anonymous")
	if code != 2 || !strings.Contains(out, "refusing to serve as root") {
		t.Errorf("serve as root without --run-as or --allow-root: exit %d\n%s", code, out)
	}
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755) // nobody must reach the root
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("root's\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "public.txt"), []byte("everyone's\n"), 0o644)
	server, addr, log, _ := startServe(t, "--root", dir, "--anonymous", "--run-as", "nobody")
	if !strings.Contains(log.String(), "running as nobody") {
		t.Errorf("the listening line does not say who it runs as:\n%s", log.String())
	}
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", server.Process.Pid))
	if m := regexp.MustCompile(`(?m)^Uid:\s+(\d+)\s+(\d+)\s+(\d+)`).FindStringSubmatch(string(status)); m != nil {
		if m[1] != "65534" || m[2] != "65534" || m[3] != "65534" {
			t.Errorf("uids after --run-as nobody: %v", m[1:])
		}
	}
	s := dialServe(t, addr)
	s.say("USER anonymous", 331)
	s.say("PASS x@", 230)
	s.epsv()
	s.say("RETR secret.txt", 550)
	d := s.epsv()
	s.say("RETR public.txt", 150)
	d.SetDeadline(time.Now().Add(5 * time.Second))
	b := make([]byte, 64)
	n, _ := bufio.NewReader(d).Read(b)
	s.say("", 226)
	if !strings.HasPrefix(string(b[:n]), "everyone") {
		t.Errorf("public.txt: %q", b[:n])
	}
}
