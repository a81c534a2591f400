package sim

import (
	"context"
	"fmt"
	"testing"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// TestSYNSchedule: the scenario's syn_schedule decides when a dropped SYN
// is sent again, up to the dialer's connect timeout (vsftpd's 60 s here).
func TestSYNSchedule(t *testing.T) {
	tests := []struct {
		schedule string
		want     string // seconds after the first SYN
	}{
		{"", "[1 2 3 4 5 7 11 19 35]"},
		{"linux", "[1 2 3 4 5 7 11 19 35]"},
		{"linux-pre-6.5", "[1 3 7 15 31]"},
	}
	for _, tt := range tests {
		t.Run(tt.schedule, func(t *testing.T) {
			s, err := Run(context.Background(), scenario.Scenario{Name: "t", Mode: ftp.ModeActive, Firewall: "client", Expect: "fail", SYNSchedule: tt.schedule}, Options{})
			if err != nil {
				t.Fatal(err)
			}
			var first int64 = -1
			var at []int64
			for _, e := range s.Events {
				switch {
				case e.Kind == trace.SYN && e.Channel == trace.Data:
					first = e.T
				case e.Kind == trace.Retransmit:
					at = append(at, (e.T-first)/1e6)
				}
			}
			if got := fmt.Sprint(at); got != tt.want {
				t.Errorf("retransmissions at %s s, want %s", got, tt.want)
			}
		})
	}
	if err := (scenario.Scenario{SYNSchedule: "windows"}).Defaults().Validate(); err == nil {
		t.Error("syn_schedule windows accepted")
	}
}
