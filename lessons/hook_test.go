package lessons

import (
	"context"
	"strings"
	"testing"

	"ftplab/sim"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

func TestParseHookForms(t *testing.T) {
	tests := []struct {
		in   string
		want hook
	}{
		// Old forms keep working.
		{"syn data client", hook{kind: "syn", who: "client", channel: trace.Data}},
		{"close data", hook{kind: "close", channel: trace.Data}},
		{"verdict drop client-fw", hook{kind: "verdict", arg: "drop", who: "client-fw"}},
		{"command PORT", hook{kind: "command", arg: "PORT"}},
		{"reply 227", hook{kind: "reply", arg: "227"}},
		// Connection qualifiers.
		{"listen server data", hook{kind: "listen", who: "server", channel: trace.Data}},
		{"verdict accept server-fw data", hook{kind: "verdict", arg: "accept", who: "server-fw", channel: trace.Data}},
		{"syn data 2 server", hook{kind: "syn", who: "server", channel: trace.Data, nth: 2}},
		{"nat server-nat port 30000", hook{kind: "nat", who: "server-nat", port: 30000}},
		{"reply 200 after PORT", hook{kind: "reply", arg: "200", after: "PORT"}},
		{"syn control", hook{kind: "syn", channel: trace.Control}},
		{"command port", hook{kind: "command", arg: "PORT"}},
	}
	for _, tt := range tests {
		got, err := parseHook(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("parseHook(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"syn data 0", "listen port", "listen port 70000", "reply 200 after", "syn data control", "close 2", "syn sideways", "verdict accept port 21 x y"} {
		if _, err := parseHook(bad); err == nil {
			t.Errorf("parseHook(%q) accepted", bad)
		}
	}
}

// TestHooksFindTheRightConnection plays an active-mode run with a client
// firewall and helper through the real endpoints and checks which event
// each hook lands on.
func TestHooksFindTheRightConnection(t *testing.T) {
	s, err := sim.Run(context.Background(), scenario.Scenario{Name: "t", Mode: "passive", Firewall: "server", OpenPasv: true, Script: []string{"ls", "get hello.txt"}}, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	v := newView(s.Events)
	tests := []struct {
		hook string
		want string // trace.Describe of the first match, a fragment
	}{
		{"listen server", "listens on 198.51.100.21:21"},
		{"listen server control", "listens on 198.51.100.21:21"},
		{"listen server data", "listens on 198.51.100.21:30000"},
		{"listen server data 2", "listens on 198.51.100.21:30001"},
		{"verdict accept server-fw", "[control #1]"},
		{"verdict accept server-fw data", "[data #2]"},
		{"verdict accept server-fw data 2", "[data #3]"},
		{"verdict accept server-fw port 30001", "[data #3]"},
		{"syn port 21", "[control #1]"},
		{"reply 226 after RETR", "226"},
		{"reply 150 after RETR", "hello.txt"},
		{"reply 150", "Here comes the directory listing"},
		{"close data 2", "[data #3]"},
	}
	for _, tt := range tests {
		h, err := parseHook(tt.hook)
		if err != nil {
			t.Fatal(err)
		}
		i := v.first(h)
		if i < 0 {
			t.Errorf("%q matches nothing", tt.hook)
			continue
		}
		if d := trace.Describe(s.Events[i]); !strings.Contains(d, tt.want) {
			t.Errorf("%q first matches event %d %q, want one with %q", tt.hook, i, d, tt.want)
		}
	}
}

// TestCheckWarnsOnAmbiguousHooks: a hook that names no connection but
// matches several, or a reply code answering several commands, is a
// warning at its line; naming the connection silences it.
func TestCheckWarnsOnAmbiguousHooks(t *testing.T) {
	const head = "---\ntitle: T\nscenario:\n  mode: passive\n  firewall: server\n  open_pasv: true\n  script: [ls, get hello.txt]\n---\nIntro.\n"
	tests := []struct {
		name, body, want string
	}{
		{"listen", "## once on listen server\nx\n", "x.md:10: warning: section \"on listen server\" is ambiguous: it matches events on 3 connections (listen 198.51.100.21:21, listen 198.51.100.21:30000, listen 198.51.100.21:30001)"},
		{"verdict", "## on verdict accept server-fw\nx\n", "x.md:10: warning: section \"on verdict accept server-fw\" is ambiguous: it matches events on 3 connections (control #1, data #2, data #3)"},
		{"reply", "## once on reply 150\nx\n", "x.md:10: warning: section \"on reply 150\" is ambiguous: it matches replies to 2 commands"},
		{"empty placeholder", "## once on result ok\nsent to {to}\n", "x.md:10: warning: section \"on result ok\": {to} is empty at event"},
		{"prediction", "## on result ok\nx\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("x.md", []byte(head+tt.body))
			if err != nil {
				t.Fatal(err)
			}
			err = l.CheckRun(context.Background())
			if tt.want == "" {
				if err != nil {
					t.Errorf("unexpected: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v\nwant %q", err, tt.want)
			}
		})
	}
	qualified := map[string]string{"listen": "## once on listen server data\nx\n", "verdict": "## on verdict accept server-fw data\nx\n", "reply": "## once on reply 150 after RETR\nx\n"}
	for name, body := range qualified {
		l, err := Parse("x.md", []byte(head+body))
		if err != nil {
			t.Fatal(err)
		}
		if err := l.CheckRun(context.Background()); err != nil && !strings.Contains(err.Error(), "never speaks") {
			t.Errorf("%s qualified: %v", name, err)
		}
	}
}
