package netem

import (
	"fmt"
	"time"

	"ftplab/sim/trace"
)

// Stall holds a data connection still once, after After bytes, for For
// (virtual time). An end whose data timeout is shorter gives up during the
// stall.
type Stall struct {
	After int64
	For   time.Duration
}

// Start gives each data connection the stall; control connections never
// stall.
func (s Stall) Start(ch trace.Channel) FaultState {
	if ch != trace.Data || s.After <= 0 {
		return nil
	}
	return s
}

// At is the stall point, until it has passed.
func (s Stall) At(sent int64) int64 {
	if sent < s.After {
		return s.After
	}
	return -1
}

// Act stalls, says so, and resumes unless an end gave up.
func (s Stall) Act(w Wire) error {
	w.Note(fmt.Sprintf("link stalls for %s after %d bytes", s.For, s.After))
	if err := w.Wait(s.For); err != nil {
		return err
	}
	w.Note(fmt.Sprintf("link resumes after a stall of %s", s.For))
	return nil
}
