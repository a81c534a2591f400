package trace_test

import (
	"bytes"
	"path/filepath"
	"testing"

	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

// oldTraces are traces of format 1.0, without the handshake and teardown
// events of their own: the hand-written fixtures, two lessons as ftplab
// recorded them then (a drop; a reset), and a real curl capture imported
// then (its connections start mid-capture-style from their SYNs, and it
// closes each way by its own FINs).
var oldTraces = append(append([]string{}, fixtures...),
	"lesson-active-client-firewall.v1-0", "lesson-broken-transfer.v1-0", "import-curl-passive.v1-0")

// TestOldTracesExportAsBefore: old traces still load, and their pcap and
// pcapng exports stay byte for byte what the exporter wrote before the
// packet model moved into sim/trace and learned the new events: the
// goldens (testdata/*.v1-0.pcap*) were written by that older exporter.
func TestOldTracesExportAsBefore(t *testing.T) {
	for _, name := range oldTraces {
		t.Run(name, func(t *testing.T) {
			tr, err := trace.ReadFile(filepath.Join("testdata", name+".jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if tr.Header.Version != 1 {
				t.Fatalf("fixture %s has version %d", name, tr.Header.Version)
			}
			var pcap, ng bytes.Buffer
			if err := export.PCAP(&pcap, tr); err != nil {
				t.Fatal(err)
			}
			if err := export.PCAPNG(&ng, tr); err != nil {
				t.Fatal(err)
			}
			base := name
			if filepath.Ext(name) != ".v1-0" {
				base += ".v1-0"
			}
			golden(t, base+".pcap", pcap.Bytes())
			golden(t, base+".pcapng", ng.Bytes())
		})
	}
}

// TestMinorVersion: a 1.1 header says "minor":1 and reads back; a 1.0
// file has no "minor" (omitted when 0) and reads as minor 0; another
// major is still refused.
func TestMinorVersion(t *testing.T) {
	var b bytes.Buffer
	tr := trace.Trace{Header: trace.Header{Format: trace.FormatName, Version: trace.Version, Minor: trace.Minor, Name: "x"},
		Events: []trace.Event{{Kind: trace.SYNACK, Conn: 1, Host: "server"}}}
	if err := trace.Write(&b, tr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(b.Bytes(), []byte(`"version":1,"minor":1,`)) {
		t.Errorf("header line %q lacks the minor version", bytes.SplitN(b.Bytes(), []byte("\n"), 2)[0])
	}
	back, err := trace.Read(&b)
	if err != nil || back.Header.Minor != 1 || back.Events[0].Kind != trace.SYNACK {
		t.Fatalf("read back: %v, %+v", err, back)
	}
	old, err := trace.ReadFile(filepath.Join("testdata", "passive-list-get.jsonl"))
	if err != nil || old.Header.Minor != 0 {
		t.Fatalf("1.0 fixture: %v, minor %d", err, old.Header.Minor)
	}
	b.Reset()
	tr.Header.Minor = 0
	trace.Write(&b, tr)
	if bytes.Contains(b.Bytes(), []byte("minor")) {
		t.Errorf("a 1.0 header names a minor: %q", b.String())
	}
	if _, err := trace.Read(bytes.NewReader([]byte(`{"format":"ftplab-trace","version":2,"minor":1}` + "\n"))); err == nil {
		t.Error("version 2 read")
	}
}
