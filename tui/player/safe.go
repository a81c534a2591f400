package player

import (
	"ftplab/internal/termsafe"
	"ftplab/sim/trace"
)

// The player shows text from outside: a recorded or imported trace, a
// teacher's lesson file, a real client on `serve --watch`. Escape sequences
// in it (hyperlinks, colours, the clipboard, the title) must not reach the
// terminal, so every string is escaped where it enters the screen: the
// header when the player opens, event fields as the stage, transcript,
// event list and inspector draw them, the narration and the questions as
// they are drawn. The events
// themselves stay as they are (a lesson's hooks match the real text).

var safe = termsafe.String

// safeHeader is h with every shown string escaped (a copy: the caller's
// header is not touched).
func safeHeader(h trace.Header) trace.Header {
	h.Name, h.Title = safe(h.Name), safe(h.Title)
	hosts := make([]trace.Host, len(h.Topology.Hosts))
	for i, x := range h.Topology.Hosts {
		hosts[i] = trace.Host{Name: safe(x.Name), Addr: safe(x.Addr), Public: safe(x.Public)}
	}
	boxes := make([]trace.Box, len(h.Topology.Boxes))
	for i, b := range h.Topology.Boxes {
		rules := make([]string, len(b.Rules))
		for k, r := range b.Rules {
			rules[k] = safe(r)
		}
		boxes[i] = trace.Box{Name: safe(b.Name), Kind: safe(b.Kind), Side: safe(b.Side), Rules: rules, ALG: b.ALG}
	}
	h.Topology.Hosts, h.Topology.Boxes = hosts, boxes
	return h
}

// safeQuestion is q with its words escaped.
func safeQuestion(q *Question) *Question {
	if q == nil {
		return nil
	}
	c := *q
	c.Question, c.Explain = safe(q.Question), safe(q.Explain)
	c.Choices = make([]string, len(q.Choices))
	for i, s := range q.Choices {
		c.Choices[i] = safe(s)
	}
	return &c
}
