package sim

import (
	"reflect"
	"testing"
	"time"

	"ftplab/netem"
	"ftplab/sim/scenario"
)

// TestLinkOfScenario: the link knobs reach netem unchanged.
func TestLinkOfScenario(t *testing.T) {
	ok := scenario.Scenario{Bandwidth: 256 << 10, StallAfter: 64 << 10, StallFor: scenario.Duration(10 * time.Second), ResetAfter: 1000, FileSize: 1 << 20}
	want := netem.Link{Latency: 5 * time.Millisecond, Bandwidth: 256 << 10, Faults: []netem.Fault{
		netem.Stall{After: 64 << 10, For: 10 * time.Second}, netem.Reset{After: 1000},
	}}
	if got := link(ok.Defaults()); !reflect.DeepEqual(got, want) {
		t.Errorf("link %+v, want %+v", got, want)
	}
}
