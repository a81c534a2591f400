package scenario

import (
	"strings"
	"testing"
	"time"
)

// TestBoxKnobsValidate: each knob of the boxes, the ports and the SYN
// schedule refuses an impossible value or a missing box with an error
// naming the knob.
func TestBoxKnobsValidate(t *testing.T) {
	for _, tt := range []struct {
		sc   Scenario
		want string // "" = valid
	}{
		{Scenario{SYNSchedule: "linux"}, ""},
		{Scenario{SYNSchedule: "linux-pre-6.5"}, ""},
		{Scenario{SYNSchedule: "bsd"}, `syn_schedule "bsd": want one of linux, linux-pre-6.5`},
		{Scenario{Firewall: "client", Reject: true, RejectWith: "icmp-admin-prohibited"}, ""},
		{Scenario{Firewall: "client", Reject: true, RejectWith: "icmp"}, `reject_with "icmp": want one of tcp-reset`},
		{Scenario{Firewall: "client", RejectWith: "tcp-reset"}, "reject_with tcp-reset needs reject"},
		{Scenario{Firewall: "server", ServerEgress: true}, ""},
		{Scenario{Firewall: "client", ServerEgress: true}, "server_egress needs a server firewall"},
		{Scenario{ControlPort: 2121}, ""},
		{Scenario{ControlPort: 20}, "control_port 20: want 1-65535, not 20"},
		{Scenario{ControlPort: 30005}, "control_port 30005"},
		{Scenario{ControlPort: 70000}, "control_port 70000"},
		{Scenario{ALG: true, ALGPorts: []int{21, 2121}}, ""},
		{Scenario{ALG: true, ALGPorts: []int{0}}, "alg_ports 0: want 1-65535"},
		{Scenario{ALGPorts: []int{2121}}, "alg_ports needs a helper"},
		{Scenario{Firewall: "both", ALGAt: []string{"client-fw", "server-fw"}}, ""},
		{Scenario{Firewall: "both", ALG: true, ALGAt: []string{"client-fw"}}, "alg_at and alg"},
		{Scenario{Firewall: "client", ALGAt: []string{"server-fw"}}, "alg_at server-fw: this scenario has no server-fw"},
		{Scenario{NAT: "client", ALGAt: []string{"router"}}, `alg_at "router": want boxes from client-fw`},
		{Scenario{NAT: "client", ALGAt: []string{"client-nat", "client-nat"}}, "alg_at client-nat: named twice"},
		{Scenario{NAT: "server", Forward: "control"}, ""},
		{Scenario{NAT: "server", Forward: "some"}, `forward "some": want one of all, control`},
		{Scenario{NAT: "client", Forward: "control"}, "forward control needs a server NAT"},
		{Scenario{ConnectWait: Duration(-time.Second)}, "connect_timeout -1s: must not be negative"},
		{Scenario{SplitCommands: -1}, "split_commands -1: must not be negative"},
		{Scenario{SplitCommands: 2}, ""},
		{Scenario{Pause: Duration(10 * time.Second)}, ""},
		{Scenario{Pause: Duration(-time.Second)}, "pause -1s: must not be negative"},
		{Scenario{Pause: Duration(6 * time.Minute)}, "pause 6m0s: the server hangs up after 5m0s"},
		{Scenario{Pause: Duration(6 * time.Minute), IdleTimeout: Duration(10 * time.Minute)}, ""},
		{Scenario{Client: "lftp"}, ""},
		{Scenario{IP: 6, Mode: "epsv"}, ""},
		{Scenario{IP: 6, Mode: "eprt"}, ""},
		{Scenario{IP: 6, Mode: "passive"}, "ip 6 with mode passive: PASV's 227 cannot carry an IPv6 address"},
		{Scenario{IP: 6, Mode: "active"}, "ip 6 with mode active: PORT cannot carry an IPv6 address"},
		{Scenario{IP: 6, Mode: "passive", Expect: "fail"}, ""},
		{Scenario{IP: 6, Mode: "epsv", PasvAddress: true}, "pasv_address with ip 6"},
		{Scenario{IP: 5}, "ip 5: want 4 or 6"},
		{Scenario{Client: "wget"}, `client "wget": want one of classic, curl, lftp, ftplib`},
		{Scenario{Client: "ftplib", Mode: "epsv"}, "client ftplib with mode epsv"},
	} {
		err := tt.sc.Defaults().Validate()
		switch {
		case tt.want == "" && err != nil:
			t.Errorf("%+v: %v", tt.sc, err)
		case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
			t.Errorf("%+v: error %v, want %q", tt.sc, err, tt.want)
		}
	}
}

func TestPortAndHelper(t *testing.T) {
	if p := (Scenario{}).Port(); p != 21 {
		t.Errorf("default port %d", p)
	}
	if p := (Scenario{ControlPort: 2121}).HelperPorts(); len(p) != 1 || p[0] != 21 {
		t.Errorf("a helper is attached for 21 unless told otherwise, not the control port: %v", p)
	}
	sc := Scenario{ALGAt: []string{"server-nat"}}
	if !sc.HelperOn("server-nat") || sc.HelperOn("client-fw") || !(Scenario{ALG: true}).HelperOn("client-fw") {
		t.Error("HelperOn")
	}
}
