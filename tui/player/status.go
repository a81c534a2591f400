package player

// Status is where a learner stands in a session, for someone watching from
// outside (the classroom dashboard): step N of M, the score so far, and
// whether the end was reached.
type Status struct {
	Title        string
	Step, Steps  int
	Score, Total int
	Finished     bool
}

// status is the player's current Status.
func (p *Player) status() Status {
	return Status{Title: p.s.Header.Title, Step: p.tr.i + 1, Steps: p.length(),
		Score: p.q.score, Total: p.q.total, Finished: p.finished}
}

// report gives Options.OnStatus the status when it changed since the last
// report. It runs inside Update, so the callback must return at once.
func (p *Player) report() {
	if p.o.OnStatus == nil {
		return
	}
	if s := p.status(); s != p.reported {
		p.reported = s
		p.o.OnStatus(s)
	}
}
