package netem

import (
	"fmt"

	"ftplab/sim/trace"
)

// Reset tears a data connection down with a RST after After bytes.
type Reset struct{ After int64 }

// Start gives each data connection the reset; control connections are
// left alone.
func (r Reset) Start(ch trace.Channel) FaultState {
	if ch != trace.Data || r.After <= 0 {
		return nil
	}
	return r
}

// At is the reset point.
func (r Reset) At(sent int64) int64 {
	if sent < r.After {
		return r.After
	}
	return -1
}

// Act resets both ends.
func (r Reset) Act(w Wire) error {
	return w.Reset(fmt.Sprintf("link reset the connection after %d bytes", r.After))
}
