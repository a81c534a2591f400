package sim

import (
	"context"
	"strings"
	"testing"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
)

// TestIPv6Stage: the IPv6 stage plays EPSV and EPRT through the boxes; the
// client NAT's helper writes the public address uncompressed into EPRT, as
// nf_nat_ftp does; PASV is refused by the server.
func TestIPv6Stage(t *testing.T) {
	for _, tt := range []struct {
		name    string
		sc      scenario.Scenario
		ok      bool
		rewrite string
	}{
		{"epsv", scenario.Scenario{IP: 6, Mode: ftp.ModeEPSV}, true, ""},
		{"eprt through NAT66 with the helper", scenario.Scenario{IP: 6, Mode: ftp.ModeEPRT, NAT: "client", ALG: true}, true, "EPRT |2|2001:0db8:000a:0000:0000:0000:0000:0005|2001|"},
		{"eprt through NAT66 without", scenario.Scenario{IP: 6, Mode: ftp.ModeEPRT, NAT: "client", Expect: "fail"}, false, ""},
		{"pasv", scenario.Scenario{IP: 6, Mode: ftp.ModePassive, Expect: "fail"}, false, ""},
	} {
		s, err := Run(context.Background(), tt.sc, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if s.Summary.OK != tt.ok {
			t.Errorf("%s: ok=%v (%s)", tt.name, s.Summary.OK, s.Summary.Reason)
		}
		if tt.rewrite != "" && (len(s.Summary.Rewrites) != 1 || s.Summary.Rewrites[0].After != tt.rewrite) {
			t.Errorf("%s: rewrites %+v, want %q", tt.name, s.Summary.Rewrites, tt.rewrite)
		}
		if !strings.Contains(s.Header.Topology.Hosts[0].Addr, ":") {
			t.Errorf("%s: client at %s, not IPv6", tt.name, s.Header.Topology.Hosts[0].Addr)
		}
	}
}
