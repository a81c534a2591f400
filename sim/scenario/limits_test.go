package scenario

import (
	"strings"
	"testing"
	"time"
)

// TestDurationsBounded: a duration past a day, such as the 2562047h that
// made virtual time overflow, is refused with the knob's name; a day is
// fine.
func TestDurationsBounded(t *testing.T) {
	huge := Duration(2562047 * time.Hour)
	for _, tt := range []struct {
		sc   Scenario
		want string
	}{
		{Scenario{Latency: huge}, "latency 2562047h0m0s: at most 24h0m0s"},
		{Scenario{StallAfter: 10, StallFor: huge}, "stall_for 2562047h0m0s: at most 24h0m0s"},
		{Scenario{DataWait: huge}, "data_timeout 2562047h0m0s: at most"},
		{Scenario{ConnectWait: huge}, "connect_timeout 2562047h0m0s: at most"},
		{Scenario{ClientWait: MaxDuration + 1}, "client_timeout 24h0m0.000000001s: at most"},
	} {
		err := tt.sc.Defaults().Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", tt.sc, err, tt.want)
		}
	}
	day := Scenario{Latency: MaxDuration, StallAfter: 1, StallFor: MaxDuration, DataWait: MaxDuration, ConnectWait: MaxDuration, ClientWait: MaxDuration}
	if err := day.Defaults().Validate(); err != nil {
		t.Errorf("a day each: %v", err)
	}
}
