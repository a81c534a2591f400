package ftp

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testServer serves dir on a loopback port until the test ends.
func testServer(t testing.TB, dir string, mod func(*ServerConfig)) string {
	t.Helper()
	return testServerAt(t, "127.0.0.1:0", dir, mod)
}

// testServerAt is testServer listening on laddr (e.g. "[::1]:0").
func testServerAt(t testing.TB, laddr, dir string, mod func(*ServerConfig)) string {
	t.Helper()
	_, addr, _ := serveDir(t, laddr, dir, mod)
	return addr
}

// rawConn is a control connection driven line by line.
type rawConn struct {
	t *testing.T
	c net.Conn
	r *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawConn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	rc := &rawConn{t: t, c: c, r: bufio.NewReader(c)}
	rc.expect(220)
	return rc
}

func (rc *rawConn) send(line string) {
	rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	fmt.Fprintf(rc.c, "%s\r\n", line)
}

func (rc *rawConn) reply() Reply {
	rc.t.Helper()
	rc.c.SetDeadline(time.Now().Add(5 * time.Second))
	rep, err := ReadReply(rc.r, nil)
	if err != nil {
		rc.t.Fatalf("reading reply: %v", err)
	}
	return rep
}

func (rc *rawConn) expect(code int) Reply {
	rc.t.Helper()
	rep := rc.reply()
	if rep.Code != code {
		rc.t.Fatalf("got %q, want %d", rep.String(), code)
	}
	return rep
}

func (rc *rawConn) cmd(line string, code int) Reply {
	rc.t.Helper()
	rc.send(line)
	return rc.expect(code)
}

func (rc *rawConn) login() {
	rc.cmd("USER anonymous", 331)
	rc.cmd("PASS x@", 230)
}

// pasvGet opens a passive data connection and reads it all after cmd.
func (rc *rawConn) pasvGet(cmd string) (string, Reply) {
	rc.t.Helper()
	d := rc.epsvDial()
	defer d.Close()
	rc.send(cmd)
	first := rc.reply()
	if first.Code != 150 {
		return "", first
	}
	var b strings.Builder
	d.SetDeadline(time.Now().Add(5 * time.Second))
	bufio.NewReader(d).WriteTo(&b)
	return b.String(), rc.reply()
}

func sandbox(t *testing.T) string {
	t.Helper()
	base := t.TempDir()
	dir := filepath.Join(base, "root")
	os.MkdirAll(filepath.Join(dir, "sub"), 0o755)
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644)
	os.WriteFile(filepath.Join(base, "secret.txt"), []byte("outside\n"), 0o644)
	os.Symlink(filepath.Join(base, "secret.txt"), filepath.Join(dir, "link-out"))
	os.Symlink(base, filepath.Join(dir, "dir-out"))
	return dir
}

func TestCommandReplies(t *testing.T) {
	addr := testServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	c.cmd("LIST", 530) // before login
	c.cmd("USER ada", 331)
	c.cmd("PASS wrong", 530)
	c.cmd("USER ada", 331)
	c.cmd("PASS lovelace", 230)
	tests := []struct {
		line string
		code int
		text string
	}{
		{"SYST", 215, "UNIX Type: L8"},
		{"NOOP", 200, ""},
		{"TYPE I", 200, "Switching to Binary mode."},
		{"TYPE X", 504, ""},
		{"MODE S", 200, ""},
		{"STRU F", 200, ""},
		{"PWD", 257, `"/" is the current directory`},
		{"CWD sub", 250, ""},
		{"CDUP", 250, ""},
		{"CWD nowhere", 550, ""},
		{"SIZE hello.txt", 213, "6"},
		{"MDTM hello.txt", 213, ""},
		{"SIZE nope", 550, ""},
		{"REST x", 501, ""},
		{"OPTS UTF8 ON", 200, ""},
		{"FEAT", 211, "End"},
		{"HELP", 214, "Help OK."},
		{"STAT", 211, "End of status"},
		{"STAT /", 213, "End of status"},
		{"STAT nope", 550, ""},
		{"MLST hello.txt", 250, "End"},
		{"PORT 1,2,3", 500, "Illegal PORT command."},
		{"EPRT |3|x|1|", 500, "Illegal EPRT command."},
		{"EPSV 7", 522, ""},
		{"RETR", 501, "Syntax error in parameters or arguments."},
		{"XYZZY", 500, "Unknown command."},
		{"MKD newdir", 257, `"/newdir" created`},
		{"RMD newdir", 250, ""},
		{"RNTO x", 503, ""},
		{"ABOR", 225, ""},
	}
	for _, tt := range tests {
		c.send(tt.line)
		rep := c.reply()
		if rep.Code != tt.code || (tt.text != "" && rep.Text() != tt.text) {
			t.Errorf("%s: got %q, want %d %s", tt.line, rep.String(), tt.code, tt.text)
		}
	}
	if list, rep := c.pasvGet("NLST"); rep.Code != 226 || !strings.Contains(list, "hello.txt") {
		t.Errorf("NLST: %q %q", list, rep.String())
	}
	if data, rep := c.pasvGet("RETR hello.txt"); rep.Code != 226 || data != "hello\n" {
		t.Errorf("RETR in TYPE I: got %q %q", data, rep.String())
	}
	c.cmd("QUIT", 221)
}

