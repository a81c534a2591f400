package player

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// TestNarrationMarkdownIsStyled: a lesson's Markdown reaches the screen
// styled, never as asterisks or backticks, with the words headless prints.
func TestNarrationMarkdownIsStyled(t *testing.T) {
	s := lesson(t, "active")
	p := sized(s, Options{}, 80, 24)
	p.tr.i = 0
	got := strings.Join(p.narrationLines(80), "\n")
	if strings.ContainsAny(ansi.Strip(got), "*`") {
		t.Errorf("markup left in the intro:\n%s", ansi.Strip(got))
	}
	if !strings.Contains(ansi.Strip(got), "In active mode the client") {
		t.Errorf("intro not shown:\n%s", ansi.Strip(got))
	}
	paint := paintNarration(lipgloss.NewStyle().Italic(true))
	if b := paint("PORT", Markup{Code: true}); b != "\x1b[1;3mPORT\x1b[m" {
		t.Errorf("code = %q, want bold italic", b)
	}
	if e := paint("to", Markup{Emphasis: true}); e != "to" {
		t.Errorf("emphasis in italic narration = %q, want upright", e)
	}
}
