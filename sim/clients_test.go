package sim

import (
	"context"
	"strings"
	"testing"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
)

// TestClientProfiles: each profile does what the real client does on the
// same network (verify-kernel plays the same rows with curl, lftp and
// ftplib): lftp rescues active mode behind a NAT by switching to passive
// and fixes a private 227; curl and ftplib ignore the 227 address; curl
// tries PASV when EPSV's connection fails.
func TestClientProfiles(t *testing.T) {
	for _, tt := range []struct {
		name  string
		sc    scenario.Scenario
		ok    bool
		dials []string // dialer:result of each data connection
	}{
		{"classic, active behind NAT", scenario.Scenario{Mode: ftp.ModeActive, NAT: "client"}, false, nil},
		{"lftp, active behind NAT", scenario.Scenario{Mode: ftp.ModeActive, NAT: "client", Client: "lftp"}, true, []string{"client:connected"}},
		{"ftplib, active behind NAT", scenario.Scenario{Mode: ftp.ModeActive, NAT: "client", Client: "ftplib"}, false, nil},
		{"classic, private 227", scenario.Scenario{Mode: ftp.ModePassive, NAT: "server"}, false, []string{"client:dropped"}},
		{"lftp, private 227", scenario.Scenario{Mode: ftp.ModePassive, NAT: "server", Client: "lftp"}, true, []string{"client:connected"}},
		{"curl, private 227", scenario.Scenario{Mode: ftp.ModePassive, NAT: "server", Client: "curl"}, true, []string{"client:connected"}},
		{"ftplib, private 227", scenario.Scenario{Mode: ftp.ModePassive, NAT: "server", Client: "ftplib"}, true, []string{"client:connected"}},
		{"curl, EPSV then PASV", scenario.Scenario{Mode: ftp.ModeEPSV, NAT: "server", Forward: "control", Client: "curl"}, false, []string{"client:rejected", "client:rejected"}},
		{"classic, EPSV only", scenario.Scenario{Mode: ftp.ModeEPSV, NAT: "server", Forward: "control"}, false, []string{"client:rejected"}},
	} {
		tt.sc.Expect = "fail"
		if tt.ok {
			tt.sc.Expect = "ok"
		}
		s, err := Run(context.Background(), tt.sc, Options{})
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		var dials []string
		for _, d := range s.Summary.DataDials {
			dials = append(dials, d.Dialer+":"+d.Result)
		}
		if s.Summary.OK != tt.ok || strings.Join(dials, " ") != strings.Join(tt.dials, " ") {
			t.Errorf("%s: ok=%v dials %v, want ok=%v %v (%s)", tt.name, s.Summary.OK, dials, tt.ok, tt.dials, s.Summary.Reason)
		}
	}
	if _, err := Run(context.Background(), scenario.Scenario{Mode: ftp.ModeEPSV, Client: "ftplib"}, Options{}); err == nil || !strings.Contains(err.Error(), "ftplib uses PASV") {
		t.Errorf("ftplib with EPSV: %v", err)
	}
	if _, err := Run(context.Background(), scenario.Scenario{Client: "wget"}, Options{}); err == nil || !strings.Contains(err.Error(), `client "wget"`) {
		t.Errorf("an unknown client: %v", err)
	}
}
