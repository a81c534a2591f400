package lessons

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"ftplab/sim/trace"
)

// aliasFanOut is a lesson whose one anchored prediction, with n choices,
// is aliased n times: about 10n bytes that decode to n*n values.
func aliasFanOut(n int) string {
	var b strings.Builder
	b.WriteString("---\ntitle: t\nscenario:\n  mode: passive\npredictions:\n  - &p\n    before: start\n    question: q\n    answer: 1\n    choices:\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "      - c%d\n", i)
	}
	for i := 0; i < n; i++ {
		b.WriteString("  - *p\n")
	}
	b.WriteString("---\ntext\n")
	return b.String()
}

// TestParseBoundsAliasFanOut: a small file whose aliases expand to
// millions of values is refused quickly, with the limit in the error,
// while a few aliases still work.
func TestParseBoundsAliasFanOut(t *testing.T) {
	src := aliasFanOut(3000)
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	_, err := Parse("bomb.md", []byte(src))
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := after.TotalAlloc - before.TotalAlloc
	if err == nil || !strings.Contains(err.Error(), "bomb.md:6: front matter: more than 20000 YAML values with its aliases expanded") {
		t.Fatalf("err = %v", err)
	}
	t.Logf("%d-byte file: refused in %s, %d bytes allocated", len(src), took, alloc)
	if alloc > 64<<20 {
		t.Errorf("%d bytes allocated for a %d-byte file", alloc, len(src))
	}
	if _, err := Parse("few.md", []byte(aliasFanOut(3))); err != nil {
		t.Errorf("three aliases of a three-choice prediction: %v", err)
	}
}

// TestLessonFileSizeLimit: a lesson file over 1 MiB (here 2 MiB of blank
// lines) is refused by name, by check and by Parse, without reading it all.
func TestLessonFileSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.md")
	big := "---\ntitle: t\n---\n" + strings.Repeat("\n", 2<<20)
	if err := os.WriteFile(path, []byte(big), 0o644); err != nil {
		t.Fatal(err)
	}
	want := "larger than 1048576 bytes (the limit for a lesson file)"
	if _, err := Find(path); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Find: %v", err)
	}
	if err := CheckFile(path); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("CheckFile: %v", err)
	}
	if _, err := Parse("big.md", []byte(big)); err == nil || !strings.Contains(err.Error(), "big.md:1: "+want) {
		t.Errorf("Parse: %v", err)
	}
}

// TestCheckRefusesOverflowingLatency: `lesson check` reports a latency
// that would overflow virtual time at its line, instead of "ok".
func TestCheckRefusesOverflowingLatency(t *testing.T) {
	path := filepath.Join(t.TempDir(), "slow.md")
	src := "---\ntitle: Slow\nscenario:\n  mode: passive\n  latency: 2562047h\n---\nText.\n"
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	err := CheckFile(path)
	if err == nil || !strings.Contains(err.Error(), path+":5: scenario: latency 2562047h0m0s: at most 24h0m0s") {
		t.Fatalf("err = %v", err)
	}
}

// TestNarrationIsLinear: narrating a long run costs each event the number
// of sections, not a walk of the run: 40,000 events with once-sections and
// predictions that never match took minutes when every event rescanned.
func TestNarrationIsLinear(t *testing.T) {
	src := "---\ntitle: Long\nscenario:\n  mode: passive\npredictions:\n" +
		"  - before: reset\n    question: q\n    choices: [a, b]\n    answer: 1\n" +
		"  - before: timeout\n    question: q\n    choices: [a, b]\n    answer: 1\n---\nIntro.\n\n" +
		"## once on reset\nr\n\n## once on refused\nf\n\n## once on blind\nb\n\n## on note\nn {text}\n"
	l, err := Parse("long.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	evs := make([]trace.Event, 40000)
	for i := range evs {
		evs[i] = trace.Event{Seq: i, Kind: trace.Segment, Channel: trace.Control, Host: "client", Text: "NOOP"}
	}
	evs[39999] = trace.Event{Seq: 39999, Kind: trace.Reset}
	start := time.Now()
	var b strings.Builder
	if err := WriteNarrated(&b, l, evs); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	t.Logf("40000 events narrated in %s", took)
	if took > 5*time.Second {
		t.Errorf("narrating 40000 events took %s", took)
	}
	if !strings.Contains(b.String(), "? q") || !strings.Contains(b.String(), "| r") {
		t.Error("the prediction and the once-section at the last event are missing")
	}
}
