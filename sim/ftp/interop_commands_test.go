package ftp

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ftplab/internal/peertest"
)

// ftplibText: a TYPE A round trip with storlines and retrlines, and mlsd
// with chosen facts (OPTS MLST).
const ftplibText = `
import ftplib, io, sys
f = ftplib.FTP()
f.connect(sys.argv[1], int(sys.argv[2]), timeout=30)
f.login()
f.storlines("STOR t.txt", io.BytesIO(b"alpha\nbeta\ngamma\n"))
lines = []
f.retrlines("RETR t.txt", lines.append)
print("lines", lines)
print("facts", sorted(list(f.mlsd("/", facts=["type", "size"]))[0][1]))
f.quit()
`

func TestFtplibTypeAAndMlsdFacts(t *testing.T) {
	peertest.Need(t, "python3")
	dir := sandbox(t)
	addr := testServer(t, dir, nil)
	host, port, _ := net.SplitHostPort(addr)
	out := run(t, "python3", "-c", ftplibText, host, port)
	if !strings.Contains(out, "lines ['alpha', 'beta', 'gamma']") || !strings.Contains(out, "facts ['size', 'type']") {
		t.Errorf("ftplib:\n%s", out)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "t.txt")); string(b) != "alpha\nbeta\ngamma\n" {
		t.Errorf("storlines stored %q, want LF line ends", b)
	}
}

// TestCurlSiteChmodAndASCII: curl -Q 'SITE CHMOD' and curl --use-ascii.
func TestCurlSiteChmodAndASCII(t *testing.T) {
	peertest.Need(t, "curl")
	dir := sandbox(t)
	os.WriteFile(filepath.Join(dir, "dos.txt"), []byte("crlf one\r\ncrlf two\r\n"), 0o644)
	addr := testServer(t, dir, nil)
	run(t, "curl", "-sS", "-Q", "SITE CHMOD 600 hello.txt", "-o", os.DevNull, "ftp://"+addr+"/")
	if fi, _ := os.Stat(filepath.Join(dir, "hello.txt")); fi.Mode().Perm() != 0o600 {
		t.Errorf("after curl -Q 'SITE CHMOD 600': %v", fi.Mode())
	}
	if got := run(t, "curl", "-sS", "--use-ascii", "ftp://"+addr+"/dos.txt"); got != "crlf one\ncrlf two\n" {
		t.Errorf("curl --use-ascii of a CRLF file: %q", got)
	}
}

// TestLftpMirrorModes: lftp mirror -R chmods what it uploads (SITE CHMOD)
// and exits 0; mirror down takes modes from MLSD's unix.mode, so copies
// are not read-only.
func TestLftpMirrorModes(t *testing.T) {
	peertest.Need(t, "lftp")
	src := t.TempDir()
	os.MkdirAll(filepath.Join(src, "d"), 0o750)
	os.WriteFile(filepath.Join(src, "d", "f.txt"), []byte("f"), 0o640)
	os.WriteFile(filepath.Join(src, "x.sh"), []byte("x"), 0o755)
	srv := t.TempDir()
	addr := testServer(t, srv, nil)
	host, port, _ := net.SplitHostPort(addr)
	out, err := runIn(t, src, "", nil, "lftp", "-c", "set net:max-retries 1; open -u anonymous,x -p "+port+" "+host+"; mirror -R . /up")
	if err != nil {
		t.Fatalf("lftp mirror -R: %v\n%s", err, out)
	}
	for name, want := range map[string]os.FileMode{"up/d": 0o750, "up/d/f.txt": 0o640, "up/x.sh": 0o755} {
		if fi, err := os.Stat(filepath.Join(srv, name)); err != nil || fi.Mode().Perm() != want {
			t.Errorf("uploaded %s: %v %v, want %v", name, fi.Mode(), err, want)
		}
	}
	down := t.TempDir()
	out, err = runIn(t, down, "", nil, "lftp", "-c", "set net:max-retries 1; open -u anonymous,x -p "+port+" "+host+"; mirror /up m")
	if err != nil {
		t.Fatalf("lftp mirror: %v\n%s", err, out)
	}
	for name, want := range map[string]os.FileMode{"m/d": 0o750, "m/d/f.txt": 0o640, "m/x.sh": 0o755} {
		if fi, err := os.Stat(filepath.Join(down, name)); err != nil || fi.Mode().Perm() != want {
			t.Errorf("mirrored %s: %v %v, want %v", name, fi.Mode(), err, want)
		}
	}
}

