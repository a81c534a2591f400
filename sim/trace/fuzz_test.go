package trace_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"ftplab/sim/trace"
	"ftplab/sim/trace/capture"
	"ftplab/sim/trace/export"
)

// seedLimit keeps seeds small: the fuzzer minimizes every new input it
// finds, which on inputs of several KB takes most of a run (up to
// -fuzzminimizetime, 60 s by default, per input). The first lines hold
// every shape the reader sees. Run with: go test ./sim/trace -run '^$'
// -fuzz FuzzReadFixtures -fuzztime 60s -fuzzminimizetime 2s
const seedLimit = 3000

// addTraceSeeds seeds the corpus with the fixtures' first whole lines.
func addTraceSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.jsonl"))
	if len(files) == 0 {
		f.Fatal("no trace fixtures in testdata")
	}
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > seedLimit {
			b = b[:bytes.LastIndexByte(b[:seedLimit], '\n')+1]
		}
		f.Add(b)
	}
}

// FuzzReadFixtures: the reader never panics, returns nothing partial with
// an error, and whatever it accepts survives a write and a second read.
func FuzzReadFixtures(f *testing.F) {
	addTraceSeeds(f)
	f.Add([]byte("{\"format\":\"ftplab-trace\",\"version\":2}\n"))
	f.Add([]byte("{\"format\":\"ftplab-trace\",\"version\":1,\"topology\":{}}\n{\"seq\":0,\"kind\":\"segment\",\"text\":\"\\u00ff\\ud800\"}\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := trace.Read(bytes.NewReader(b))
		if err != nil {
			if len(tr.Events) != 0 {
				t.Fatal("events returned with an error")
			}
			return
		}
		var out bytes.Buffer
		if err := trace.Write(&out, tr); err != nil {
			t.Fatalf("an accepted trace does not write: %v", err)
		}
		back, err := trace.Read(&out)
		if err != nil {
			t.Fatalf("an accepted trace does not read back: %v", err)
		}
		if len(back.Events) != len(tr.Events) {
			t.Fatalf("%d events became %d", len(tr.Events), len(back.Events))
		}
		for i := range tr.Events {
			if back.Events[i] != tr.Events[i] {
				t.Fatalf("event %d changed: %+v -> %+v", i, tr.Events[i], back.Events[i])
			}
		}
	})
}

// FuzzImportCapture: any bytes give a trace or an error, never a panic.
func FuzzImportCapture(f *testing.F) {
	for _, name := range fixtures {
		tr, err := trace.ReadFile(filepath.Join("testdata", name+".jsonl"))
		if err != nil {
			f.Fatal(err)
		}
		// The first events (handshake, greeting, login) keep the seed small.
		for n := len(tr.Events); n > 0; n-- {
			var b bytes.Buffer
			tr.Events = tr.Events[:n]
			if err := export.PCAP(&b, tr); err != nil {
				f.Fatal(err)
			}
			if b.Len() <= seedLimit {
				f.Add(b.Bytes())
				break
			}
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := capture.Read(bytes.NewReader(b))
		if err == nil && tr.Header.Source != "import" {
			t.Fatalf("imported trace has source %q", tr.Header.Source)
		}
	})
}
