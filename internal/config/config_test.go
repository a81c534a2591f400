package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var presets = map[string]map[string][]string{"vim": {"next": {"l", "j"}}}

func check(keys map[string][]string) error {
	for a := range keys {
		if a != "next" && a != "quit" {
			return &badAction{a}
		}
	}
	return nil
}

type badAction struct{ name string }

func (e *badAction) Error() string { return "unknown action " + e.name }

func write(t *testing.T, text string) string {
	p := filepath.Join(t.TempDir(), "config.yaml")
	os.WriteFile(p, []byte(text), 0o644)
	return p
}

func TestLoad(t *testing.T) {
	c, err := Load(write(t, "preset: vim\nkeys:\n  quit: [x]\n"), presets, check)
	if err != nil {
		t.Fatal(err)
	}
	got := c.Effective(presets)
	if strings.Join(got["next"], " ") != "l j" || strings.Join(got["quit"], " ") != "x" {
		t.Errorf("effective keys %v", got)
	}
	if c, err := Load(filepath.Join(t.TempDir(), "none.yaml"), presets, check); err != nil || len(c.Effective(presets)) != 0 {
		t.Errorf("a missing file is the defaults: %v %v", c, err)
	}
}

func TestBrokenFilesNameTheLine(t *testing.T) {
	for _, tt := range []struct{ text, want string }{
		{"keys:\n  jump: [j]\n", ":1: keys: unknown action jump"},
		{"\n\npreset: emacs\n", ":3: unknown preset \"emacs\""},
		{"colour: red\n", "line 1: field colour not found"},
		{"keys: [next\n", "line 1"},
		{"keys:\n  next: 3\n", "line 2"},
	} {
		_, err := Load(write(t, tt.text), presets, check)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: error %v, want it to say %q", tt.text, err, tt.want)
		}
	}
}