// TestLftpActiveIPv6: lftp in active mode over IPv6 sends EPRT |2|::|port|.
func TestLftpActiveIPv6(t *testing.T) {
	peertest.Need(t, "lftp")
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		l.Close()
	}
	dir := sandbox(t)
	addr := testServerAt(t, "[::1]:0", dir, nil)
	_, port, _ := net.SplitHostPort(addr)
	dst := t.TempDir()
	out, err := runIn(t, dst, "", nil, "lftp", "-c", "set net:max-retries 1; set net:timeout 5; set ftp:passive-mode off; open -u anonymous,x -p "+port+" '[::1]'; get hello.txt")
	if b, _ := os.ReadFile(filepath.Join(dst, "hello.txt")); err != nil || string(b) != "hello\n" {
		t.Errorf("lftp active get over ::1: %v %q\n%s", err, b, out)
	}
}

// TestTnftpUniqueAndASCII: tnftp's sunique (STOU) and an ascii put then
// get, which must give back the same bytes.
func TestTnftpUniqueAndASCII(t *testing.T) {
	peertest.Need(t, "tnftp")
	srv := t.TempDir()
	os.WriteFile(filepath.Join(srv, "u.txt"), []byte("already here\n"), 0o644)
	addr := testServer(t, srv, nil)
	host, port, _ := net.SplitHostPort(addr)
	local := t.TempDir()
	text := "line one\nline two\n\nend\n"
	os.WriteFile(filepath.Join(local, "u.txt"), []byte("unique\n"), 0o644)
	os.WriteFile(filepath.Join(local, "a.txt"), []byte(text), 0o644)
	script := "user anonymous x\nbinary\nsunique\nput u.txt\nsunique\nascii\nput a.txt\nget a.txt back.txt\nquit\n"
	out, err := runIn(t, local, script, nil, "tnftp", "-n", "-v", host, port)
	if err != nil {
		t.Fatalf("tnftp: %v\n%s", err, out)
	}
	if b, _ := os.ReadFile(filepath.Join(srv, "u.txt")); string(b) != "already here\n" {
		t.Errorf("sunique overwrote u.txt: %q\n%s", b, out)
	}
	if b, _ := os.ReadFile(filepath.Join(srv, "u.txt.1")); string(b) != "unique\n" {
		t.Errorf("sunique put: u.txt.1 holds %q\n%s", b, out)
	}
	if b, _ := os.ReadFile(filepath.Join(local, "back.txt")); string(b) != text {
		t.Errorf("ascii round trip: %q, want %q\n%s", b, text, out)
	}
}

// TestNcftpputKeepsTimes: ncftpput sets the uploaded file's time with
// "MDTM YYYYMMDDHHMMSS name".
func TestNcftpputKeepsTimes(t *testing.T) {
	peertest.Need(t, "ncftpput")
	src := t.TempDir()
	p := filepath.Join(src, "a.txt")
	os.WriteFile(p, []byte("a"), 0o644)
	when := time.Date(2020, 1, 2, 3, 4, 5, 0, time.UTC)
	os.Chtimes(p, when, when)
	srv := t.TempDir()
	addr := testServer(t, srv, nil)
	host, port, _ := net.SplitHostPort(addr)
	if out, err := runIn(t, src, "", nil, "ncftpput", "-t", "20", "-P", port, "-u", "anonymous", "-p", "x", host, "/", "a.txt"); err != nil {
		t.Fatalf("ncftpput: %v\n%s", err, out)
	}
	if fi, err := os.Stat(filepath.Join(srv, "a.txt")); err != nil || !fi.ModTime().Equal(when) {
		t.Errorf("uploaded a.txt: %v %v, want mtime %v", fi.ModTime(), err, when)
	}
}
