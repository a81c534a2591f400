package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"testing"
)

func cachedMillion(name string) []byte {
	if name == "" {
		return nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	return b
}

// BenchmarkDecodePlain1M is BenchmarkRead1M's baseline: the same lines
// decoded the plainest way, one json.Unmarshal after another, without the
// header check, the validation or the parallel workers. scripts/bench
// prints Read's time over this one, measured in the same run.
func BenchmarkDecodePlain1M(b *testing.B) {
	data := millionEvents(b)
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(make([]byte, 256<<10), 1<<20)
		sc.Scan() // the header
		events := make([]Event, 0, 1024)
		for sc.Scan() {
			var e Event
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				b.Fatal(err)
			}
			events = append(events, e)
		}
		if len(events) != 1_000_000 {
			b.Fatalf("%d events", len(events))
		}
	}
}
