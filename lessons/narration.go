package lessons

import (
	"strings"

	"ftplab/sim/trace"
)

// Narrated is one thing the learner reads: the words, and the event they
// are shown with.
type Narrated struct {
	Event int
	Text  string
	Intro bool // the lesson's introduction
}

// Narrate is the lesson's narration for a run, in the order a learner
// reads it. The rule, the same for the player and headless output: the
// introduction comes first, with event 0; a section about event 0 follows
// it; then each event's section, in event order. At most one section
// speaks per event: the first in the file whose hook matches (a "once"
// section only at its first match).
func (l *Lesson) Narrate(evs []trace.Event) []Narrated {
	v := l.view(evs)
	var out []Narrated
	if l.Intro != "" && len(evs) > 0 {
		out = append(out, Narrated{Event: 0, Text: l.Intro, Intro: true})
	}
	for i := range evs {
		if s := l.section(i, v); s != nil {
			out = append(out, Narrated{Event: i, Text: fill(s.Text, v, i)})
		}
	}
	return out
}

// Narration is the lesson's words shown with event i (the introduction,
// then any section, at event 0), or "" when nothing is said there. It reads
// only events up to i, so a live player that has seen just those gets the
// same words as a replay of the finished run.
func (l *Lesson) Narration(i int, evs []trace.Event) string {
	if i < 0 || i >= len(evs) {
		return ""
	}
	v := l.view(evs[:i+1])
	var parts []string
	if i == 0 && l.Intro != "" {
		parts = append(parts, l.Intro)
	}
	if s := l.section(i, v); s != nil {
		parts = append(parts, fill(s.Text, v, i))
	}
	return strings.Join(parts, "\n\n")
}

// section is the section that speaks at event i, if any.
func (l *Lesson) section(i int, v *view) *Section {
	for k := range l.Sections {
		s := &l.Sections[k]
		if !s.hook.matches(i, v) {
			continue
		}
		if s.Once && v.first(s.hook) != i {
			continue
		}
		return s
	}
	return nil
}

// PredictionAt is the question to ask before showing event i, if any.
func (l *Lesson) PredictionAt(i int, evs []trace.Event) *Prediction {
	if i < 0 || i >= len(evs) {
		return nil
	}
	v := l.view(evs[:i+1])
	for k := range l.Predictions {
		p := &l.Predictions[k]
		if p.hook.matches(i, v) && v.first(p.hook) == i {
			return p
		}
	}
	return nil
}

// view is the run as the lesson's hooks and placeholders read it.
func (l *Lesson) view(evs []trace.Event) *view {
	v := newView(evs)
	v.syn = l.Scenario.SYNScheduleText()
	return v
}
