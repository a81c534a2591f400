package scenario

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func TestBytesAndRateParse(t *testing.T) {
	for _, tt := range []struct {
		in   string
		want int64
	}{
		{"0", 0}, {"1000", 1000}, {"65536", 65536}, {"64KiB", 64 << 10}, {"64 kib", 64 << 10},
		{"1MiB", 1 << 20}, {"1.5MiB", 3 << 19}, {"2kB", 2000}, {"2KB", 2000}, {"1MB", 1e6},
		{"1GiB", 1 << 30}, {"512B", 512},
	} {
		var b Bytes
		if err := b.UnmarshalText([]byte(tt.in)); err != nil || int64(b) != tt.want {
			t.Errorf("Bytes %q = %d, %v; want %d", tt.in, b, err, tt.want)
		}
		var r Rate
		if err := r.UnmarshalText([]byte(tt.in + "/s")); err != nil || int64(r) != tt.want {
			t.Errorf("Rate %q = %d, %v; want %d", tt.in+"/s", r, err, tt.want)
		}
		if err := r.UnmarshalText([]byte(tt.in)); err != nil || int64(r) != tt.want {
			t.Errorf("Rate %q = %d, %v; want %d (plain bytes/s)", tt.in, r, err, tt.want)
		}
	}
	for _, in := range []string{"", "x", "1MiB/s/s", "-1", "-64KiB", "1e300", "NaN", "inf", "0x10", "1_000", "1 TiB", "12 parsecs"} {
		var r Rate
		if err := r.UnmarshalText([]byte(in)); err == nil {
			t.Errorf("Rate %q accepted as %d", in, r)
		} else if !strings.Contains(err.Error(), "bandwidth") || !strings.Contains(err.Error(), in) {
			t.Errorf("Rate %q: error %q should name the bandwidth and the value", in, err)
		}
	}
	var b Bytes
	if err := b.UnmarshalText([]byte("1MiB/s")); err == nil {
		t.Error("a size with /s accepted")
	}
	if got := Rate(256 << 10).String(); got != "256KiB/s" {
		t.Errorf("Rate string %q", got)
	}
	if got := Bytes(1000).String(); got != "1000" {
		t.Errorf("Bytes string %q", got)
	}
}

// TestLinkKnobsValidate: a negative knob and half a stall are refused with
// an error naming the knob(s).
func TestLinkKnobsValidate(t *testing.T) {
	for _, tt := range []struct {
		sc   Scenario
		want []string
	}{
		{Scenario{Bandwidth: -1}, []string{"bandwidth -1: must not be negative"}},
		{Scenario{ResetAfter: -5}, []string{"reset_after -5: must not be negative"}},
		{Scenario{StallAfter: -1, StallFor: Duration(time.Second)}, []string{"stall_after -1: must not be negative"}},
		{Scenario{StallAfter: 10, StallFor: Duration(-time.Second)}, []string{"stall_for -1s: must not be negative"}},
		{Scenario{Latency: Duration(-time.Millisecond)}, []string{"latency -1ms: must not be negative"}},
		{Scenario{FileSize: -1}, []string{"file_size -1: must not be negative"}},
		{Scenario{FileSize: MaxFileSize + 1}, []string{"file_size 67108865: at most"}},
		{Scenario{StallAfter: 65536}, []string{"stall_after 65536 needs stall_for", "set both or neither"}},
		{Scenario{StallFor: Duration(10 * time.Second)}, []string{"stall_for 10s needs stall_after", "set both or neither"}},
	} {
		err := tt.sc.Defaults().Validate()
		if err == nil {
			t.Errorf("%+v: accepted", tt.sc)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q lacks %q", tt.sc, err, w)
			}
		}
	}
	ok := Scenario{Bandwidth: 256 << 10, StallAfter: 64 << 10, StallFor: Duration(10 * time.Second), ResetAfter: 1000, FileSize: 1 << 20}
	if err := ok.Defaults().Validate(); err != nil {
		t.Fatal(err)
	}
}

// TestLinkKnobsYAMLAndJSON: a lesson's front matter (YAML, unknown fields
// refused as lessons do) and a trace header (JSON) carry the knobs; JSON
// writes numbers and reads numbers or strings.
func TestLinkKnobsYAMLAndJSON(t *testing.T) {
	src := "mode: active\nbandwidth: 256KiB/s\nstall_after: 64KiB\nstall_for: 10s\nreset_after: 1000\nfile_size: 1MiB\n"
	var sc Scenario
	dec := yaml.NewDecoder(strings.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(&sc); err != nil {
		t.Fatal(err)
	}
	want := Scenario{Mode: "active", Bandwidth: 256 << 10, StallAfter: 64 << 10, StallFor: Duration(10 * time.Second), ResetAfter: 1000, FileSize: 1 << 20}
	if sc.Mode != want.Mode || sc.Bandwidth != want.Bandwidth || sc.StallAfter != want.StallAfter || sc.StallFor != want.StallFor || sc.ResetAfter != want.ResetAfter || sc.FileSize != want.FileSize {
		t.Errorf("YAML gave %+v, want %+v", sc, want)
	}
	var plain Scenario
	if err := yaml.Unmarshal([]byte("bandwidth: 262144\nreset_after: 1000\n"), &plain); err != nil || plain.Bandwidth != 262144 || plain.ResetAfter != 1000 {
		t.Errorf("YAML plain numbers: %+v, %v", plain, err)
	}
	if err := yaml.Unmarshal([]byte("bandwidth: -5\n"), &plain); err == nil || !strings.Contains(err.Error(), "must not be negative") {
		t.Errorf("YAML negative bandwidth: %v", err)
	}

	js, err := json.Marshal(want)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{`"bandwidth":262144`, `"stall_after":65536`, `"stall_for":"10s"`, `"reset_after":1000`, `"file_size":1048576`} {
		if !strings.Contains(string(js), f) {
			t.Errorf("JSON %s lacks %s", js, f)
		}
	}
	var back Scenario
	if err := json.Unmarshal(js, &back); err != nil || back.Bandwidth != want.Bandwidth || back.StallAfter != want.StallAfter || back.ResetAfter != want.ResetAfter || back.FileSize != want.FileSize {
		t.Errorf("JSON round trip: %+v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`{"bandwidth":"1MiB/s"}`), &back); err != nil || back.Bandwidth != 1<<20 {
		t.Errorf("JSON string bandwidth: %d, %v", back.Bandwidth, err)
	}
	// A scenario without the knobs writes none of them: recorded headers
	// and goldens stay as they were.
	js, _ = json.Marshal(Scenario{}.Defaults())
	for _, f := range []string{"bandwidth", "stall", "reset", "file_size"} {
		if strings.Contains(string(js), f) {
			t.Errorf("default scenario JSON %s mentions %s", js, f)
		}
	}
}
