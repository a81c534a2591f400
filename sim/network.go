package sim

import (
	"time"

	"ftplab/netem"
	"ftplab/sim/scenario"
)

// link is the scenario's netem link: latency and bandwidth, and the
// published fault knobs as netem faults (a stall acts before a reset at the
// same byte).
func link(s scenario.Scenario) netem.Link {
	l := netem.Link{Latency: time.Duration(s.Latency), Bandwidth: int64(s.Bandwidth)}
	if s.StallAfter > 0 {
		l.Faults = append(l.Faults, netem.Stall{After: int64(s.StallAfter), For: time.Duration(s.StallFor)})
	}
	if s.ResetAfter > 0 {
		l.Faults = append(l.Faults, netem.Reset{After: int64(s.ResetAfter)})
	}
	return l
}
