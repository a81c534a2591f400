package trace_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ftplab/internal/peertest"
	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

// fixtures are hand-written traces in testdata/ that follow the contract
// in event.go; they keep these tests independent of sim and netem.
var fixtures = []string{"passive-list-get", "active-client-fw-drop", "active-client-nat-helper", "epsv-ipv6"}

func loadFixture(t *testing.T, name string) trace.Trace {
	t.Helper()
	tr, err := trace.ReadFile(filepath.Join("testdata", name+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// golden compares got with testdata/file; -update rewrites it.
func golden(t *testing.T, file string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", file)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update writes it)", err)
	}
	if !bytes.Equal(want, got) {
		t.Errorf("output differs from %s (go test -update rewrites it):\n%s", path, got)
	}
}

func TestFixturesRoundTripThroughTheFile(t *testing.T) {
	for _, name := range fixtures {
		tr := loadFixture(t, name)
		var b bytes.Buffer
		if err := trace.Write(&b, tr); err != nil {
			t.Fatal(err)
		}
		back, err := trace.Read(&b)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(back.Events) != len(tr.Events) || back.Header.Name != name {
			t.Fatalf("%s: %d events, header %q after a round trip", name, len(back.Events), back.Header.Name)
		}
		for i := range tr.Events {
			if back.Events[i] != tr.Events[i] {
				t.Errorf("%s: event %d changed: %+v -> %+v", name, i, tr.Events[i], back.Events[i])
			}
		}
	}
}

func TestFixtureText(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := export.Text(&b, loadFixture(t, name)); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".txt", b.Bytes())
		})
	}
}

func TestFixtureMermaid(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			var b bytes.Buffer
			if err := export.Mermaid(&b, loadFixture(t, name)); err != nil {
				t.Fatal(err)
			}
			checkMermaid(t, b.String())
			golden(t, name+".mmd", b.Bytes())
		})
	}
}

// checkMermaid holds a diagram to the statement rules of sequenceDiagram:
// declared participants, messages, notes, nothing else.
func checkMermaid(t *testing.T, src string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(src), "\n")
	if lines[0] != "sequenceDiagram" {
		t.Fatalf("first line %q, want sequenceDiagram", lines[0])
	}
	declared := map[string]bool{}
	participant := regexp.MustCompile(`^    participant (P\d+) as [^;#]*$`)
	message := regexp.MustCompile(`^    (P\d+)(->>|-->>|-x|--x)(P\d+): [^;]+$`)
	note := regexp.MustCompile(`^    Note over (P\d+)(,(P\d+))?: [^;]+$`)
	entity := regexp.MustCompile(`#\w+;`)
	for i, l := range lines[1:] {
		l = entity.ReplaceAllString(l, "E") // entity codes are text; a bare ; would end the statement
		switch {
		case participant.MatchString(l):
			declared[participant.FindStringSubmatch(l)[1]] = true
		case message.MatchString(l):
			m := message.FindStringSubmatch(l)
			if !declared[m[1]] || !declared[m[3]] {
				t.Errorf("line %d uses an undeclared participant: %q", i+2, l)
			}
		case note.MatchString(l):
			m := note.FindStringSubmatch(l)
			if !declared[m[1]] || (m[3] != "" && !declared[m[3]]) {
				t.Errorf("line %d uses an undeclared participant: %q", i+2, l)
			}
		default:
			t.Errorf("line %d is not valid sequenceDiagram syntax: %q", i+2, l)
		}
	}
}

// exportFixture writes a fixture's pcap into dir and returns its path.
func exportFixture(t *testing.T, dir string, tr trace.Trace) string {
	t.Helper()
	var b bytes.Buffer
	if err := export.PCAP(&b, tr); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, tr.Header.Name+".pcap")
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// wireControl is the control conversation as a capture between the
// boxes carries it: a helper's rewrite replaces the line it rewrote.
func wireControl(tr trace.Trace) []string {
	var out []string
	for _, e := range tr.Events {
		switch {
		case e.Kind == trace.Segment && e.Channel == trace.Control && e.Text != "":
			out = append(out, e.Text)
		case e.Kind == trace.Rewrite && len(out) > 0 && out[len(out)-1] == e.Before:
			out[len(out)-1] = e.After
		}
	}
	return out
}

// dataBytes is the byte count of each data connection, by first appearance.
func dataBytes(tr trace.Trace) []int64 {
	idx := map[int]int{}
	var out []int64
	for _, e := range tr.Events {
		if e.Kind != trace.Segment || e.Channel != trace.Data {
			continue
		}
		i, ok := idx[e.Conn]
		if !ok {
			i = len(out)
			idx[e.Conn] = i
			out = append(out, 0)
		}
		out[i] += e.Bytes
	}
	return out
}

