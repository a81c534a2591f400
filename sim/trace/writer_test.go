package trace_test

import (
	"bytes"
	"strings"
	"testing"

	"ftplab/sim/trace"
)

// TestWriterRefusesWhatReadRefuses: a recording stays readable up to its
// last line, and a whole-trace Write writes nothing for a bad trace.
func TestWriterRefusesWhatReadRefuses(t *testing.T) {
	if _, err := trace.NewWriter(&bytes.Buffer{}, trace.Header{Version: 2}); err == nil || !strings.Contains(err.Error(), "version 2") {
		t.Errorf("NewWriter version 2: err = %v", err)
	}
	var b bytes.Buffer
	w, err := trace.NewWriter(&b, trace.Header{Name: "live"})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		e    trace.Event
		want string // "" = accepted
	}{
		{trace.Event{Seq: 0, Kind: trace.Note, Text: "start"}, ""},
		{trace.Event{Seq: 1}, "has no kind"},
		{trace.Event{Seq: 0, Kind: trace.Note}, "seq 0 does not follow 0"},
		{trace.Event{Seq: 5, Kind: trace.Note}, ""},
		{trace.Event{Seq: 3, Kind: trace.Note}, "seq 3 does not follow 5"},
		{trace.Event{Seq: 6, Kind: "from-the-future"}, ""},
	}
	for _, s := range steps {
		err := w.Event(s.e)
		if (err == nil) != (s.want == "") || (err != nil && !strings.Contains(err.Error(), s.want)) {
			t.Errorf("Event(%+v): err = %v, want %q", s.e, err, s.want)
		}
	}
	got, err := trace.Read(&b)
	if err != nil || len(got.Events) != 3 {
		t.Fatalf("the recording reads back as %d events, %v; want 3", len(got.Events), err)
	}

	bad := trace.Trace{Events: []trace.Event{{Seq: 0, Kind: trace.Note}, {Seq: 0, Kind: trace.Note}}}
	var out bytes.Buffer
	if err := trace.Write(&out, bad); err == nil || out.Len() != 0 {
		t.Errorf("Write of a repeated seq: err = %v, %d bytes written", err, out.Len())
	}
}
