package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace/export"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// row is one line of netem's outcome table, as a scenario plus
// what the events must show.
type row struct {
	name string
	sc   scenario.Scenario
	ok   bool
	// check looks at the summary for the row's specific claim.
	check func(t *testing.T, s Summary)
}

func lastReply(s Summary) Reply {
	if len(s.Replies) == 0 {
		return Reply{}
	}
	return s.Replies[len(s.Replies)-1]
}

func hasReply(s Summary, code int, text string) bool {
	for _, r := range s.Replies {
		if r.Code == code && (text == "" || r.Text == text) {
			return true
		}
	}
	return false
}

func dataDial(t *testing.T, s Summary) DataDial {
	t.Helper()
	if len(s.DataDials) == 0 {
		t.Fatalf("no data dial in %+v", s)
	}
	return s.DataDials[0]
}

var table = []row{
	{"active", scenario.Scenario{Mode: ftp.ModeActive}, true, func(t *testing.T, s Summary) {
		d := dataDial(t, s)
		if d.Dialer != "server" || !strings.HasSuffix(d.From, ":20") || d.To != scenario.ClientPublicIP+":2001" || d.Result != "connected" {
			t.Errorf("data dial %+v: want server dials from port 20 to %s:2001, connected", d, scenario.ClientPublicIP)
		}
	}},
	{"active-client-firewall", scenario.Scenario{Mode: ftp.ModeActive, Firewall: "client", Expect: "fail"}, false, func(t *testing.T, s Summary) {
		d := dataDial(t, s)
		if d.Result != "dropped" || d.Box != "client-fw" || d.Rule == "" {
			t.Errorf("data dial %+v: want dropped by a named client-fw rule", d)
		}
		if !hasReply(s, 425, "Failed to establish connection.") {
			t.Errorf("replies %+v: want 425 Failed to establish connection.", s.Replies)
		}
		if s.VirtualMS < 60000 {
			t.Errorf("virtual time %.0f ms: the server's connect timeout (60 s) must pass in virtual time", s.VirtualMS)
		}
	}},
	{"active-client-firewall-reject", scenario.Scenario{Mode: ftp.ModeActive, Firewall: "client", Reject: true, Expect: "fail"}, false, func(t *testing.T, s Summary) {
		d := dataDial(t, s)
		if d.Result != "rejected" || !hasReply(s, 425, "") {
			t.Errorf("data dial %+v, replies %+v: want rejected, 425", d, s.Replies)
		}
		if s.VirtualMS > 5000 {
			t.Errorf("virtual time %.0f ms: REJECT must fail at once", s.VirtualMS)
		}
	}},
	{"active-client-firewall-alg", scenario.Scenario{Mode: ftp.ModeActive, Firewall: "client", ALG: true}, true, func(t *testing.T, s Summary) {
		if d := dataDial(t, s); d.State != "RELATED" || d.Result != "connected" {
			t.Errorf("data dial %+v: want RELATED via the helper's expectation, connected", d)
		}
	}},
	{"passive-client-firewall", scenario.Scenario{Mode: ftp.ModePassive, Firewall: "client"}, true, func(t *testing.T, s Summary) {
		if d := dataDial(t, s); d.Dialer != "client" || d.Result != "connected" || !strings.HasPrefix(d.To, scenario.ServerPublicIP+":3000") {
			t.Errorf("data dial %+v: want the client dialing the 227 port, connected", d)
		}
	}},
	{"passive-server-firewall", scenario.Scenario{Mode: ftp.ModePassive, Firewall: "server", Expect: "fail"}, false, func(t *testing.T, s Summary) {
		if d := dataDial(t, s); d.Result != "dropped" || d.Box != "server-fw" {
			t.Errorf("data dial %+v: want dropped at server-fw", d)
		}
		if r := lastReply(s); r.Code != 227 {
			t.Errorf("last reply %+v: the client's last reply must be the 227", r)
		}
	}},
	{"passive-port-range", scenario.Scenario{Mode: ftp.ModePassive, Firewall: "server", OpenPasv: true}, true, nil},
	{"client-nat", scenario.Scenario{Mode: ftp.ModeActive, NAT: "client", Expect: "fail"}, false, func(t *testing.T, s Summary) {
		if !hasReply(s, 500, "Illegal PORT command.") || len(s.DataDials) != 0 {
			t.Errorf("replies %+v dials %+v: want 500 Illegal PORT command. and no dial", s.Replies, s.DataDials)
		}
	}},
	{"client-nat-alg", scenario.Scenario{Mode: ftp.ModeActive, NAT: "client", ALG: true}, true, func(t *testing.T, s Summary) {
		if len(s.Rewrites) == 0 || !strings.Contains(s.Rewrites[0].Before, "192,168,1,10") || !strings.Contains(s.Rewrites[0].After, "203,0,113,5") {
			t.Errorf("rewrites %+v: want PORT 192,168,1,10 -> 203,0,113,5", s.Rewrites)
		}
	}},
	{"server-nat", scenario.Scenario{Mode: ftp.ModePassive, NAT: "server", Expect: "fail"}, false, func(t *testing.T, s Summary) {
		if !hasReplyPrefix(s, 227, "Entering Passive Mode (10,0,0,21,") {
			t.Errorf("replies %+v: want a 227 carrying the private address", s.Replies)
		}
		if d := dataDial(t, s); !strings.HasPrefix(d.To, scenario.ServerPrivateIP+":") || d.Result == "connected" {
			t.Errorf("data dial %+v: want a failed dial to the private address", d)
		}
	}},
	{"server-nat-pasv-address", scenario.Scenario{Mode: ftp.ModePassive, NAT: "server", PasvAddress: true}, true, nil},
	{"server-nat-skip-pasv-ip", scenario.Scenario{Mode: ftp.ModePassive, NAT: "server", SkipPasvIP: true}, true, nil},
	{"epsv-server-nat", scenario.Scenario{Mode: ftp.ModeEPSV, NAT: "server"}, true, func(t *testing.T, s Summary) {
		if !hasReplyPrefix(s, 229, "Entering Extended Passive Mode (|||") {
			t.Errorf("replies %+v: want a 229", s.Replies)
		}
	}},
	{"eprt-client-nat-alg", scenario.Scenario{Mode: ftp.ModeEPRT, NAT: "client", ALG: true}, true, func(t *testing.T, s Summary) {
		if len(s.Rewrites) == 0 || !strings.Contains(s.Rewrites[0].Before, "|1|192.168.1.10|") || !strings.Contains(s.Rewrites[0].After, "|1|203.0.113.5|") {
			t.Errorf("rewrites %+v: want EPRT rewritten to the public address", s.Rewrites)
		}
	}},
	{"tls-blinds-helper", scenario.Scenario{Mode: ftp.ModeActive, Firewall: "client", NAT: "client", ALG: true, TLS: true, Expect: "fail"}, false, func(t *testing.T, s Summary) {
		if len(s.Rewrites) != 0 {
			t.Errorf("rewrites %+v: a blind helper rewrites nothing", s.Rewrites)
		}
	}},
	{"bounce", scenario.Scenario{Mode: ftp.ModeActive, PortAddress: "198.51.100.99", Expect: "fail"}, false, func(t *testing.T, s Summary) {
		if !hasReply(s, 500, "Illegal PORT command.") {
			t.Errorf("replies %+v: want 500 Illegal PORT command.", s.Replies)
		}
	}},
	{"put-ls-latency", scenario.Scenario{Mode: ftp.ModePassive, Script: []string{"ls", "put notes.txt", "nlst", "get hello.txt"}, Latency: scenario.Duration(20e6)}, true, nil},
}

