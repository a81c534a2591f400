package ftp

import (
	"bufio"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// preLoginAllowed are the commands a client may send before logging in.
// A new command is refused before login unless it is added here on purpose.
var preLoginAllowed = []string{"AUTH", "FEAT", "HELP", "NOOP", "OPTS", "PASS", "PBSZ", "PROT", "QUIT", "SYST", "USER"}

// TestBeforeLogin: every command in the server's table that is not on the
// short pre-login list is answered 530 before login (with or without an
// argument, and after a failed login too) and changes nothing on disk.
func TestBeforeLogin(t *testing.T) {
	dir := sandbox(t)
	addr := testServer(t, dir, nil)
	before := tree(t, filepath.Dir(dir))
	var pre, need []string
	for verb, cmd := range commands {
		if cmd.preLogin {
			pre = append(pre, verb)
		} else {
			need = append(need, verb)
		}
	}
	sort.Strings(pre)
	sort.Strings(need)
	if !slices.Equal(pre, preLoginAllowed) {
		t.Errorf("commands allowed before login: %v, want %v", pre, preLoginAllowed)
	}
	if len(need) < 30 {
		t.Fatalf("only %d commands need a login: the table is not being read", len(need))
	}
	c := dialRaw(t, addr)
	for round, setup := range []func(){
		func() {},
		func() { c.cmd("USER ada", 331); c.cmd("PASS wrong", 530) },
		func() { c.cmd("USER ada", 331) }, // a name but no password yet
	} {
		setup()
		for _, verb := range need {
			for _, line := range []string{verb, verb + " hello.txt", verb + " x"} {
				c.send(line)
				if rep := c.reply(); rep.Code != 530 {
					t.Errorf("round %d: %q before login: %q, want 530", round, line, rep.String())
				}
			}
		}
	}
	if after := tree(t, filepath.Dir(dir)); !slices.Equal(before, after) {
		t.Errorf("commands before login changed the files:\nbefore %v\nafter  %v", before, after)
	}
	c.cmd("USER ada", 331) // the session still works
	c.cmd("PASS lovelace", 230)
	c.cmd("NOOP", 200)
}

// tree lists every path under dir with its size, for before/after checks.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil
		}
		var size int64
		if fi, err := d.Info(); err == nil && !d.IsDir() {
			size = fi.Size()
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel+" "+d.Type().String()+" "+strconv.FormatInt(size, 10))
		return nil
	})
	return out
}

// unquote257 reads the path of a 257 reply: RFC 959 puts it in double
// quotes and doubles any quote inside.
func unquote257(text string) (string, bool) {
	i := strings.IndexByte(text, '"')
	if i < 0 {
		return "", false
	}
	var b strings.Builder
	for s := text[i+1:]; s != ""; s = s[1:] {
		if s[0] == '"' {
			if len(s) > 1 && s[1] == '"' {
				b.WriteByte('"')
				s = s[1:]
				continue
			}
			return b.String(), true
		}
		b.WriteByte(s[0])
	}
	return "", false
}