// TestPathEscapes: nothing outside the root is ever read or listed.
func TestPathEscapes(t *testing.T) {
	addr := testServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	c.login()
	escapes := []string{
		"../secret.txt", "../../secret.txt", "/../secret.txt", "sub/../../secret.txt", "./../secret.txt",
		"..\\secret.txt", "%2e%2e/secret.txt", "/etc/passwd", "../../../../../../etc/passwd", "//etc/passwd",
		"link-out", "dir-out/secret.txt", "dir-out/root/../secret.txt", "sub/../../../etc/shadow",
		"...", ".../secret.txt", "/..", "~/secret.txt", "..%2fsecret.txt", "sub/./../../secret.txt",
		"\x00../secret.txt", "dir-out",
	}
	for _, p := range escapes {
		for _, verb := range []string{"RETR", "SIZE", "MDTM", "CWD", "STAT"} {
			c.send(verb + " " + p)
			rep := c.reply()
			if verb == "STAT" { // may list the root itself, never what is outside
				if strings.Contains(rep.String(), "secret") || strings.Contains(rep.String(), "passwd") {
					t.Errorf("STAT %q: %q: listed outside the root", p, rep.String())
				}
				continue
			}
			if verb == "CWD" && rep.Code == 250 {
				c.cmd("PWD", 257)
				c.cmd("CWD /", 250)
				continue // a cleaned path that stays inside the root is fine
			}
			if rep.Code/100 == 2 || rep.Code == 150 {
				t.Errorf("%s %q: %q: escaped the root?", verb, p, rep.String())
			}
		}
	}
	// A symlink out of the root is refused with a reply that says why.
	for _, line := range []string{"RETR link-out", "SIZE link-out", "CWD dir-out", "RETR dir-out/secret.txt", "STAT dir-out"} {
		c.send(line)
		if rep := c.reply(); rep.Code != 550 || !strings.Contains(rep.Text(), "outside the served directory") {
			t.Errorf("%s: %q, want 550 naming the escape", line, rep.String())
		}
	}
	// CWD .. past the root stays at the root.
	c.cmd("CWD ../../..", 250)
	if rep := c.cmd("PWD", 257); !strings.HasPrefix(rep.Text(), `"/"`) {
		t.Errorf("PWD after CWD past the root: %q", rep.String())
	}
	if list, _ := c.pasvGet("LIST ../"); strings.Contains(list, "secret") {
		t.Errorf("LIST ../ shows the parent: %q", list)
	}
	if len(escapes) < 20 {
		t.Fatalf("only %d escape forms", len(escapes))
	}
}

func TestBounceAndPrivilegedPort(t *testing.T) {
	addr := testServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	c.login()
	for _, line := range []string{
		"PORT 127,0,0,2,200,1",    // another host
		"PORT 10,0,0,1,200,1",     // another host
		"PORT 127,0,0,1,0,21",     // privileged port
		"EPRT |1|127.0.0.2|5000|", // another host
		"EPRT |1|127.0.0.1|25|",   // privileged port
	} {
		c.send(line)
		if rep := c.reply(); rep.Code != 500 || !strings.HasPrefix(rep.Text(), "Illegal") {
			t.Errorf("%s: %q, want 500 Illegal", line, rep.String())
		}
	}
}

// TestPortStealing: a passive data connection from another IP (127.0.0.2)
// is refused; the control peer's own connection still works.
func TestPortStealing(t *testing.T) {
	var log eventLog
	addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.Observer = log.observe })
	c := dialRaw(t, addr)
	c.login()
	rep := c.cmd("EPSV", 229)
	port, _ := Parse229(rep.String())
	target := net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port)))
	thief, err := (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}).Dial("tcp", target)
	if err != nil {
		t.Fatal(err)
	}
	defer thief.Close()
	c.send("RETR hello.txt")
	time.Sleep(50 * time.Millisecond)
	own, err := net.Dial("tcp", target)
	if err != nil {
		t.Fatal(err)
	}
	defer own.Close()
	c.expect(150)
	own.SetDeadline(time.Now().Add(5 * time.Second))
	got, _ := bufio.NewReader(own).ReadString(0)
	c.expect(226)
	thief.SetDeadline(time.Now().Add(2 * time.Second))
	stolen, _ := bufio.NewReader(thief).ReadString(0)
	if stolen != "" || got != "hello\r\n" { // TYPE A by default: CRLF
		t.Errorf("thief got %q, owner got %q", stolen, got)
	}
	// The refusal is a step the observer sees, so a lesson can show it.
	steps := strings.Join(log.steps("RETR"), ", ")
	if !strings.HasPrefix(steps, "command control RETR, accept data, close data err, accept data, reply control 150") {
		t.Errorf("events: %s", steps)
	}
}