func hasReplyPrefix(s Summary, code int, prefix string) bool {
	for _, r := range s.Replies {
		if r.Code == code && strings.HasPrefix(r.Text, prefix) {
			return true
		}
	}
	return false
}

// TestOutcomeTable runs every row of netem's outcome table through the real
// endpoints and checks the outcome, the row's claim and the golden
// transcript and summary.
func TestOutcomeTable(t *testing.T) {
	for _, r := range table {
		t.Run(r.name, func(t *testing.T) {
			sc := r.sc
			sc.Name = r.name
			s, err := Run(context.Background(), sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if s.Summary.OK != r.ok || !s.Summary.AsExpected {
				t.Fatalf("ok=%v as_expected=%v (%s), want ok=%v", s.Summary.OK, s.Summary.AsExpected, s.Summary.Reason, r.ok)
			}
			if r.check != nil {
				r.check(t, s.Summary)
			}
			var text bytes.Buffer
			if err := export.Text(&text, s.Trace()); err != nil {
				t.Fatal(err)
			}
			js, _ := json.MarshalIndent(s.Summary, "", "  ")
			golden(t, r.name+".txt", text.Bytes())
			golden(t, r.name+".json", append(js, '\n'))
		})
	}
}

// TestDeterministic: two runs of the same scenario give the same events.
func TestDeterministic(t *testing.T) {
	sc := scenario.Scenario{Mode: ftp.ModeActive, Firewall: "client", Expect: "fail"}
	a, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 5; i++ {
		b, err := Run(context.Background(), sc, Options{})
		if err != nil {
			t.Fatal(err)
		}
		ja, _ := json.Marshal(a.Events)
		jb, _ := json.Marshal(b.Events)
		if !bytes.Equal(ja, jb) {
			t.Fatalf("run %d differs from the first:\n%s\n%s", i+2, ja, jb)
		}
	}
}

func TestRunRefusesBadScenario(t *testing.T) {
	for _, sc := range []scenario.Scenario{
		{Mode: "sideways"},
		{Firewall: "moat"},
		{OpenPasv: true},
		{Reject: true},
		{Script: []string{"rm -rf /"}},
	} {
		if _, err := Run(context.Background(), sc, Options{}); err == nil {
			t.Errorf("%+v: accepted", sc)
		}
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// BenchmarkScenario runs each row headless; the slowest is the figure the
// issue asks for (< 100 ms wall, timeouts included).
func BenchmarkScenario(b *testing.B) {
	for _, r := range table {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := Run(context.Background(), r.sc, Options{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
