package lessons

import (
	"strings"
	"testing"
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

// TestFormatPaintsEachPiece: paint sees every piece with its markup, and
// wrapping counts only the text, never what paint adds.
func TestFormatPaintsEachPiece(t *testing.T) {
	paint := func(s string, st Style) string {
		switch {
		case st.Code:
			return "<c>" + s + "</c>"
		case st.Strong:
			return "<b>" + s + "</b>"
		case st.Emphasis:
			return "<i>" + s + "</i>"
		}
		return s
	}
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{"The **control** connection, `PORT` and *to the client*.", 0,
			"The <b>control</b> connection, <c>PORT</c> and <i>to</i> <i>the</i> <i>client</i>."},
		{"**bold** **bold** **bold**", 9, "<b>bold</b> <b>bold</b>\n<b>bold</b>"},
		{"one\n\ntwo", 0, "one|two"},
	}
	for _, tt := range tests {
		if got := Format(tt.in, tt.width, "|", paint); got != tt.want {
			t.Errorf("Format(%q, %d) = %q, want %q", tt.in, tt.width, got, tt.want)
		}
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
