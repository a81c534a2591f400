package trace_test

import (
	"bytes"
	"strings"
	"testing"

	"ftplab/sim/trace"
)

// TestWriteRefusesWhatReadRefuses: Write writes nothing for a trace Read
// would refuse, and says which event is wrong.
func TestWriteRefusesWhatReadRefuses(t *testing.T) {
	note := func(seq int) trace.Event { return trace.Event{Seq: seq, Kind: trace.Note} }
	tests := []struct {
		name string
		t    trace.Trace
		want string // "" = accepted
	}{
		{"good", trace.Trace{Events: []trace.Event{note(0), note(5), {Seq: 6, Kind: "from-the-future"}}}, ""},
		{"version 2", trace.Trace{Header: trace.Header{Version: 2}}, "version 2"},
		{"no kind", trace.Trace{Events: []trace.Event{note(0), {Seq: 1}}}, "has no kind"},
		{"repeated seq", trace.Trace{Events: []trace.Event{note(0), note(0)}}, "seq 0 does not follow 0"},
		{"seq backwards", trace.Trace{Events: []trace.Event{note(0), note(5), note(3)}}, "seq 3 does not follow 5"},
	}
	for _, tt := range tests {
		var out bytes.Buffer
		err := trace.Write(&out, tt.t)
		if tt.want == "" {
			if err != nil {
				t.Errorf("%s: Write: %v", tt.name, err)
				continue
			}
			if got, err := trace.Read(&out); err != nil || len(got.Events) != len(tt.t.Events) {
				t.Errorf("%s: reads back as %d events, %v", tt.name, len(got.Events), err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) || out.Len() != 0 {
			t.Errorf("%s: err = %v (want %q), %d bytes written (want 0)", tt.name, err, tt.want, out.Len())
		}
	}
}
