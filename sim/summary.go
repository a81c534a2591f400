package sim

import (
	"strings"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// Summary is what `ftplab run --json` prints: the outcome and the steps a
// checker cares about, all derived from the events (so a replay gives the
// same summary as the live run).
type Summary struct {
	Name       string     `json:"name,omitempty"`
	OK         bool       `json:"ok"`          // the transfer completed and the sha256 matched
	Expected   string     `json:"expected"`    // ok or fail, from the scenario
	AsExpected bool       `json:"as_expected"` // OK == (Expected == "ok")
	Reason     string     `json:"reason,omitempty"`
	Replies    []Reply    `json:"replies"`    // control replies in order, as the client received them
	DataDials  []DataDial `json:"data_dials"` // every data connection attempt
	Rewrites   []Rewrite  `json:"rewrites"`   // helper and NAT rewrites of control lines
	Events     int        `json:"events"`
	VirtualMS  float64    `json:"virtual_ms"` // simulated duration
}

// Reply is one control-channel reply.
type Reply struct {
	Code int    `json:"code"`
	Text string `json:"text"`
}

// DataDial is one attempt to open a data connection.
type DataDial struct {
	Conn   int    `json:"conn"`
	Dialer string `json:"dialer"` // client or server
	From   string `json:"from"`   // as the dialer sees it
	To     string `json:"to"`
	Result string `json:"result"`         // connected, dropped, rejected, refused
	Box    string `json:"box,omitempty"`  // the box whose verdict decided
	Rule   string `json:"rule,omitempty"` // the deciding rule
	State  string `json:"state,omitempty"`
}

// Rewrite is a control line changed on its way.
type Rewrite struct {
	Box    string `json:"box"`
	Before string `json:"before"`
	After  string `json:"after"`
}

// Summarize derives the summary from a header and its events.
func Summarize(h trace.Header, sc scenario.Scenario, events []trace.Event) Summary {
	s := Summary{Name: h.Name, Expected: sc.Expect, Replies: []Reply{}, DataDials: []DataDial{}, Rewrites: []Rewrite{}}
	if s.Expected == "" {
		s.Expected = "ok"
	}
	rewritten := map[string]string{}
	for _, e := range events {
		switch e.Kind {
		case trace.Rewrite:
			s.Rewrites = append(s.Rewrites, Rewrite{Box: e.Box, Before: e.Before, After: e.After})
			rewritten[e.Before] = e.After
		case trace.Segment:
			if e.Channel == trace.Control && e.Host == "server" && e.Text != "" {
				text := e.Text
				if after, ok := rewritten[text]; ok {
					text = after
				}
				if r, ok := parseReplyLine(text); ok {
					s.Replies = append(s.Replies, r)
				}
			}
		case trace.Result:
			s.OK = e.Verdict == "ok"
			s.Reason = e.Text
		}
	}
	for _, c := range trace.FoldAll(events).Conns {
		if c.Channel != trace.Data {
			continue
		}
		d := DataDial{Conn: c.ID, Dialer: c.Dialer, From: c.From, To: c.To}
		if c.Verdict != "" { // a box decided (a SYN lost in the network has a reason, not a rule)
			d.Box, d.Rule, d.State = c.Box, c.Rule, c.State
		}
		if c.Dial != trace.StatusDialing {
			d.Result = c.Dial.String()
		}
		s.DataDials = append(s.DataDials, d)
	}
	s.AsExpected = s.OK == (s.Expected == "ok")
	s.Events = len(events)
	if n := len(events); n > 0 {
		s.VirtualMS = float64(events[n-1].T) / 1000
	}
	return s
}

// parseReplyLine reads "227 Entering..." (the last line of a reply). The
// "nnn-" lines of a multi-line reply are skipped.
func parseReplyLine(line string) (Reply, bool) {
	code, multi, ok := ftp.ParseReplyLine(line)
	if !ok || multi {
		return Reply{}, false
	}
	return Reply{Code: code, Text: strings.TrimSpace(line[3:])}, true
}
