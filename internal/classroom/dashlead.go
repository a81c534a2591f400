package classroom

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
)

// LessonInfo is a lesson the teacher can lead: its name and length.
type LessonInfo struct {
	Name, Title string
	Steps       int
}

// WithLessons gives the dashboard the lessons it can lead (l).
func (d *Dashboard) WithLessons(ls []LessonInfo) *Dashboard {
	d.lessons = ls
	return d
}

// leadKey handles the keys of lead mode: picking a lesson, then stepping
// the class through it. It reports whether it took the key.
func (d *Dashboard) leadKey(k string) bool {
	switch {
	case d.picking:
		switch k {
		case "up", "k":
			d.pick = max(d.pick-1, 0)
		case "down", "j":
			d.pick = min(d.pick+1, len(d.lessons)-1)
		case "enter":
			d.picking = false
			d.class.SetLead(Lead{Lesson: d.lessons[d.pick].Name, Step: 1})
		case "esc", "l":
			d.picking = false
		}
		return true
	case d.class.Lead().Lesson != "":
		l := d.class.Lead()
		switch k {
		case "right", "space", "n":
			l.Step = min(l.Step+1, max(d.steps(l.Lesson), 1))
		case "left", "b":
			l.Step = max(l.Step-1, 1)
		case "r":
			l = Lead{}
		case "l":
			d.picking = true
			return true
		default:
			return false
		}
		d.class.SetLead(l)
		return true
	case k == "l":
		if len(d.lessons) == 0 {
			d.note = "lead mode: no lessons given"
			return true
		}
		d.picking = true
		return true
	}
	return false
}

func (d *Dashboard) steps(lesson string) int {
	for _, l := range d.lessons {
		if l.Name == lesson {
			return l.Steps
		}
	}
	return 0
}

// leadView is the picker, or the line saying who leads where.
func (d *Dashboard) leadView() string {
	if d.picking {
		var b strings.Builder
		b.WriteString("lead the class through (↑/↓, enter; esc cancels):\n")
		for i, l := range d.lessons {
			mark := "  "
			if i == d.pick {
				mark = "▸ "
			}
			fmt.Fprintf(&b, "%s%-26s %s\n", mark, l.Name, l.Title)
		}
		return strings.TrimRight(b.String(), "\n")
	}
	if l := d.class.Lead(); l.Lesson != "" {
		return fmt.Sprintf("leading %s: step %d/%d  ·  →/← step the class, r releases them, l another lesson", l.Lesson, l.Step, d.steps(l.Lesson))
	}
	return ""
}

var _ tea.Model = (*Dashboard)(nil)
