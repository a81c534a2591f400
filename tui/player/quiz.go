package player

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"ftplab/tui/theme"
)

// quiz is the question on screen, if any, and the score so far.
type quiz struct {
	asking   *Question // a question on screen
	answered int       // the learner's choice, 0 = not yet
	nudged   bool      // another key came before an answer
	score    int       // right answers
	total    int       // questions answered
	asked    map[int]bool
}

func newQuiz() quiz { return quiz{asked: map[int]bool{}} }

// ask puts the question for event k on screen, once per event.
func (q *quiz) ask(k int, question *Question) bool {
	if question == nil || q.asked[k] {
		return false
	}
	q.asked[k] = true
	q.asking, q.answered, q.nudged = question, 0, false
	return true
}

// key takes a key while a question is open. done reports that the
// learner has read the answer and wants to see the event.
func (q *quiz) key(msg tea.KeyPressMsg) (done bool) {
	s := msg.String()
	switch {
	case q.answered == 0 && len(s) == 1 && s[0] >= '1' && s[0] <= '9':
		if c := int(s[0] - '0'); c <= len(q.asking.Choices) {
			q.answered = c
			q.total++
			if c == q.asking.Answer {
				q.score++
			}
		}
	case q.answered != 0:
		q.asking = nil
		return true
	default:
		// A step key (or any other) before an answer: say so, rather
		// than draw nothing and leave the learner pressing it again.
		q.nudged = true
	}
	return false
}

// view is the question, its choices and, once answered, the verdict.
func (q *quiz) view(w int, st theme.Styles) []string {
	a := safeQuestion(q.asking)
	out := wrapIndent(st.Prompt.Render("? "+a.Question), w, 2)
	for k, c := range a.Choices {
		mark := "  "
		if q.answered == k+1 {
			mark = "» "
		}
		out = append(out, fmt.Sprintf("  %s%d. %s", mark, k+1, c))
	}
	switch {
	case q.answered == 0 && q.nudged:
		out = append(out, st.Prompt.Render("  answer first: press 1-"+fmt.Sprint(len(a.Choices))))
	case q.answered == 0:
		out = append(out, st.Dim.Render("  press 1-"+fmt.Sprint(len(a.Choices))))
	case q.answered == a.Answer:
		out = append(out, wrapIndent(st.OK.Render("  ✓ Right. "+a.Explain), w, 4)...)
		out = append(out, st.Dim.Render("  any key: see it happen"))
	default:
		out = append(out, wrapIndent(st.Bad.Render(fmt.Sprintf("  ✗ Not quite: it is %d. %s", a.Answer, a.Explain)), w, 4)...)
		out = append(out, st.Dim.Render("  any key: see it happen"))
	}
	return out
}

// helpKeys are the footer's keys while a question waits for its answer.
func (q *quiz) helpKeys(k keyMap) []key.Binding {
	n := len(q.asking.Choices)
	answer := key.NewBinding(key.WithKeys("1"), key.WithHelp(fmt.Sprintf("1-%d", n), "answer"))
	// Only esc goes back to the menu during a question (update's
	// asking case); the other back keys are taken as a try to answer.
	back := key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", k.Back.Help().Desc))
	back.SetEnabled(k.Back.Enabled())
	return []key.Binding{answer, back, k.Quit}
}