// TestHostileNames: names that are not UTF-8 (bytes 0xff 0xfe, an overlong
// "." as C0 AE, a lone continuation byte, a UTF-16 surrogate) or carry a
// double quote, in MKD, CWD, STOR, RETR, RNFR: each gets a definite reply,
// a directory the server says it made can be entered by the name its 257
// reply gives, nothing outside the root is touched or read, and the server
// keeps serving.
func TestHostileNames(t *testing.T) {
	dir := sandbox(t)
	base := filepath.Dir(dir)
	addr := testServer(t, dir, nil)
	outside := func() []string {
		var out []string
		for _, p := range tree(t, base) {
			if p != "root dir 0" && !strings.HasPrefix(p, "root"+string(filepath.Separator)) {
				out = append(out, p)
			}
		}
		return out
	}
	before := outside()
	c := loginBinary(t, addr)
	names := []string{
		"\xff\xfe", "\xc0\xae\xc0\xae", "\x80", "\xed\xa0\x80", `a"b`, `"`, `q""`,
		"\xc0\xae\xc0\xae/\xc0\xae\xc0\xae/secret.txt", "\xc0\xae\xc0\xaf\xc0\xae\xc0\xaesecret.txt",
		"%c0%ae%c0%ae/secret.txt", "\xe0\x80\xae\xe0\x80\xae/secret.txt",
	}
	oneOf := func(line string, rep Reply, codes ...int) {
		t.Helper()
		if !slices.Contains(codes, rep.Code) {
			t.Errorf("%q: %q, want one of %v", line, rep.String(), codes)
		}
	}
	for _, name := range names {
		line := "MKD " + name
		c.send(line)
		rep := c.reply()
		oneOf(line, rep, 257, 550)
		if rep.Code == 257 {
			made, ok := unquote257(rep.Text())
			if !ok || made != "/"+name {
				t.Errorf("%q: 257 names %q (ok %v), want %q", line, made, ok, "/"+name)
			}
			c.cmd("CWD "+made, 250)
			if pwd, _ := unquote257(c.cmd("PWD", 257).Text()); pwd != made {
				t.Errorf("PWD in %q: %q", made, pwd)
			}
			c.cmd("CWD /", 250)
		}
		line = "CWD " + name
		c.send(line)
		if rep := c.reply(); rep.Code == 250 {
			c.cmd("CWD /", 250)
		} else {
			oneOf(line, rep, 550)
		}
		file := name + ".f"
		if rep.Code == 257 {
			file = name + "/f" // inside the directory just made
		}
		put := c.pasvPut("STOR "+file, "payload")
		oneOf("STOR "+file, put, 226, 550, 553)
		got, get := c.pasvGet("RETR " + file)
		if put.Code == 226 {
			if get.Code != 226 || got != "payload" {
				t.Errorf("RETR %q after STOR: %q %q", file, get.String(), got)
			}
		} else {
			oneOf("RETR "+file, get, 550)
		}
		if strings.Contains(got, "outside") {
			t.Errorf("RETR %q read the file outside the root", file)
		}
		if got, rep := c.pasvGet("RETR " + name); strings.Contains(got, "outside") {
			t.Errorf("RETR %q read the file outside the root (%q)", name, rep.String())
		}
		line = "RNFR " + file
		c.send(line)
		if rep := c.reply(); rep.Code == 350 {
			c.cmd("RNTO "+file+"2", 250)
			c.cmd("RNFR "+file+"2", 350)
			c.cmd("RNTO "+file, 250)
		} else {
			oneOf(line, rep, 550)
		}
		c.cmd("NOOP", 200)
	}
	if after := outside(); !slices.Equal(before, after) {
		t.Errorf("files outside the root changed:\nbefore %q\nafter  %q", before, after)
	}
	other := dialRaw(t, addr) // and the server serves a newcomer
	other.login()
	if list, rep := other.pasvGet("NLST"); rep.Code != 226 || !strings.Contains(list, "hello.txt") {
		t.Errorf("NLST after the hostile names: %q %q", rep.String(), list)
	}
}

