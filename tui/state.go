package tui

import (
	"ftplab/sim/trace"
)

// connState is what the stage knows about one connection at a step.
type connState struct {
	id       int
	channel  trace.Channel
	dialer   string // client or server
	from, to string // as the dialer sees them
	status   string // dialing, connected, dropped, refused, closed, reset
	box      string // the box that dropped or refused it
	rule     string
	attempt  int
	bytes    int64
}

// stageState is the network as it stands after events[0..i].
type stageState struct {
	conns []*connState // in the order they appeared
	byID  map[int]*connState
}

// apply moves the state past one event.
func (s *stageState) apply(e trace.Event) {
	if e.Conn == 0 {
		return
	}
	c := s.byID[e.Conn]
	if c == nil {
		if e.Kind != trace.SYN {
			return
		}
		c = &connState{id: e.Conn, channel: trace.Channel(safe(string(e.Channel))), dialer: safe(e.Host), from: safe(e.From), to: safe(e.To), status: "dialing"}
		s.byID[e.Conn] = c
		s.conns = append(s.conns, c)
	}
	switch e.Kind {
	case trace.Verdict:
		if e.Verdict != "accept" {
			c.box, c.rule = safe(e.Box), safe(e.Rule)
		}
	case trace.Retransmit:
		c.attempt = e.Attempt
	case trace.Connected:
		c.status = "connected"
	case trace.Timeout:
		c.status = "dropped"
		if e.Box != "" {
			c.box, c.rule = safe(e.Box), safe(e.Rule)
		}
	case trace.Refused:
		c.status = "refused"
		if e.Box != "" {
			c.box, c.rule = safe(e.Box), safe(e.Rule)
		}
	case trace.Segment:
		c.bytes += e.Bytes
	case trace.Close:
		if c.status == "connected" {
			c.status = "closed"
		}
	case trace.Reset:
		c.status = "reset"
	}
}

// transcriptLine is one control-channel line up to a step.
type transcriptLine struct {
	index int    // event index
	host  string // who sent it
	text  string
	note  bool // a helper rewrite or blind notice
}

// addTranscript appends event k's control line, if it has one. A run of
// encrypted segments from one host stays one line: one says enough.
func addTranscript(out []transcriptLine, k int, e trace.Event) []transcriptLine {
	var l transcriptLine
	switch {
	case e.Kind == trace.Segment && e.Channel == trace.Control && e.Text != "":
		l = transcriptLine{index: k, host: safe(e.Host), text: safe(e.Text)}
	case e.Kind == trace.Segment && e.Channel == trace.Control:
		l = transcriptLine{index: k, host: safe(e.Host), text: "(encrypted)", note: true}
		if n := len(out); n > 0 && out[n-1].text == l.text && out[n-1].host == l.host {
			out[n-1].index = k
			return out
		}
	case e.Kind == trace.Rewrite:
		l = transcriptLine{index: k, host: safe(e.Box), text: safe(e.Box + " rewrites it: " + e.After), note: true}
	case e.Kind == trace.Blind:
		l = transcriptLine{index: k, host: safe(e.Box), text: safe(e.Box) + " cannot read the channel any more", note: true}
	default:
		return out
	}
	return append(out, l)
}

// progress is the stage state and the transcript at step upTo, kept
// between frames: stepping forward applies only the new events, so a frame
// never walks the whole trace (a replay may hold a million events).
type progress struct {
	upTo  int // the last event applied; -1 none
	stage stageState
	lines []transcriptLine
}

func newProgress() *progress {
	return &progress{upTo: -1, stage: stageState{byID: map[int]*connState{}}}
}

// at brings the state to step i. Events are only ever appended, so going
// forward continues from where it stood; going back starts over.
func (p *progress) at(events []trace.Event, i int) *progress {
	if i < p.upTo {
		*p = *newProgress()
	}
	for k := p.upTo + 1; k <= i && k < len(events); k++ {
		p.stage.apply(events[k])
		p.lines = addTranscript(p.lines, k, events[k])
		p.upTo = k
	}
	return p
}
