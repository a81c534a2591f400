// Package theme holds the looks every screen of ftplab shares: a few
// lipgloss styles, with a plain set for NO_COLOR and a bolder one for
// projectors.
package theme

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Styles are the few looks the screen uses. Meaning never rides on colour
// alone: blocked lines also carry ✗/⊘ and words, connected ones ═.
type Styles struct {
	Title, Frame, OK, Bad, Dialing, Dim, Narr, Current, Note, Pane, Prompt lipgloss.Style
}

// New makes the styles: plain without colour, bolder for a projector,
// darker inks for a light background.
func New(noColor, present, light bool) Styles {
	if noColor {
		plain := lipgloss.NewStyle()
		return Styles{Title: plain.Bold(true), Frame: plain, OK: plain, Bad: plain.Bold(true), Dialing: plain,
			Dim: plain, Narr: plain, Current: plain.Reverse(true), Note: plain, Pane: plain.Bold(true), Prompt: plain.Bold(true)}
	}
	s := Styles{
		Title:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#7DD3FC")),
		Frame:   lipgloss.NewStyle().Foreground(lipgloss.Color("#A3A3A3")),
		OK:      lipgloss.NewStyle().Foreground(lipgloss.Color("#4ADE80")),
		Bad:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#F87171")),
		Dialing: lipgloss.NewStyle().Foreground(lipgloss.Color("#FACC15")),
		Dim:     lipgloss.NewStyle().Foreground(lipgloss.Color("#737373")),
		Narr:    lipgloss.NewStyle(),
		Current: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#FACC15")),
		Note:    lipgloss.NewStyle().Italic(true).Foreground(lipgloss.Color("#C084FC")),
		Pane:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#7DD3FC")),
		Prompt:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#FACC15")),
	}
	if light {
		s = Styles{
			Title:   lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#0369A1")),
			Frame:   lipgloss.NewStyle().Foreground(lipgloss.Color("#525252")),
			OK:      lipgloss.NewStyle().Foreground(lipgloss.Color("#15803D")),
			Bad:     lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#B91C1C")),
			Dialing: lipgloss.NewStyle().Foreground(lipgloss.Color("#A16207")),
			Dim:     lipgloss.NewStyle().Foreground(lipgloss.Color("#6B7280")),
			Narr:    lipgloss.NewStyle(),
			Current: lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#000000")).Background(lipgloss.Color("#FDE047")),
			Note:    lipgloss.NewStyle().Italic(true).Foreground(lipgloss.Color("#7E22CE")),
			Pane:    lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#0369A1")),
			Prompt:  lipgloss.NewStyle().Bold(true).Foreground(lipgloss.Color("#A16207")),
		}
	}
	if present { // projectors wash out thin, dim colours
		frame, dim := "#FFFFFF", "#D4D4D4"
		if light {
			frame, dim = "#000000", "#404040"
		}
		s.Frame = s.Frame.Foreground(lipgloss.Color(frame)).Bold(true)
		s.Dim = s.Dim.Foreground(lipgloss.Color(dim))
		s.Narr = s.Narr.Bold(true)
	}
	return s
}

// Fit makes the screen exactly h lines, none wider than w.
func Fit(lines []string, w, h int) string {
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}
