package progress

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestRecordKeepsTheBest(t *testing.T) {
	s := Store{Path: filepath.Join(t.TempDir(), "state", "ftplab", "progress.json")}
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	for _, run := range []struct{ score, total int }{{1, 3}, {3, 3}, {2, 3}} {
		if _, err := s.Record("active", run.score, run.total, now); err != nil {
			t.Fatal(err)
		}
	}
	s.Record("two-channels", 0, 0, now)
	f, warn, err := s.Load()
	if err != nil || warn != "" {
		t.Fatal(err, warn)
	}
	if l := f.Lessons["active"]; l.Best() != "3/3" || l.Runs != 3 {
		t.Errorf("active: best %s after %d runs, want 3/3 after 3", l.Best(), l.Runs)
	}
	if l := f.Lessons["two-channels"]; l.Best() != "done" {
		t.Errorf("a lesson without questions: %q, want done", l.Best())
	}
	if strings.Join(f.Names(), ",") != "active,two-channels" {
		t.Errorf("names %v", f.Names())
	}
	// Written whole: nothing but the file is left in its directory.
	if es, _ := os.ReadDir(filepath.Dir(s.Path)); len(es) != 1 {
		t.Errorf("%d files beside the progress file, want none", len(es)-1)
	}
}

func TestBrokenFileIsSetAside(t *testing.T) {
	s := Store{Path: filepath.Join(t.TempDir(), "progress.json")}
	os.WriteFile(s.Path, []byte("{not json"), 0o644)
	f, warn, err := s.Load()
	if err != nil || len(f.Lessons) != 0 || !strings.Contains(warn, "did not parse") || !strings.Contains(warn, ".broken-") {
		t.Fatalf("broken file: %v %q %v", f, warn, err)
	}
	if _, err := s.Record("active", 1, 1, time.Now()); err != nil {
		t.Fatalf("after a broken file, recording must work: %v", err)
	}
	matches, _ := filepath.Glob(s.Path + ".broken-*")
	if len(matches) != 1 {
		t.Errorf("the broken file should be kept aside once, found %v", matches)
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	if f, _, _ := s.Load(); len(f.Lessons) != 0 {
		t.Error("reset left progress behind")
	}
}
