package cli

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ftplab/sim/ftp"
)

// TestServeHelperProcess is not a test of its own: started with
// FTPLAB_SERVE_HELPER=1 it runs `ftplab serve` with the arguments in
// FTPLAB_SERVE_ARGS (one a line) and exits, so TestServeKilledMidSTOR has the
// real command in a process it can kill -9 without building the binary.
func TestServeHelperProcess(t *testing.T) {
	if os.Getenv("FTPLAB_SERVE_HELPER") != "1" {
		return
	}
	os.Exit(Main(strings.Split(os.Getenv("FTPLAB_SERVE_ARGS"), "\n")))
}

// syncBuffer is a bytes.Buffer that a process writes while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestServeKilledMidSTOR: `ftplab serve` killed with SIGKILL in the middle
// of an upload (no cleanup can run) leaves nothing under the target name.
// What may stay is the temporary file STOR writes to, named
// ".ftplab-upload-<12 hex digits>" in the same directory: hidden, and
// never the name the client asked for, since only a completed upload is
// renamed to it.
func TestServeKilledMidSTOR(t *testing.T) {
	dir := t.TempDir()
	server, addr, _, wait := startServe(t, "--root", dir, "--anonymous", "--anonymous-upload", "--allow-root")

	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	say := func(line string, want int) string {
		t.Helper()
		if line != "" {
			fmt.Fprintf(c, "%s\r\n", line)
		}
		rep, err := ftp.ReadReply(r, nil)
		if err != nil || rep.Code != want {
			t.Fatalf("%q: %q %v, want %d", line, rep.String(), err, want)
		}
		return rep.String()
	}
	say("", 220)
	say("USER anonymous", 331)
	say("PASS x@", 230)
	say("TYPE I", 200)
	port, err := ftp.Parse229(say("EPSV", 229))
	if err != nil {
		t.Fatal(err)
	}
	d, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	say("STOR big.bin", 150)
	const sent = 4 << 20
	d.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := d.Write(make([]byte, sent)); err != nil {
		t.Fatal(err)
	}
	// Kill only once the server is writing the upload to disk.
	partial := func() (string, int64) {
		es, _ := os.ReadDir(dir)
		for _, e := range es {
			if fi, err := e.Info(); err == nil && fi.Size() > 0 {
				return e.Name(), fi.Size()
			}
		}
		return "", 0
	}
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if name, _ := partial(); name != "" {
			break
		}
		if time.Now().After(end) {
			t.Fatal("the server never started writing the upload")
		}
	}
	if err := server.Process.Kill(); err != nil { // SIGKILL: no defer, no cleanup runs
		t.Fatal(err)
	}
	if err := wait(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("the server exited with %v, want killed", err)
	}

	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tmp := regexp.MustCompile(`^\.ftplab-upload-[0-9a-f]{12}$`)
	for _, e := range es {
		fi, _ := e.Info()
		switch {
		case e.Name() == "big.bin":
			t.Errorf("a killed upload left the target name big.bin (%d bytes)", fi.Size())
		case !tmp.MatchString(e.Name()):
			t.Errorf("a killed upload left %s (%d bytes), not a temporary file", e.Name(), fi.Size())
		case fi.Size() > sent:
			t.Errorf("the temporary file %s holds %d bytes, more than the %d sent", e.Name(), fi.Size(), sent)
		default:
			t.Logf("left behind, as expected of a kill: %s (%d of %d bytes)", filepath.Join(filepath.Base(dir), e.Name()), fi.Size(), sent)
		}
	}
	// And the client is told: the control connection ends.
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := r.ReadByte(); err == nil {
		t.Error("the control connection still delivers data after the server was killed")
	}
}

// startServe runs `ftplab serve ARGS --addr 127.0.0.1:0` in a helper
// process (see TestServeHelperProcess) and returns it with the address it
// listens on. The process is killed when the test ends.
func startServe(t *testing.T, args ...string) (*exec.Cmd, string, *syncBuffer, func() error) {
	t.Helper()
	var out syncBuffer
	server := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$")
	server.Env = append(os.Environ(), "FTPLAB_SERVE_HELPER=1",
		"FTPLAB_SERVE_ARGS="+strings.Join(append([]string{"serve", "--addr", "127.0.0.1:0"}, args...), "\n"))
	server.Stdout, server.Stderr = &out, &out
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	var waitErr error
	wait := func() error { once.Do(func() { waitErr = server.Wait() }); return waitErr }
	t.Cleanup(func() { server.Process.Kill(); wait() })
	listening := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+) `)
	for end := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := listening.FindStringSubmatch(out.String()); m != nil {
			return server, m[1], &out, wait
		}
		if time.Now().After(end) {
			t.Fatalf("ftplab serve did not say where it listens:\n%s", out.String())
		}
	}
}
