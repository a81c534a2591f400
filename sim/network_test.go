package sim

import (
	"testing"
	"time"

	"ftplab/netem"
	"ftplab/sim/scenario"
)

// TestLinkOfScenario: the link knobs reach netem unchanged.
func TestLinkOfScenario(t *testing.T) {
	ok := scenario.Scenario{Bandwidth: 256 << 10, StallAfter: 64 << 10, StallFor: scenario.Duration(10 * time.Second), ResetAfter: 1000, FileSize: 1 << 20}
	want := netem.Link{Latency: 5 * time.Millisecond, Bandwidth: 256 << 10, StallAfter: 64 << 10, StallFor: 10 * time.Second, ResetAfter: 1000}
	if got := link(ok.Defaults()); got != want {
		t.Errorf("link %+v, want %+v", got, want)
	}
}
