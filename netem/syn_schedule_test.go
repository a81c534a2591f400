package netem

import (
	"fmt"
	"testing"
	"time"
)

func TestSYNLinearThenDoubling(t *testing.T) {
	tests := []struct {
		linear int
		limit  time.Duration
		want   string
	}{
		// Linux >= 6.5, tcp_syn_linear_timeouts = 4: the SYNs measured on
		// 6.18 left at 0, 1.02, 2.05, 3.07, 4.09, 5.11, 7.13, 11.19, 19.39,
		// 35.51 s (docs/fidelity.md).
		{5, 75 * time.Second, "[1s 2s 3s 4s 5s 7s 11s 19s 35s 1m7s]"},
		// Before 6.5 the wait doubles from the start.
		{1, 75 * time.Second, "[1s 3s 7s 15s 31s 1m3s]"},
		{0, 75 * time.Second, "[1s 3s 7s 15s 31s 1m3s]"},
		{5, 4 * time.Second, "[1s 2s 3s 4s]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(SYNLinearThenDoubling(tt.linear, tt.limit)); got != tt.want {
			t.Errorf("SYNLinearThenDoubling(%d, %s) = %s, want %s", tt.linear, tt.limit, got, tt.want)
		}
	}
}

func TestAddHostRefusesABadSYNSchedule(t *testing.T) {
	w := New(Options{})
	for _, s := range [][]time.Duration{{0}, {2 * time.Second, time.Second}} {
		if _, err := w.AddHost(HostConfig{Name: "c", Addr: "192.0.2.10", SYNSchedule: s}); err == nil {
			t.Errorf("SYN schedule %v accepted", s)
		}
	}
}
