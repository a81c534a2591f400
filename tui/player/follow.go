package player

import tea "charm.land/bubbletea/v2"

// FollowMsg puts the player under a teacher's lead: it goes to Step
// (1-based) and the learner may look around (back, the inspector, the
// event list, help) but not step past it. Step 0 releases them.
type FollowMsg struct{ Step int }

// follow applies a FollowMsg. A question on the way stops the jump, as
// every jump does: the learner answers it, then catches up.
func (p *Player) follow(m FollowMsg) tea.Cmd {
	p.lead = max(m.Step, 0)
	if p.lead == 0 {
		return nil
	}
	p.tr.playing = false
	if p.q.asking != nil {
		return nil
	}
	return p.jumpTo(p.lead - 1)
}

// ahead tells whether the learner may not go further (the teacher leads
// and they stand at the teacher's step).
func (p *Player) ahead(to int) bool { return p.lead > 0 && to > p.lead-1 }
