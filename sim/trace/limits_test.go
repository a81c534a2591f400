package trace

import (
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

const testHeader = `{"format":"ftplab-trace","version":1,"topology":{"hosts":[]}}` + "\n"

// generated is a header, then line(i) for i = 0.. up to size bytes, made
// as it is read (a big input without holding it in memory).
type generated struct {
	line    func(i int) string
	size    int64
	read    int64
	i       int
	pending string
}

func (g *generated) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && g.read < g.size {
		if g.pending == "" {
			if g.i == 0 {
				g.pending = testHeader
			} else {
				g.pending = g.line(g.i - 1)
			}
			g.i++
		}
		k := copy(p[n:], g.pending)
		if rem := g.size - g.read; int64(k) > rem {
			k = int(rem)
		}
		g.pending = g.pending[k:]
		n += k
		g.read += int64(k)
	}
	if n == 0 {
		return 0, io.EOF
	}
	return n, nil
}

// allocated is the bytes f allocates.
func allocated(f func()) uint64 {
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// TestReadIsStreamedAndBounded: a file of blank lines or of junk lines
// fails at its first bad line after reading a batch at most, with memory
// that does not follow the file's size; too many events or too many bytes
// are refused with the limit in the error.
func TestReadIsStreamedAndBounded(t *testing.T) {
	tests := []struct {
		name     string
		line     func(i int) string
		size     int64
		events   int   // maxEvents for the test (0: the default)
		bytes    int64 // maxFileBytes for the test (0: the default)
		want     string
		maxAlloc uint64
		maxRead  int64
	}{
		{"blank lines", func(int) string { return "\n" }, 8 << 20, 0, 0, "trace line 2: empty line", 4 << 20, 1 << 20},
		{"junk lines", func(int) string { return "x\n" }, 8 << 20, 0, 0, "trace line 2: bad event", 16 << 20, 1 << 20},
		{"too many events", func(i int) string { return fmt.Sprintf(`{"seq":%d,"kind":"note"}`+"\n", i) }, 64 << 20, 10000, 0,
			"trace line 10002: more than 10000 events (the reader's limit)", 64 << 20, 2 << 20},
		{"too many bytes", func(i int) string { return fmt.Sprintf(`{"seq":%d,"kind":"note"}`+"\n", i) }, 64 << 20, 0, 1 << 20,
			"file larger than 1048576 bytes (the reader's limit)", 64 << 20, 2 << 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.events > 0 {
				defer func(v int) { maxEvents = v }(maxEvents)
				maxEvents = tt.events
			}
			if tt.bytes > 0 {
				defer func(v int64) { maxFileBytes = v }(maxFileBytes)
				maxFileBytes = tt.bytes
			}
			g := &generated{line: tt.line, size: tt.size}
			var tr Trace
			var err error
			alloc := allocated(func() { tr, err = Read(g) })
			var pe *ParseError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if len(tr.Events) != 0 {
				t.Error("events returned with an error")
			}
			if alloc > tt.maxAlloc || g.read > tt.maxRead {
				t.Errorf("read %d of %d bytes and allocated %d bytes, want at most %d and %d", g.read, tt.size, alloc, tt.maxRead, tt.maxAlloc)
			}
			t.Logf("read %d bytes, allocated %d bytes", g.read, alloc)
		})
	}
}

// TestReadAcrossBatches: a trace longer than one batch reads whole, and a
// seq that goes back across a batch boundary names its line.
func TestReadAcrossBatches(t *testing.T) {
	n := 3*readBatch + 5
	var b strings.Builder
	b.WriteString(testHeader)
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, `{"seq":%d,"kind":"note"}`+"\n", i)
	}
	tr, err := Read(strings.NewReader(b.String()))
	if err != nil || len(tr.Events) != n || tr.Events[n-1].Seq != n-1 {
		t.Fatalf("%d events, %v; want %d", len(tr.Events), err, n)
	}
	bad := strings.Replace(b.String(), fmt.Sprintf(`{"seq":%d,`, readBatch), `{"seq":0,`, 1)
	if _, err := Read(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("trace line %d: seq 0 does not follow %d", readBatch+2, readBatch-1)) {
		t.Errorf("err = %v", err)
	}
}
