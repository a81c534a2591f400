package ftp

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"testing"
	"time"
)

// FuzzAddrParsers: PORT, EPRT, 227 and 229 parsing never panics, and what
// parses formats back to something that parses to the same address.
func FuzzAddrParsers(f *testing.F) {
	for _, s := range []string{"192,168,1,10,7,209", "|1|192.0.2.1|2001|", "|2|::1|5000|", "Entering Passive Mode (10,0,0,21,117,48).",
		"Entering Extended Passive Mode (|||30000|)", "1,2,3", "(((", "|3|x|1|", "999,1,1,1,1,1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ap, err := ParsePORT(s); err == nil {
			if back, err := ParsePORT(FormatPORT(ap)); err != nil || back != ap {
				t.Fatalf("PORT %q -> %v -> %v %v", s, ap, back, err)
			}
		}
		if ap, err := ParseEPRT(s); err == nil {
			if back, err := ParseEPRT(FormatEPRT(ap)); err != nil || back != ap {
				t.Fatalf("EPRT %q -> %v -> %v %v", s, ap, back, err)
			}
		}
		Parse227(s)
		Parse229(s)
	})
}

// FuzzReadReply: the client's reply reader never panics and never returns
// a reply with a code outside 100-599.
func FuzzReadReply(f *testing.F) {
	for _, s := range []string{"220 ok\r\n", "211-a\r\n b\r\n211 End\r\n", "2", "999 x\r\n", "220-\r\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ReadReply(bufio.NewReader(bytes.NewReader(b)), nil)
		if err == nil && (rep.Code < 100 || rep.Code > 599) {
			t.Fatalf("code %d accepted", rep.Code)
		}
	})
}

// FuzzServerCommands sends arbitrary command lines to a logged-in session:
// the server must answer every line with a reply and never panic or hang.
func FuzzServerCommands(f *testing.F) {
	for _, s := range []string{"NOOP", "CWD ../..", "PORT 1,2,3,4,5,6", "EPRT |1|127.0.0.2|9|", "RETR \x00", "MKD a/b/c", "REST -1", "TYPE L 8", "OPTS", "EPSV ALL"} {
		f.Add(s)
	}
	dir := f.TempDir()
	addr := testServer(f, dir, func(c *ServerConfig) { c.AllowUpload, c.AnonymousUpload = false, false })
	f.Fuzz(func(t *testing.T, line string) {
		if strings.ContainsAny(line, "\r\n") || len(line) > 4000 {
			return
		}
		upper := strings.ToUpper(line)
		for _, v := range []string{"LIST", "NLST", "MLSD", "RETR", "STOR", "APPE", "QUIT", "AUTH"} {
			if strings.HasPrefix(upper, v) {
				return // transfers wait for data connections; QUIT ends the session
			}
		}
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		r := bufio.NewReader(c)
		if _, err := ReadReply(r, nil); err != nil {
			t.Fatal(err)
		}
		c.Write([]byte("USER anonymous\r\nPASS x\r\n" + line + "\r\nNOOP\r\n"))
		for i := 0; i < 3; i++ {
			if _, err := ReadReply(r, nil); err != nil {
				t.Fatalf("after %q: reply %d: %v", line, i, err)
			}
		}
		if rep, err := ReadReply(r, nil); err != nil || rep.Code != 200 {
			t.Fatalf("after %q the session no longer answers NOOP: %v %v", line, rep, err)
		}
	})
}
