package player

import (
	"strings"

	"ftplab/sim/trace"
	"ftplab/tui/theme"
)

// timeline is a bar with the position and marks where connections failed.
// The marks are drawn once per trace length and width, not per frame.
type timeline struct {
	marks          []rune // the bar without its cursor, for n events of which known are known
	n, known, barW int
}

func (t *timeline) view(events []trace.Event, total, i, w int, st theme.Styles) string {
	n := max(total, len(events)) // a live lesson's length is known ahead: the bar is the whole lesson
	barW := w - 2
	if n == 0 || barW < 4 {
		return ""
	}
	if t.n != n || t.known != len(events) || t.barW != barW {
		t.marks = []rune(strings.Repeat("·", barW))
		for k, e := range events {
			x := k * (barW - 1) / max(1, n-1)
			switch {
			case e.Failed():
				t.marks[x] = '✗'
			case e.Kind == trace.Result:
				t.marks[x] = '■'
			}
		}
		t.n, t.known, t.barW = n, len(events), barW
	}
	bar := t.marks
	if i >= 0 {
		x := i * (barW - 1) / max(1, n-1)
		bar = append(append(append(make([]rune, 0, barW), bar[:x]...), '▲'), bar[x+1:]...)
	}
	return " " + st.Dim.Render(string(bar))
}
