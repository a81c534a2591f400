package ftp

import "testing"

func TestParseAnnouncement(t *testing.T) {
	for _, tt := range []struct {
		line       string
		ok, bad    bool
		verb, addr string
		port       uint16
	}{
		{line: "PORT 192,0,2,10,7,209", ok: true, verb: "PORT", addr: "192.0.2.10:2001", port: 2001},
		{line: "port 192,0,2,10,7,209", ok: true, verb: "PORT", addr: "192.0.2.10:2001", port: 2001},
		{line: "EPRT |2|2001:db8::1|2001|", ok: true, verb: "EPRT", addr: "[2001:db8::1]:2001", port: 2001},
		{line: "227 Entering Passive Mode (198,51,100,21,117,48).", ok: true, verb: "227", addr: "198.51.100.21:30000", port: 30000},
		{line: "227 Entering Passive Mode 198,51,100,21,117,48", ok: true, verb: "227", addr: "198.51.100.21:30000", port: 30000},
		{line: "229 Entering Extended Passive Mode (|||30000|)", ok: true, verb: "229", port: 30000},
		{line: "PORT 192,0,2,10,7", ok: true, bad: true, verb: "PORT"},
		{line: "229 no port here", ok: true, bad: true, verb: "229"},
		{line: "RETR hello.txt"},
		{line: "200 PORT command successful."},
	} {
		a, ok, err := ParseAnnouncement(tt.line)
		if ok != tt.ok || (err != nil) != tt.bad || a.Verb != tt.verb {
			t.Errorf("%q: %+v ok=%v err=%v", tt.line, a, ok, err)
			continue
		}
		if !tt.ok || tt.bad {
			continue
		}
		if a.Addr.Port() != tt.port || (tt.addr != "" && a.Addr.String() != tt.addr) || (tt.addr == "" && a.Addr.Addr().IsValid()) {
			t.Errorf("%q: addr %v, want %s port %d", tt.line, a.Addr, tt.addr, tt.port)
		}
	}
}
