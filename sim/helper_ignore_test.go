package sim

import (
	"context"
	"testing"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// TestHelperIgnoresAForeignAddress: a PORT naming an address that is not
// the sender's gets no expectation and no rewrite from the helper
// (nf_conntrack_ftp, loose=0), and the trace says so with the reason.
func TestHelperIgnoresAForeignAddress(t *testing.T) {
	s, err := Run(context.Background(), scenario.Scenario{Name: "t", Mode: ftp.ModeActive, NAT: "client", ALG: true, PortAddress: "203.0.113.5", Expect: "fail"}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var ignored []trace.Event
	for _, e := range s.Events {
		switch e.Kind {
		case trace.Ignore:
			ignored = append(ignored, e)
		case trace.Expect, trace.Rewrite:
			t.Errorf("the helper acted on a foreign address: %s", trace.Describe(e))
		}
	}
	const why = "PORT names 203.0.113.5, not the sender 192.168.1.10: no expectation (loose=0)"
	if len(ignored) != 1 || ignored[0].Box != "client-nat" || ignored[0].Text != why || ignored[0].To != "203.0.113.5:2001" {
		t.Errorf("ignore events %+v, want one by client-nat: %q", ignored, why)
	}
	if !s.Summary.AsExpected {
		t.Errorf("ok=%v: %s", s.Summary.OK, s.Summary.Reason)
	}
}
