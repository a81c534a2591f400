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

// fold replays events up to and including i.
func fold(events []trace.Event, i int) stageState {
	s := stageState{byID: map[int]*connState{}}
	for k := 0; k <= i && k < len(events); k++ {
		e := events[k]
		if e.Conn == 0 {
			continue
		}
		c := s.byID[e.Conn]
		if c == nil {
			if e.Kind != trace.SYN {
				continue
			}
			c = &connState{id: e.Conn, channel: e.Channel, dialer: e.Host, from: e.From, to: e.To, status: "dialing"}
			s.byID[e.Conn] = c
			s.conns = append(s.conns, c)
		}
		switch e.Kind {
		case trace.Verdict:
			if e.Verdict != "accept" {
				c.box, c.rule = e.Box, e.Rule
			}
		case trace.Retransmit:
			c.attempt = e.Attempt
		case trace.Connected:
			c.status = "connected"
		case trace.Timeout:
			c.status = "dropped"
			if e.Box != "" {
				c.box, c.rule = e.Box, e.Rule
			}
		case trace.Refused:
			c.status = "refused"
			if e.Box != "" {
				c.box, c.rule = e.Box, e.Rule
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
	return s
}

// transcriptLine is one control-channel line up to a step.
type transcriptLine struct {
	index int    // event index
	host  string // who sent it
	text  string
	note  bool // a helper rewrite or blind notice
}

func transcript(events []trace.Event, i int) []transcriptLine {
	var out []transcriptLine
	for k := 0; k <= i && k < len(events); k++ {
		e := events[k]
		switch {
		case e.Kind == trace.Segment && e.Channel == trace.Control && e.Text != "":
			out = append(out, transcriptLine{index: k, host: e.Host, text: e.Text})
		case e.Kind == trace.Segment && e.Channel == trace.Control:
			out = append(out, transcriptLine{index: k, host: e.Host, text: "(encrypted)", note: true})
		case e.Kind == trace.Rewrite:
			out = append(out, transcriptLine{index: k, host: e.Box, text: e.Box + " rewrites it: " + e.After, note: true})
		case e.Kind == trace.Blind:
			out = append(out, transcriptLine{index: k, host: e.Box, text: e.Box + " cannot read the channel any more", note: true})
		}
	}
	// Collapse runs of encrypted segments: one line says enough.
	var merged []transcriptLine
	for _, l := range out {
		if n := len(merged); n > 0 && l.text == "(encrypted)" && merged[n-1].text == "(encrypted)" && merged[n-1].host == l.host {
			merged[n-1].index = l.index
			continue
		}
		merged = append(merged, l)
	}
	return merged
}
