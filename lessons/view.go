package lessons

import (
	"net/netip"
	"strconv"
	"strings"

	"ftplab/sim/trace"
)

// view is a run's events with what a hook or a placeholder needs to know
// about each, worked out once: the channel (a listen carries none in the
// trace), which data connection it belongs to, the last command before it,
// and each connection's endpoints (a verdict carries none).
type view struct {
	evs   []trace.Event
	facts []facts
	ends  map[int][2]string // conn -> from, to of its first SYN
	syn   string            // the scenario's SYN schedule, in words
}

type facts struct {
	channel trace.Channel
	dataN   int    // the data connection's number, 1.. in order of appearance (0: none)
	lastCmd string // verb of the last client command before this event
}

func newView(evs []trace.Event) *view {
	v := &view{evs: evs, facts: make([]facts, len(evs)), ends: map[int][2]string{}}
	dataN := map[int]int{}
	controlSeen := false
	last := ""
	for i, e := range evs {
		f := facts{channel: e.Channel, lastCmd: last}
		switch {
		case e.Kind == trace.Listen:
			// The server's first listen, before any control connection, is
			// the control listener; every later one, and every client
			// listen, is for the next data connection.
			if e.Host == "server" && !controlSeen {
				f.channel = trace.Control
			} else {
				f.channel = trace.Data
				f.dataN = len(dataN) + 1
			}
		case e.Conn > 0 && e.Channel == trace.Data:
			n, ok := dataN[e.Conn]
			if !ok {
				n = len(dataN) + 1
				dataN[e.Conn] = n
			}
			f.dataN = n
		}
		if e.Channel == trace.Control {
			controlSeen = true
		}
		if (e.Kind == trace.SYN || e.Kind == trace.Retransmit) && e.Conn > 0 {
			if _, ok := v.ends[e.Conn]; !ok {
				v.ends[e.Conn] = [2]string{e.From, e.To}
			}
		}
		if isCommand(e) {
			verb, _, _ := strings.Cut(e.Text, " ")
			last = strings.ToUpper(verb)
		}
		v.facts[i] = f
	}
	return v
}

// from and to are the event's endpoints, or its connection's when the event
// carries none (a verdict, a NAT step).
func (v *view) from(i int) string {
	if e := v.evs[i]; e.From != "" || e.Conn == 0 {
		return e.From
	}
	return v.ends[v.evs[i].Conn][0]
}

func (v *view) to(i int) string {
	if e := v.evs[i]; e.To != "" || e.Conn == 0 {
		return e.To
	}
	return v.ends[v.evs[i].Conn][1]
}

// hasPort tells whether any address the event names has this port.
func (v *view) hasPort(i int, port int) bool {
	e := v.evs[i]
	for _, a := range []string{v.from(i), v.to(i), e.Before, e.After} {
		if ap, err := netip.ParseAddrPort(a); err == nil && int(ap.Port()) == port {
			return true
		}
	}
	return false
}

// connKey names the connection an event is on, for the ambiguity check: a
// connection id, or a listening address ("" for neither).
func (v *view) connKey(i int) string {
	e := v.evs[i]
	switch {
	case e.Conn > 0:
		return string(e.Channel) + " #" + strconv.Itoa(e.Conn)
	case e.Kind == trace.Listen:
		return "listen " + e.From
	}
	return ""
}

// first is the first event the hook matches, or -1.
func (v *view) first(h hook) int {
	for i := range v.evs {
		if h.matches(i, v) {
			return i
		}
	}
	return -1
}
