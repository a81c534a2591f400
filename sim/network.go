package sim

import (
	"time"

	"ftplab/netem"
	"ftplab/sim/scenario"
)

// link is the scenario's netem link.
func link(s scenario.Scenario) netem.Link {
	return netem.Link{
		Latency:    time.Duration(s.Latency),
		Bandwidth:  int64(s.Bandwidth),
		StallAfter: int64(s.StallAfter),
		StallFor:   time.Duration(s.StallFor),
		ResetAfter: int64(s.ResetAfter),
	}
}
