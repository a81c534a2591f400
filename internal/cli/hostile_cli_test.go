package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/charmbracelet/fang"
)

// TestCommandsEscapeOutsideText: every command that prints a trace or a
// lesson from a file prints its escape sequences as text, and so does the
// error printer.
func TestCommandsEscapeOutsideText(t *testing.T) {
	for _, args := range [][]string{
		{"replay", "--headless", "../../sim/trace/testdata/hostile-escapes.jsonl"},
		{"export", "--format", "text", "../../sim/trace/testdata/hostile-escapes.jsonl"},
		{"lesson", "--headless", "../../lessons/testdata/hostile-escapes.md"},
	} {
		out, code := ftplab(t, args...)
		if code != 0 && code != 1 {
			t.Errorf("%v: exit %d\n%s", args, code, out)
		}
		if strings.ContainsAny(out, "\x1b\x07\r") {
			t.Errorf("%v: raw control bytes in the output:\n%q", args, out)
		}
		if !strings.Contains(out, `\x1b]`) {
			t.Errorf("%v: the escapes are not shown:\n%s", args, out)
		}
	}
	var b bytes.Buffer
	plainError(&b, fang.Styles{}, errors.New("probe: server said 530 \x1b]52;c;aGk=\x07\nline two"))
	if got, want := b.String(), "ftplab: probe: server said 530 \\x1b]52;c;aGk=\\x07\nline two\n"; got != want {
		t.Errorf("plainError wrote %q, want %q", got, want)
	}
}

// TestFailedExportKeepsTheFile: an export that fails (a trace whose
// addresses a pcap cannot carry) exits 2 and leaves the file that was
// there untouched, with no temporary behind; a good export replaces it and
// keeps its permissions.
func TestFailedExportKeepsTheFile(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.jsonl")
	os.WriteFile(bad, []byte(`{"format":"ftplab-trace","version":1,"topology":{"hosts":[]}}`+"\n"+
		`{"seq":0,"kind":"syn","conn":1,"chan":"control","host":"client","from":"nowhere","to":"198.51.100.21:21"}`+"\n"), 0o644)
	out := filepath.Join(dir, "keep.pcap")
	os.WriteFile(out, []byte("the earlier export"), 0o640)
	msg, code := ftplab(t, "export", "--format", "pcap", "-o", out, bad)
	if code != 2 || !strings.Contains(msg, "bad addresses") {
		t.Errorf("exit %d, %q; want 2 and the reason", code, msg)
	}
	if b, _ := os.ReadFile(out); string(b) != "the earlier export" {
		t.Errorf("the existing file now holds %q", b)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".keep.pcap.tmp-*")); len(left) != 0 {
		t.Errorf("temporaries left: %v", left)
	}
	if msg, code := ftplab(t, "export", "--format", "pcap", "-o", out, "../../sim/trace/testdata/passive-list-get.jsonl"); code != 0 {
		t.Fatalf("good export: exit %d %s", code, msg)
	}
	fi, err := os.Stat(out)
	if err != nil || fi.Mode().Perm() != 0o640 || fi.Size() < 100 {
		t.Errorf("after a good export: %v %v", fi.Mode(), err)
	}
}

// ftplab runs the CLI in-process and returns what it printed, errors
// included, and its exit status.
func ftplab(t *testing.T, args ...string) (string, int) {
	t.Helper()
	root := rootCmd()
	var out bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&out)
	root.SetArgs(args)
	if err := root.ExecuteContext(context.Background()); err != nil {
		plainError(&out, fang.Styles{}, err)
		return out.String(), exitCode(err, true)
	}
	return out.String(), 0
}
