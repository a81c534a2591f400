package lessons

import (
	"context"
	"testing"

	"ftplab/sim"
	"ftplab/sim/scenario"
)

// TestPlaceholdersOnRealRuns fills placeholders at the events real runs
// produce: the parts of a control line, the decoded PORT/EPRT/227/229
// address with its arithmetic, and the endpoints of a verdict.
func TestPlaceholdersOnRealRuns(t *testing.T) {
	tests := []struct {
		sc   scenario.Scenario
		hook string
		text string
		want string
	}{
		{scenario.Scenario{Mode: "active"}, "command PORT", "{command} [{arg}] announces {addr} ({ip}, port {port} = {port_math})",
			"PORT [192,0,2,10,7,209] announces 192.0.2.10:2001 (192.0.2.10, port 2001 = 7*256+209 = 2001)"},
		{scenario.Scenario{Mode: "active"}, "reply 200 after PORT", "{code} answers {command}: {reply}",
			"200 answers PORT: PORT command successful. Consider using PASV."},
		{scenario.Scenario{Mode: "passive"}, "reply 227", "{addr}, port {port_math}", "198.51.100.21:30000, port 117*256+48 = 30000"},
		// A value is escaped: its * must not pair with one in the text.
		{scenario.Scenario{Mode: "passive"}, "reply 227 after PASV", "p1*256+p2 gives {port_math}", "p1*256+p2 gives 117*256+48 = 30000"},
		{scenario.Scenario{Mode: "eprt"}, "command EPRT", "{arg} is {addr}, port {port_math}", "|1|192.0.2.10|2001| is 192.0.2.10:2001, port 2001"},
		// 229 names only the port: the host is the one the client dialed.
		{scenario.Scenario{Mode: "epsv", NAT: "server"}, "reply 229", "{addr}", "198.51.100.21:30000"},
		// A verdict carries no endpoints of its own: they are its connection's.
		{scenario.Scenario{Mode: "passive", Firewall: "server"}, "verdict drop server-fw data", "{box} drops {from} -> {to}", "server-fw drops 192.0.2.10:49152 -> 198.51.100.21:30000"},
		{scenario.Scenario{Mode: "active", NAT: "client", ALG: true}, "rewrite", "{before_addr} becomes {addr}", "192.168.1.10:2001 becomes 203.0.113.5:2001"},
		{scenario.Scenario{Mode: "active"}, "command RETR", "[{addr}{port_math}{code}]", "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.hook, func(t *testing.T) {
			tt.sc.Name = "t"
			s, err := sim.Run(context.Background(), tt.sc, sim.Options{})
			if err != nil {
				t.Fatal(err)
			}
			h, err := parseHook(tt.hook)
			if err != nil {
				t.Fatal(err)
			}
			v := newView(s.Events)
			i := v.first(h)
			if i < 0 {
				t.Fatalf("%q matches nothing", tt.hook)
			}
			// As the learner reads it: the Markdown rendered, unwrapped.
			if got := Format(fill(tt.text, v, i), 0, "\n\n", func(s string, _ Style) string { return s }); got != tt.want {
				t.Errorf("fill(%q) = %q\nwant %q", tt.text, got, tt.want)
			}
		})
	}
}
