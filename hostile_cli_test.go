package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/charmbracelet/fang"
)

// TestCommandsEscapeOutsideText: every command that prints a trace or a
// lesson from a file prints its escape sequences as text, and so does the
// error printer.
func TestCommandsEscapeOutsideText(t *testing.T) {
	for _, args := range [][]string{
		{"replay", "--headless", "sim/trace/testdata/hostile-escapes.jsonl"},
		{"export", "--format", "text", "sim/trace/testdata/hostile-escapes.jsonl"},
		{"lesson", "--headless", "lessons/testdata/hostile-escapes.md"},
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
