package trace

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

func sample(n int) Trace {
	t := Trace{Header: Header{Format: FormatName, Version: Version, Name: "x", Topology: Topology{Hosts: []Host{{Name: "client", Addr: "192.0.2.10"}}}}}
	for i := 0; i < n; i++ {
		t.Events = append(t.Events, Event{Seq: i, T: int64(i) * 1000, Kind: Segment, Conn: 1, Channel: Control, Host: "client", Text: fmt.Sprintf("NOOP %d", i), Bytes: 6})
	}
	return t
}

func TestRoundTrip(t *testing.T) {
	in := sample(50)
	var b bytes.Buffer
	if err := Write(&b, in); err != nil {
		t.Fatal(err)
	}
	out, err := Read(bytes.NewReader(b.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Events) != 50 || out.Events[49] != in.Events[49] || out.Header.Name != "x" {
		t.Fatalf("round trip lost something: %+v", out.Header)
	}
	var b2 bytes.Buffer
	Write(&b2, out)
	if !bytes.Equal(b.Bytes(), b2.Bytes()) {
		t.Error("write(read(write(t))) differs from write(t)")
	}
}

func TestUnknownFieldsAndKindsAreKept(t *testing.T) {
	src := `{"format":"ftplab-trace","version":1,"future":true,"topology":{"hosts":[]}}
{"seq":0,"t_us":0,"kind":"teleport","colour":"blue"}
`
	got, err := Read(strings.NewReader(src))
	if err != nil || len(got.Events) != 1 || got.Events[0].Kind != "teleport" {
		t.Fatalf("%+v %v", got, err)
	}
}

func TestBrokenFiles(t *testing.T) {
	var good bytes.Buffer
	Write(&good, sample(10))
	lines := strings.SplitAfter(good.String(), "\n")
	bad7 := strings.Join(lines[:6], "") + "{\"seq\": 6, \"kind\": \n" + strings.Join(lines[7:], "")
	tests := []struct {
		name string
		src  string
		line int
		msg  string
	}{
		{"empty", "", 1, "empty file"},
		{"truncated", good.String()[:good.Len()-10], 11, "truncated"},
		{"bad json on line 7", bad7, 7, "bad event"},
		{"version 99", strings.Replace(good.String(), `"version":1`, `"version":99`, 1), 1, "version 99 is not supported"},
		{"not a trace", "{\"format\":\"pcap\",\"version\":1}\n", 1, "not an ftplab trace"},
		{"binary garbage", "\x00\x01\x02\xff\xfe garbage\n", 1, "not an ftplab trace header"},
		{"seq goes back", strings.Join(lines[:3], "") + lines[2] + strings.Join(lines[3:], ""), 4, "does not follow"},
		{"no kind", lines[0] + "{\"seq\":0}\n", 2, "no kind"},
		{"huge line", lines[0] + strings.Repeat("x", 2<<20) + "\n", 2, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Read(strings.NewReader(tt.src))
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("err = %v, want a ParseError", err)
			}
			if pe.Line != tt.line || !strings.Contains(pe.Msg, tt.msg) {
				t.Errorf("got %q, want line %d containing %q", err, tt.line, tt.msg)
			}
			if len(got.Events) != 0 {
				t.Error("a broken file must give nothing partial")
			}
		})
	}
}

func TestIndexAt(t *testing.T) {
	tr := sample(10) // events at 0, 1000, ... 9000 µs
	for _, tt := range []struct {
		t    int64
		want int
	}{{-1, -1}, {0, 0}, {999, 0}, {1000, 1}, {9000, 9}, {1e9, 9}} {
		if got := tr.IndexAt(tt.t); got != tt.want {
			t.Errorf("IndexAt(%d) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

func FuzzRead(f *testing.F) {
	var good bytes.Buffer
	Write(&good, sample(3))
	f.Add(good.Bytes())
	f.Add([]byte("{\"format\":\"ftplab-trace\",\"version\":1}\n{\"seq\":0,\"kind\":\"x\"}\n"))
	f.Add([]byte("\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tr, err := Read(bytes.NewReader(b))
		if err != nil && len(tr.Events) != 0 {
			t.Fatal("events returned with an error")
		}
	})
}

var million []byte

// millionEvents is a 1M-event trace; FTPLAB_BENCH_1M names a file that
// keeps it between the benchmark processes of one scripts/bench run.
func millionEvents(b *testing.B) []byte {
	if million == nil {
		million = cachedMillion(os.Getenv("FTPLAB_BENCH_1M"))
	}
	if million == nil {
		var buf bytes.Buffer
		Write(&buf, sample(1_000_000))
		million = buf.Bytes()
		if name := os.Getenv("FTPLAB_BENCH_1M"); name != "" {
			os.WriteFile(name, million, 0o644)
		}
	}
	return million
}

// BenchmarkRead1M loads a 1M-event trace (scripts/bench: against
// BenchmarkDecodePlain1M, the same lines decoded plainly).
func BenchmarkRead1M(b *testing.B) {
	data := millionEvents(b)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := Read(bytes.NewReader(data)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSeek finds an event by time in a 1M-event trace (scripts/bench:
// against the base commit's build).
func BenchmarkSeek(b *testing.B) {
	tr, _ := Read(bytes.NewReader(millionEvents(b)))
	b.ResetTimer()
	k := int64(0)
	for b.Loop() {
		k = (k + 7919_000) % 1_000_000_000
		tr.IndexAt(k)
	}
}
