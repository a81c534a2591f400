package lessons

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"ftplab/sim"
	"ftplab/sim/trace"
)

// BenchmarkLessonReplay is BenchmarkLessonHeadless's baseline: the same
// lesson's events, recorded once, read back from a file and narrated.
// Headless over replay is what running the real client, server and
// network costs on top of telling the story; scripts/bench prints it.
func BenchmarkLessonReplay(b *testing.B) {
	ls, err := All()
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range ls {
		b.Run(l.Name, func(b *testing.B) {
			s, err := sim.Run(context.Background(), l.Scenario, sim.Options{})
			if err != nil {
				b.Fatal(err)
			}
			var rec bytes.Buffer
			if err := trace.Write(&rec, s.Trace()); err != nil {
				b.Fatal(err)
			}
			name := filepath.Join(b.TempDir(), "lesson.jsonl")
			if err := os.WriteFile(name, rec.Bytes(), 0o644); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				f, err := os.Open(name)
				if err != nil {
					b.Fatal(err)
				}
				tr, err := trace.Read(f)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				var out bytes.Buffer
				WriteNarrated(&out, l, tr.Events)
			}
		})
	}
}
