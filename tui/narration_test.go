package tui

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"ftplab/lessons"
)

// TestRenderNarration: the player styles lesson Markdown and never shows
// its asterisks or backticks; the words are those headless prints.
func TestRenderNarration(t *testing.T) {
	md := "The **control** connection, `PORT` and *to the client*."
	got := renderNarration(md, 0, lipgloss.NewStyle().Italic(true))
	if strings.ContainsAny(got, "*`") {
		t.Errorf("markup left in %q", got)
	}
	if ansi.Strip(got) != lessons.Plain(md) {
		t.Errorf("text %q, want %q", ansi.Strip(got), lessons.Plain(md))
	}
	// Emphasis inside italic narration is upright.
	for _, want := range []string{"\x1b[1;3mcontrol", "\x1b[m to the client\x1b[3m.", "\x1b[1;3mPORT"} {
		if !strings.Contains(got, want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if w := renderNarration(strings.Repeat("**bold** ", 20), 30, lipgloss.NewStyle()); lipgloss.Width(w) > 30 {
		t.Errorf("wrapped at 30, got width %d:\n%s", lipgloss.Width(w), w)
	}
}