// TestHugeLine: a 1 MB line gets 500 and the server keeps serving.
func TestHugeLine(t *testing.T) {
	addr := testServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	c.c.SetDeadline(time.Now().Add(5 * time.Second))
	// The line goes out in chunks of one buffer, so the test itself
	// allocates next to nothing and the server's allocations show.
	chunk := bytes.Repeat([]byte("a"), 16<<10)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	go func() {
		c.c.Write([]byte("USER "))
		for range (1 << 20) / len(chunk) {
			c.c.Write(chunk)
		}
		c.c.Write([]byte("\r\n"))
	}()
	if rep := c.reply(); rep.Code != 500 || rep.Text() != "Command line too long." {
		t.Fatalf("1 MB line: %q", rep.String())
	}
	runtime.ReadMemStats(&after)
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 256<<10 {
		t.Errorf("reading a 1 MB line allocated %d bytes: it was buffered", grew)
	}
	c.login()
	other := dialRaw(t, addr)
	other.login()
	for _, bad := range []string{"NO\x00OP", "NOOP\rX"} {
		c.send(bad)
		if rep := c.reply(); rep.Code != 501 {
			t.Errorf("%q: %q, want 501", bad, rep.String())
		}
	}
}

func TestConnectionCap(t *testing.T) {
	addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.MaxConns = 2 })
	dialRaw(t, addr)
	dialRaw(t, addr)
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	line, _ := bufio.NewReader(c).ReadString('\n')
	if line != "421 Too many connections.\r\n" {
		t.Errorf("third connection over a cap of 2: %q, want 421", line)
	}
}

func TestUploadIsAtomic(t *testing.T) {
	dir := sandbox(t)
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.login()
	d := c.openTransfer("STOR up.bin")
	d.Write([]byte("partial"))
	reset(d) // RST: the upload breaks
	rep := c.reply()
	if rep.Code == 226 {
		// A RST may arrive after the bytes as a clean EOF on some kernels;
		// then the upload is complete by FTP's rules. Only a failure must
		// leave nothing.
		t.Skip("the kernel delivered the reset as EOF")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.Name() == "up.bin" || strings.HasPrefix(e.Name(), ".ftplab-upload") {
			t.Errorf("a failed upload left %s behind (reply %q)", e.Name(), rep.String())
		}
	}
}

func TestUploadNeedsPermission(t *testing.T) {
	addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.AllowUpload, c.AnonymousUpload = false, false })
	c := dialRaw(t, addr)
	c.login()
	for _, line := range []string{"STOR x", "DELE hello.txt", "MKD d", "RNFR hello.txt"} {
		c.cmd(line, 550)
	}
}

func TestEPSVAll(t *testing.T) {
	addr := testServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	c.login()
	c.cmd("EPSV 2", 522) // IPv6 on an IPv4 control connection
	c.cmd("EPSV 1", 229)
	c.cmd("EPSV ALL", 200)
	for _, refused := range []string{"PASV", "PORT 127,0,0,1,200,1", "EPRT |1|127.0.0.1|51201|"} {
		if rep := c.cmd(refused, 550); rep.Text() != "Permission denied." {
			t.Errorf("%s after EPSV ALL: %q", refused, rep.String())
		}
	}
	c.cmd("EPSV", 229)
}

// TestIPv6Control: PASV cannot carry an IPv6 address, EPSV and EPRT can.
func TestIPv6Control(t *testing.T) {
	addr := testServerAt(t, "[::1]:0", sandbox(t), nil)
	c := dialRaw(t, addr)
	c.login()
	c.cmd("PASV", 425)
	c.cmd("EPSV 2", 229)
	c.cmd("EPRT |2|::1|51202|", 200)
	c.cmd("EPRT |1|127.0.0.1|51202|", 500) // not the control peer's address
	if data, rep := c.pasvGet("NLST"); rep.Code != 226 || !strings.Contains(data, "hello.txt") {
		t.Errorf("NLST over [::1] EPSV: %q %q", data, rep.String())
	}
}

// TestIdleTimeout: a silent control connection is told 421 and closed.
func TestIdleTimeout(t *testing.T) {
	addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.IdleTimeout = 200 * time.Millisecond })
	c := dialRaw(t, addr)
	c.login()
	if rep := c.reply(); rep.String() != "421 Timeout." {
		t.Errorf("idle: %q, want 421 Timeout.", rep.String())
	}
	if _, err := c.r.ReadByte(); err == nil {
		t.Error("the connection stayed open after 421")
	}
}

func TestNewServerRefusesBadConfig(t *testing.T) {
	root, err := os.OpenRoot(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	tests := []struct {
		name string
		cfg  ServerConfig
		want string
	}{
		{"no root", ServerConfig{}, "no root directory"},
		{"min>max", ServerConfig{Root: root, PasvMinPort: 3000, PasvMaxPort: 2000}, "bad passive range 3000-2000"},
		{"half range", ServerConfig{Root: root, PasvMinPort: 3000}, "bad passive range 3000-0"},
		{"too high", ServerConfig{Root: root, PasvMinPort: 3000, PasvMaxPort: 70000}, "bad passive range 3000-70000"},
	}
	for _, tt := range tests {
		if _, err := NewServer(tt.cfg); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}
