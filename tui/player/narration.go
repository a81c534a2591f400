package player

import (
	"strings"

	"charm.land/lipgloss/v2"

	"ftplab/internal/termsafe"
	"ftplab/sim/trace"
)

// Markup is the markup on a piece of narration: **strong**, *emphasis*,
// `code`.
type Markup struct{ Strong, Emphasis, Code bool }

// A MarkdownGuide is a Guide whose narration is Markdown. The player has
// it laid out to the pane's width, every piece painted with the player's
// styles, instead of showing the raw text.
type MarkdownGuide interface {
	Guide
	// FormattedNarration is Narration laid out in lines of at most width
	// columns, each piece of text passed through paint.
	FormattedNarration(i int, evs []trace.Event, width int, paint func(text string, m Markup) string) string
}

// narrationLines is event i's narration as the pane shows it.
func (p *Player) narrationLines(w int) []string {
	if g, ok := p.s.Guide.(MarkdownGuide); ok {
		if n := g.FormattedNarration(p.tr.i, p.s.Events, w-1, paintNarration(p.st.Note)); n != "" {
			return strings.Split(n, "\n")
		}
		return nil
	}
	if n := p.s.Guide.Narration(p.tr.i, p.s.Events); n != "" {
		return wrap(p.st.Note.Render(reflow(termsafe.Text(n))), w)
	}
	return nil
}

// paintNarration draws narration in the note style, **strong** and `code`
// bold, *emphasis* in the other slant (upright inside italic narration, as
// typesetters do).
func paintNarration(base lipgloss.Style) func(string, Markup) string {
	return func(s string, m Markup) string {
		style := base
		if m.Strong || m.Code {
			style = style.Bold(true)
		}
		if m.Emphasis {
			style = style.Italic(!base.GetItalic())
		}
		return style.Render(termsafe.String(s)) // a lesson file's words, escaped for the terminal
	}
}
