package sim

import (
	"context"
	"strings"
	"testing"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// TestEPSVAll: with epsv_all the client promises EPSV ALL before its first
// EPSV, the server accepts, and the transfer goes through both NATs.
func TestEPSVAll(t *testing.T) {
	s, err := Run(context.Background(), scenario.Scenario{Name: "t", Mode: ftp.ModeEPSV, NAT: "both", EPSVAll: true, Script: []string{"ls", "get hello.txt"}}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range s.Events {
		if e.Kind == trace.Segment && e.Channel == trace.Control && e.Text != "" {
			lines = append(lines, e.Text)
		}
	}
	got := strings.Join(lines, "\n")
	if !s.Summary.OK || strings.Count(got, "EPSV ALL") != 2 || !strings.Contains(got, "EPSV ALL\n200 EPSV ALL ok.\nEPSV\n229 ") {
		t.Errorf("ok=%v (%s); control lines:\n%s\nwant EPSV ALL once, answered 200, then EPSV", s.Summary.OK, s.Summary.Reason, got)
	}
	if err := (scenario.Scenario{Mode: ftp.ModePassive, EPSVAll: true}).Defaults().Validate(); err == nil || !strings.Contains(err.Error(), "epsv_all needs mode epsv") {
		t.Errorf("epsv_all with passive: %v", err)
	}
}