// TestFixturePCAPByTshark: tshark reads each exported fixture as FTP on
// port 21, lists the same commands and reply codes in order, links the
// data connections to the control channel (FTP-DATA) with every byte, and
// shows dropped SYNs as retransmissions.
func TestFixturePCAPByTshark(t *testing.T) {
	paths := peertest.Need(t, "tshark")
	dir := t.TempDir()
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tr := loadFixture(t, name)
			pcap := exportFixture(t, dir, tr)
			run := func(args ...string) string {
				out, err := exec.Command(paths[0], append([]string{"-r", pcap}, args...)...).Output()
				if err != nil {
					t.Fatalf("tshark %v: %v", args, err)
				}
				return string(out)
			}
			var want []string
			for _, l := range wireControl(tr) {
				verb, _, _ := strings.Cut(l, " ")
				if _, err := strconv.Atoi(verb); err == nil {
					want = append(want, "\t"+verb)
				} else {
					want = append(want, verb+"\t")
				}
			}
			got := strings.Split(strings.TrimRight(run("-Y", "ftp", "-T", "fields", "-e", "ftp.request.command", "-e", "ftp.response.code"), "\n"), "\n")
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("tshark command/code lines\n got %q\nwant %q", got, want)
			}
			// Every data byte is dissected as ftp-data, per TCP stream.
			var gotData []int64
			streams := map[string]int{}
			for _, l := range strings.Split(strings.TrimSpace(run("-Y", "ftp-data", "-T", "fields", "-e", "tcp.stream", "-e", "tcp.len")), "\n") {
				if l == "" {
					continue
				}
				s, n, _ := strings.Cut(l, "\t")
				i, ok := streams[s]
				if !ok {
					i = len(gotData)
					streams[s] = i
					gotData = append(gotData, 0)
				}
				v, _ := strconv.ParseInt(n, 10, 64)
				gotData[i] += v
			}
			if fmt.Sprint(gotData) != fmt.Sprint(dataBytes(tr)) {
				t.Errorf("ftp-data bytes per connection %v, trace has %v", gotData, dataBytes(tr))
			}
			// Coherent seq/ack numbers: Wireshark's expert finds nothing
			// worse than notes (no lost segments, no unseen ACKs).
			if out := run("-q", "-z", "expert"); strings.Contains(out, "Warns (") || strings.Contains(out, "Errors (") {
				t.Errorf("tshark's expert complains:\n%s", out)
			}
			retrans := 0
			for _, e := range tr.Events {
				if e.Kind == trace.Retransmit {
					retrans++
				}
			}
			out := strings.TrimSpace(run("-Y", "tcp.analysis.retransmission && tcp.flags.syn==1 && tcp.flags.ack==0", "-T", "fields", "-e", "frame.time_relative"))
			if n := len(strings.Fields(out)); n != retrans {
				t.Errorf("%d SYN retransmissions in the capture, the trace has %d:\n%s", n, retrans, out)
			}
		})
	}
}

// TestFixturePCAPImportRoundTrip: export then import gives back the
// control lines as the wire carried them and every data byte.
func TestFixturePCAPImportRoundTrip(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			tr := loadFixture(t, name)
			back := pcapRoundTrip(t, tr)
			if back.Header.Source != "import" {
				t.Errorf("source %q, want import", back.Header.Source)
			}
			if a, b := strings.Join(wireControl(tr), "\n"), strings.Join(wireControl(back), "\n"); a != b {
				t.Errorf("control lines differ:\n--- trace\n%s\n--- imported\n%s", a, b)
			}
			if a, b := dataBytes(tr), dataBytes(back); fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("data bytes per connection: trace %v, imported %v", a, b)
			}
		})
	}
}

// TestDocExampleReads keeps the example in docs/trace-format.md a valid
// trace.
func TestDocExampleReads(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "trace-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## Example.*?```\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("no example block in docs/trace-format.md")
	}
	tr, err := trace.Read(bytes.NewReader(m[1]))
	if err != nil {
		t.Fatalf("the documented example does not read: %v", err)
	}
	if len(tr.Events) < 10 || tr.Events[len(tr.Events)-1].Kind != trace.Result {
		t.Errorf("example has %d events, last %+v", len(tr.Events), tr.Events[len(tr.Events)-1])
	}
}

// TestExportPCAPRefusesBadTraces: a trace the capture cannot show gets an
// error naming the event, not a broken file or a full disk.
func TestExportPCAPRefusesBadTraces(t *testing.T) {
	tests := []struct {
		name string
		edit func(e *trace.Event)
		want string
	}{
		{"negative bytes", func(e *trace.Event) {
			if e.Channel == trace.Data && e.Kind == trace.Segment {
				e.Bytes = -5
			}
		}, "-5 bytes"},
		{"absurd size", func(e *trace.Event) {
			if e.Channel == trace.Data && e.Kind == trace.Segment {
				e.Bytes = 1 << 40
			}
		}, "at most 1073741824 bytes"},
		{"overflowing size", func(e *trace.Event) {
			if e.Channel == trace.Data && e.Kind == trace.Segment {
				e.Bytes = 1<<63 - 1
			}
		}, "at most 1073741824 bytes"},
		{"bad address", func(e *trace.Event) {
			if e.Kind == trace.SYN && e.Conn == 2 {
				e.To = "nowhere"
			}
		}, "bad addresses"},
		{"v4 to v6", func(e *trace.Event) {
			if e.Kind == trace.SYN && e.Conn == 2 {
				e.To = "[2001:db8::1]:30000"
			}
		}, "mixes IPv4 and IPv6"},
	}
	for _, tt := range tests {
		tr := loadFixture(t, "passive-list-get")
		for i := range tr.Events {
			tt.edit(&tr.Events[i])
		}
		var out bytes.Buffer
		err := export.PCAP(&out, tr)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "event ") {
			t.Errorf("%s: err = %v, want one naming the event with %q", tt.name, err, tt.want)
		}
		if out.Len() != 0 {
			t.Errorf("%s: %d bytes written before the error", tt.name, out.Len())
		}
	}
}
