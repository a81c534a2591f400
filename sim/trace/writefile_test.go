package trace_test

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"ftplab/sim/trace"
)

// TestWriteFile: a written trace reads back equal; a trace Write refuses
// leaves nothing on disk, neither the name asked for nor the temporary.
func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	good := trace.Trace{Header: trace.Header{Name: "w"}, Events: []trace.Event{{Seq: 1, Kind: trace.Note, Text: "hi"}}}
	path := filepath.Join(dir, "good.jsonl")
	if err := trace.WriteFile(path, good); err != nil {
		t.Fatal(err)
	}
	back, err := trace.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back.Events, good.Events) || back.Header.Name != "w" {
		t.Errorf("read back %+v, want %+v", back, good)
	}

	bad := trace.Trace{Header: trace.Header{Version: 99}}
	path = filepath.Join(dir, "bad.jsonl")
	if err := trace.WriteFile(path, bad); err == nil {
		t.Fatal("a version 99 trace was written")
	}
	if es, _ := os.ReadDir(dir); len(es) != 1 {
		t.Errorf("a refused trace left files behind: %v", es)
	}
}