// TestLineEndings: NUL anywhere in a line and CR without LF get 501 and run
// nothing; a long run of CR-only "lines" is one line, too long: 500; LF
// alone ends a line (as vsftpd accepts). After each, exactly one reply came
// (the NOOP that follows answers 200 next).
func TestLineEndings(t *testing.T) {
	dir := sandbox(t)
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.login()
	tests := []struct {
		raw  string
		code int
	}{
		{"\x00\r\n", 501},
		{"NOOP\x00\r\n", 501},
		{"\x00NOOP\r\n", 501},
		{"DELE hello.txt\x00.jpg\r\n", 501}, // NUL truncation would delete hello.txt
		{"MKD new\x00dir\r\n", 501},
		{"NOOP\r", 0}, // not a line yet: goes on with the next
		{"NOOP\rNOOP\rDELE hello.txt\r\n", 501},
		{strings.Repeat("DELE hello.txt\r", 400) + "\n", 500}, // 6000 bytes, no LF
		{"NOOP\n", 200},
		{"\r\n", 500},
		{"\n", 500},
		{"NOOP\r\r\n", 501},
		{"\x80NOOP\r\n", 500},             // only Telnet IP/DM bytes are stripped before a verb, not any invalid byte
		{"\xff\xf4\xff\xf2NOOP\r\n", 200}, // IAC IP IAC DM, as ftplib sends before ABOR
	}
	for _, tt := range tests {
		c.c.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(c.c, tt.raw); err != nil {
			t.Fatal(err)
		}
		if tt.code == 0 {
			continue
		}
		if rep := c.reply(); rep.Code != tt.code {
			t.Errorf("%q: %q, want %d", tt.raw, rep.String(), tt.code)
		}
		if rep := c.cmd("NOOP", 200); rep.Code != 200 {
			t.Errorf("%q: more than one reply", tt.raw)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "hello.txt")); err != nil {
		t.Errorf("hello.txt: %v", err)
	}
	es, _ := os.ReadDir(dir)
	for _, e := range es {
		if strings.HasPrefix(e.Name(), "new") {
			t.Errorf("a line with NUL made %q", e.Name())
		}
	}
}

// TestPasswordFlood: ten wrong passwords on one connection are each
// answered 530 after the growing delay (FailedLoginDelay times the
// failures so far, at most 5), and the right password still works.
func TestPasswordFlood(t *testing.T) {
	const delay = 5 * time.Millisecond
	addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.FailedLoginDelay, c.MaxLoginFails = delay, -1 })
	c := dialRaw(t, addr)
	for k := 1; k <= 10; k++ {
		c.cmd("USER ada", 331)
		start := time.Now()
		c.cmd("PASS guess"+strconv.Itoa(k), 530)
		if took, want := time.Since(start), delay*time.Duration(min(k, 5)); took < want {
			t.Errorf("failure %d answered after %v, want at least %v", k, took, want)
		}
	}
	c.cmd("USER ada", 331)
	c.cmd("PASS lovelace", 230)
	c.cmd("NOOP", 200)
}

// TestConnectionFloodWithWrongPasswords: 200 connections at once against a
// cap of 8, each trying one wrong password: exactly 8 get 220 (and 530 for
// the password), the other 192 get 421 and are closed, and once the flood
// is over the server serves a normal login.
func TestConnectionFloodWithWrongPasswords(t *testing.T) {
	const clients, limit = 200, 8
	srv, addr := startServer(t, "127.0.0.1:0", sandbox(t), func(c *ServerConfig) {
		c.MaxConns = limit
		c.FailedLoginDelay = 20 * time.Millisecond
	})
	before := openFDs(t)
	var (
		mu       sync.Mutex
		counts   = map[string]int{}
		failures []string
	)
	count := func(what string) { mu.Lock(); counts[what]++; mu.Unlock() }
	fail := func(s string) { mu.Lock(); failures = append(failures, s); mu.Unlock() }
	flood(clients, func(_ int, greeted func(), allIn <-chan struct{}) {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			fail(err.Error())
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(15 * time.Second))
		r := bufio.NewReader(c)
		rep, err := ReadReply(r, nil)
		greeted()
		switch {
		case err != nil:
			fail("greeting: " + err.Error())
		case rep.Code == 421:
			count("421")
			if _, err := r.ReadByte(); err == nil {
				fail("421 and the connection stays open")
			}
		case rep.Code == 220:
			count("220")
			io.WriteString(c, "USER ada\r\nPASS wrong\r\n")
			if rep, _ := ReadReply(r, nil); rep.Code != 331 {
				fail("USER: " + rep.String())
			}
			if rep, _ := ReadReply(r, nil); rep.Code != 530 {
				fail("PASS: " + rep.String())
			}
			// Hold the slot until every client has been greeted, so
			// the cap is what decides who gets in.
			select {
			case <-allIn:
			case <-time.After(10 * time.Second):
				fail("the flood never finished")
			}
			io.WriteString(c, "QUIT\r\n")
			if rep, _ := ReadReply(r, nil); rep.Code != 221 {
				fail("QUIT: " + rep.String())
			}
		default:
			fail("greeting: " + rep.String())
		}
	})
	if counts["220"] != limit || counts["421"] != clients-limit || len(failures) > 0 {
		t.Errorf("%d clients against a cap of %d: %d got 220, %d got 421; failures: %v",
			clients, limit, counts["220"], counts["421"], failures)
	}
	if !eventually(5*time.Second, func() bool { return srv.sessionCount() == 0 }) {
		t.Fatalf("%d sessions left after the flood", srv.sessionCount())
	}
	c := dialRaw(t, addr)
	c.cmd("USER ada", 331)
	c.cmd("PASS lovelace", 230)
	c.cmd("QUIT", 221)
	c.c.Close()
	noLeaks(t, srv, before)
}

