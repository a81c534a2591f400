package tui

import (
	"charm.land/lipgloss/v2"

	"ftplab/lessons"
)

// renderNarration draws a lesson's narration Markdown in the player: every
// piece in the narration style, **strong** and `code` bold, *emphasis* in
// the other slant (upright inside italic narration, as typesetters do),
// paragraphs reflowed to width and following each other without a blank
// line (the pane is short).
func renderNarration(md string, width int, base lipgloss.Style) string {
	return lessons.Format(md, width, "\n", func(s string, st lessons.Style) string {
		style := base
		if st.Strong || st.Code {
			style = style.Bold(true)
		}
		if st.Emphasis {
			style = style.Italic(!base.GetItalic())
		}
		return style.Render(s)
	})
}
