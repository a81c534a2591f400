package lessons

import (
	"strings"
	"testing"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

func TestPlain(t *testing.T) {
	tests := []struct{ in, want string }{
		{"The **control** connection", "The control connection"},
		{"with `PORT`. The server then connects *to the client*.", "with PORT. The server then connects to the client."},
		{"`PORT`s and (`PASV`)", "PORTs and (PASV)"},
		{"one\ntwo\n\nthree", "one two\n\nthree"},
		{"- a\n- b", "- a\n- b"},
		{"a_b {x} 1*256+2 = 3", "a_b {x} 1*256+2 = 3"},
		{`7\*256+209 and 117\*256+48`, "7*256+209 and 117*256+48"},
		{strings.Repeat("word ", 20), "word word word word word word word word word word word word word word\nword word word word word word"},
	}
	for _, tt := range tests {
		if got := Plain(tt.in); got != tt.want {
			t.Errorf("Plain(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRenderStyles: markup becomes terminal styles, never literal
// asterisks or backticks, and the text reads the same as Plain.
func TestRenderStyles(t *testing.T) {
	st := DefaultMarkdownStyles(lipgloss.NewStyle())
	md := "The **control** connection, `PORT` and *to the client*."
	got := Render(md, 0, st)
	if strings.ContainsAny(got, "*`") {
		t.Errorf("markup left in %q", got)
	}
	if ansi.Strip(got) != Plain(md) {
		t.Errorf("Render text %q, want %q", ansi.Strip(got), Plain(md))
	}
	for _, want := range []string{"\x1b[1mcontrol", "\x1b[3mto", "\x1b[1mPORT"} {
		if !strings.Contains(got, want) {
			t.Errorf("Render = %q, want it to contain %q", got, want)
		}
	}
	if w := Render(strings.Repeat("**bold** ", 20), 30, st); lipgloss.Width(w) > 30 {
		t.Errorf("wrapped at 30, got width %d:\n%s", lipgloss.Width(w), w)
	}
}

// TestEveryLessonRendersWithoutMarkup: no narration of any lesson shows
// raw Markdown in headless output.
func TestEveryLessonRendersWithoutMarkup(t *testing.T) {
	ls, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		texts := []string{l.Intro}
		for _, s := range l.Sections {
			texts = append(texts, s.Text)
		}
		for _, s := range texts {
			if p := Plain(s); strings.Contains(p, "**") || strings.Contains(p, "`") {
				t.Errorf("%s: markup left in %q", l.Name, p)
			}
		}
	}
}
