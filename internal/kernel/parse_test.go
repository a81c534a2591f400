//go:build linux

package kernel

import (
	"strings"
	"testing"

	"ftplab/sim/ftp"
)

func TestFinalReplySkipsGoodbyeAndContinuationLines(t *testing.T) {
	tls := "< 220 (vsFTPd 3.0.3)\n> AUTH TLS\n< 234 Proceed with negotiation.\n* TLSv1.3 (OUT)\n< 200 PORT command successful.\n< 500 Illegal PORT command.\n"
	for _, c := range []struct {
		out      string
		wireOnly bool
		want     int
	}{
		{"< 220 (vsFTPd 3.0.3)\n> PASV\n< 227 Entering Passive Mode (198,51,100,21,117,49).\n* Connection timed out\n", false, 227},
		{"< 150 Here comes\n< 226 Transfer complete.\n> QUIT\n< 221 Goodbye.\n", false, 226},
		{"< 200 PORT command successful.\n< 425 Failed to establish connection.\n", false, 425},
		{"< 211-Features:\n<  EPRT\n< 211 End\n", false, 211},
		{"no replies at all\n", false, 0},
		{tls, false, 500},
		{tls, true, 234}, // after 234 the wire is encrypted
	} {
		if got := finalReply(c.out, c.wireOnly); got != c.want {
			t.Errorf("finalReply(%q, %v) = %d, want %d", c.out, c.wireOnly, got, c.want)
		}
	}
}

func TestDialOf(t *testing.T) {
	for _, c := range []struct {
		client, server map[string]int
		dialer, result string
	}{
		{map[string]int{}, map[string]int{}, "-", "-"},
		{map[string]int{"syn": 1, "synack": 1}, map[string]int{}, "client", "connected"},
		{map[string]int{"syn": 3}, map[string]int{}, "client", "dropped"},
		{map[string]int{}, map[string]int{"syn": 1, "rst": 1}, "server", "refused"},
		{map[string]int{"rst": 1}, map[string]int{"syn": 2}, "server", "dropped"},
	} {
		if d, r := dialOf(c.client, c.server); d != c.dialer || r != c.result {
			t.Errorf("dialOf(%v, %v) = %s %s, want %s %s", c.client, c.server, d, r, c.dialer, c.result)
		}
	}
}

func TestParseCountersAndListening(t *testing.T) {
	listing := `table inet ftplab_watch {
	chain in {
		tcp sport != 21 tcp flags & (syn | ack) == syn | ack counter packets 2 bytes 120 comment "synack"
		tcp sport != 21 tcp flags rst / rst counter packets 0 bytes 0 comment "rst"
	}
}`
	m := parseCounters(listing)
	if m["synack"] != 2 || m["rst"] != 0 || len(m) != 2 {
		t.Errorf("parseCounters = %v", m)
	}
	tcp := "  sl  local_address rem_address   st\n   0: 1564C60A:0015 00000000:0000 0A 00000000\n"
	if !listening(tcp, 21) || listening(tcp, 20) {
		t.Error("listening misread /proc/net/tcp")
	}
}

func TestCurlArgsFollowTheMode(t *testing.T) {
	a := rowAddresses(Row{NAT: "client"})
	for mode, want := range map[ftp.Mode]string{
		ftp.ModePassive: "--disable-epsv --no-ftp-skip-pasv-ip",
		ftp.ModeActive:  "--ftp-port 192.168.1.10 --disable-eprt",
		ftp.ModeEPRT:    "--ftp-port 192.168.1.10 ftp://",
		ftp.ModeEPSV:    "/dev/null ftp://198.51.100.21:21/hello.txt",
	} {
		got := strings.Join(curlArgs(Row{Mode: mode, NAT: "client"}, a), " ")
		if !strings.Contains(got, want) || !strings.Contains(got, "--max-time") {
			t.Errorf("%s: %s lacks %q", mode, got, want)
		}
	}
}

func TestRulesetsFollowTheRow(t *testing.T) {
	for _, c := range []struct {
		row       Row
		want, not []string
	}{
		{Row{Firewall: "client"}, []string{"ct state new,related drop"}, []string{"ct helper", "router"}},
		{Row{Firewall: "client", Reject: true, ALG: true}, []string{"reject with tcp reset", `ct helper set "ftp-standard"`, "hook output"}, nil},
		{Row{Firewall: "server"}, []string{"tcp dport 21 ct state new accept"}, []string{"30000-30009"}},
		{Row{Firewall: "server", OpenPasv: true}, []string{"tcp dport 30000-30009 ct state new accept"}, nil},
		{Row{NAT: "client"}, []string{"snat to 203.0.113.5"}, []string{"ct helper"}},
		{Row{NAT: "server", ALG: true}, []string{"dnat to 10.0.0.21", "tcp dport { 21, 30000-30009 }", "ct helper set"}, nil},
	} {
		got := rulesetsText(c.row)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: rules lack %q:\n%s", c.row, w, got)
			}
		}
		for _, n := range c.not {
			if strings.Contains(got, n) {
				t.Errorf("%s: rules should not have %q:\n%s", c.row, n, got)
			}
		}
	}
}
