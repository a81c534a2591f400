package tui

import (
	"charm.land/lipgloss/v2"
)

// styles are the few looks the screen uses. Meaning never rides on colour
// alone: blocked lines also carry ✗/⊘ and words, connected ones ═.
type styles struct {
	title, frame, ok, bad, dialing, dim, narr, current, note, pane, prompt lipgloss.Style
}

func newStyles(noColor, present bool) styles {
	if noColor {
		plain := lipgloss.NewStyle()
		return styles{title: plain.Bold(true), frame: plain, ok: plain, bad: plain.Bold(true), dialing: plain,
			dim: plain, narr: plain, current: plain.Reverse(true), note: plain, pane: plain.Bold(true), prompt: plain.Bold(true)}
	}
	s := styles{
		title:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#7DD3FC")),
		frame:   lipgloss.NewStyle().Foreground(lipgloss.Color("#A3A3A3")),
		ok:      lipgloss.NewStyle().Foreground(lipgloss.Color("#4ADE80")),
		bad:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#F87171")),
		dialing: lipgloss.NewStyle().Foreground(lipgloss.Color("#FACC15")),
		dim:     lipgloss.NewStyle().Foreground(lipgloss.Color("#737373")),
		narr:    lipgloss.NewStyle(),
		current: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#FACC15")),
		note:    lipgloss.NewStyle().Italic(true).Foreground(lipgloss.Color("#C084FC")),
		pane:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#7DD3FC")),
		prompt:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FACC15")),
	}
	if present { // projectors wash out thin, dim colours
		s.frame = s.frame.Foreground(lipgloss.Color("#FFFFFF")).Bold(true)
		s.dim = s.dim.Foreground(lipgloss.Color("#D4D4D4"))
		s.narr = s.narr.Bold(true)
	}
	return s
}