// TestBounceEdges: PORT/EPRT to another host in any spelling (an IPv4-mapped
// IPv6 address) or to a port below 1024 is refused; EPRT's unspecified
// address stands for the control peer;
// port 1024 on the control peer's own address is fine.
func TestBounceEdges(t *testing.T) {
	addr := testServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	c.login()
	for _, tt := range []struct {
		line string
		code int
	}{
		{"PORT 127,0,0,1,3,255", 500},           // 1023
		{"PORT 127,0,0,1,0,0", 500},             // 0
		{"EPRT |1|127.0.0.1|0|", 500},           // 0
		{"EPRT |2|::ffff:127.0.0.2|5000|", 522}, // IPv4-mapped: not an IPv6 address
		{"EPRT |1|0.0.0.0|5000|", 200},          // unspecified: the control peer, no one else
		{"EPRT |1|0.0.0.0|1023|", 500},          // still not a privileged port
		{"EPRT |1|127.0.0.1|1024|", 200},        // the peer, first unprivileged port
		{"PORT 127,0,0,1,4,0", 200},             // the same in PORT
		{"EPRT |2|::ffff:127.0.0.1|5000|", 522}, // even the peer's own
	} {
		c.cmd(tt.line, tt.code)
	}
}

// TestIPv6Bounce: over an IPv6 control connection (::1), EPRT to another
// IPv6 address, to the IPv4 loopback, to a zoned address or to a privileged
// port is refused ("::" is the peer itself); PORT cannot name ::1 at all.
func TestIPv6Bounce(t *testing.T) {
	if l, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	} else {
		l.Close()
	}
	addr := testServerAt(t, "[::1]:0", sandbox(t), nil)
	c := dialRaw(t, addr)
	c.login()
	for _, tt := range []struct {
		line string
		code int
	}{
		{"EPRT |2|::2|5000|", 500},              // another host
		{"EPRT |2|::1|80|", 500},                // privileged port
		{"EPRT |2|::1|1023|", 500},              // privileged port
		{"EPRT |2|::ffff:127.0.0.1|5000|", 522}, // IPv4-mapped: refused as a protocol mismatch
		{"EPRT |1|127.0.0.1|5000|", 500},        // the IPv4 loopback is another address
		{"EPRT |2|::|5000|", 200},               // unspecified: the control peer (lftp sends it)
		{"EPRT |1|0.0.0.0|5000|", 500},          // an IPv4 "any" is not this IPv6 peer
		{"EPRT |2|::|80|", 500},                 // still not a privileged port
		{"EPRT |2|fe80::1%lo|5000|", 500},       // link-local, zoned
		{"EPRT |2|::1%lo|5000|", 500},           // ::1 with a zone is not the peer
		{"PORT 127,0,0,1,200,1", 500},           // another address
		{"EPRT |2|::1|1024|", 200},              // the peer
	} {
		c.send(tt.line)
		if rep := c.reply(); rep.Code != tt.code {
			t.Errorf("%s over ::1: %q, want %d", tt.line, rep.String(), tt.code)
		}
	}
}
