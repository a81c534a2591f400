package ftp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestMoreCommands: the commands real clients were seen to need: SITE
// CHMOD/UMASK/HELP, MDTM and MFMT setting a time, STOU, ALLO, OPTS MLST,
// the 502 verbs, and a 553 for a name no file system holds.
func TestMoreCommands(t *testing.T) {
	dir := sandbox(t)
	addr := testServer(t, dir, nil)
	c := loginBinary(t, addr)
	for _, tt := range []struct {
		line string
		code int
		text string
	}{
		{"SITE HELP", 214, "CHMOD UMASK HELP"},
		{"SITE CHMOD 600 hello.txt", 200, "SITE CHMOD command ok."},
		{"SITE CHMOD 4755 hello.txt", 501, ""},
		{"SITE CHMOD 9 hello.txt", 501, ""},
		{"SITE CHMOD 644", 501, ""},
		{"SITE CHMOD 644 nope", 550, ""},
		{"SITE CHMOD 644 ../../etc/passwd", 550, ""},
		{"SITE UMASK", 200, "Your current UMASK is 0022"},
		{"SITE UMASK 077", 200, "UMASK set to 0077"},
		{"SITE UMASK 8", 501, ""},
		{"SITE EXEC ls", 500, ""},
		{"MDTM 20200102030405 hello.txt", 213, "File modification time set."},
		{"MDTM hello.txt", 213, "20200102030405"},
		{"MFMT 20210102030405 hello.txt", 213, "Modify=20210102030405; hello.txt"},
		{"MDTM hello.txt", 213, "20210102030405"},
		{"MDTM 20200102030405 nope", 550, ""},
		{"MFMT 2021 hello.txt", 501, ""},
		{"ALLO 1000", 202, ""},
		{"ACCT x", 502, ""},
		{"REIN", 502, ""},
		{"OPTS MLST type;size;nonsense;", 200, "MLST OPTS type;size;"},
		{"MLST hello.txt", 250, "End"},
		{"STOR " + strings.Repeat("n", 256), 553, "Could not create file: a name is longer than 255 bytes."},
	} {
		c.send(tt.line)
		if rep := c.reply(); rep.Code != tt.code || (tt.text != "" && rep.Text() != tt.text) {
			t.Errorf("%s: %q, want %d %s", tt.line, rep.String(), tt.code, tt.text)
		}
	}
	if fi, _ := os.Stat(filepath.Join(dir, "hello.txt")); fi.Mode().Perm() != 0o600 || !fi.ModTime().Equal(time.Date(2021, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("hello.txt after SITE CHMOD and MFMT: %v %v", fi.Mode(), fi.ModTime())
	}
	rep := c.cmd("MLST hello.txt", 250)
	if got := rep.Lines[1]; got != " type=file;size=6; /hello.txt" {
		t.Errorf("MLST after OPTS MLST type;size: %q", got)
	}
	c.cmd("OPTS MLST type;size;modify;perm;unix.mode;", 200)
	if rep := c.cmd("MLST hello.txt", 250); !strings.Contains(rep.Lines[1], ";perm=adfrw;unix.mode=0600; /hello.txt") {
		t.Errorf("MLST with every fact: %q", rep.Lines[1])
	}
	if rep := c.cmd("FEAT", 211); !strings.Contains(strings.Join(rep.Lines, "\n"), " MLST type*;size*;modify*;perm*;unix.mode*;") {
		t.Errorf("FEAT: %q", rep.Lines)
	}
	// STOU twice on one name: two files, the 150 names each (RFC 1123).
	for _, want := range []string{"up", "up.1"} {
		d := c.epsvDial()
		c.send("STOU up")
		first := c.expect(150)
		if first.Text() != "FILE: "+want {
			t.Errorf("STOU 150: %q, want FILE: %s", first.String(), want)
		}
		d.Write([]byte(want))
		d.Close()
		c.expect(226)
		if b, _ := os.ReadFile(filepath.Join(dir, want)); string(b) != want {
			t.Errorf("STOU stored %q in %s", b, want)
		}
		if fi, _ := os.Stat(filepath.Join(dir, want)); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600 from SITE UMASK 077", want, fi.Mode())
		}
	}
}

// TestTypeARoundTrip: TYPE A up and down gives back what was sent, and a
// CRLF file comes down with one CR per line, not two.
func TestTypeARoundTrip(t *testing.T) {
	dir := sandbox(t)
	os.WriteFile(filepath.Join(dir, "dos.txt"), []byte("crlf one\r\ncrlf two\r\n"), 0o644)
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.login()
	c.cmd("TYPE A", 200)
	if rep := c.pasvPut("STOR t.txt", "alpha\r\nbeta\r\n\r\nlone\rcr\r\n"); rep.Code != 226 {
		t.Fatalf("STOR in TYPE A: %q", rep.String())
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "t.txt")); string(b) != "alpha\nbeta\n\nlone\rcr\n" {
		t.Errorf("stored %q, want LF line ends", b)
	}
	if got, _ := c.pasvGet("RETR t.txt"); got != "alpha\r\nbeta\r\n\r\nlone\rcr\r\n" {
		t.Errorf("RETR in TYPE A: %q", got)
	}
	if got, _ := c.pasvGet("RETR dos.txt"); got != "crlf one\r\ncrlf two\r\n" {
		t.Errorf("RETR of a CRLF file in TYPE A: %q", got)
	}
}
