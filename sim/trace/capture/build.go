package capture

import (
	"cmp"
	"fmt"
	"net/netip"
	"slices"

	"ftplab/sim/trace"
)

// timed is an event with its place in the capture: events follow capture
// order (pkt); within one packet, a connection's opening comes first, then
// the bytes it carried, then its close.
type timed struct {
	pkt   int
	phase int // 0 opening, 1 bytes, 2 close
	n     int // order of making
	at    int64
	e     trace.Event
}

const (
	phaseOpen = iota
	phaseBytes
	phaseClose
)

// events collects timed events.
type events struct{ list []timed }

func (ev *events) add(pkt, phase int, at int64, e trace.Event) {
	ev.list = append(ev.list, timed{pkt, phase, len(ev.list), at, e})
}

// role is a connection of the session with its id and who is who.
type role struct {
	c                        *conn
	id                       int
	ch                       trace.Channel
	dialer, listener         netip.AddrPort
	dialerHost, listenerHost string
}

func (r role) host(end netip.AddrPort) string {
	if end == r.dialer {
		return r.dialerHost
	}
	return r.listenerHost
}

func (r role) base() trace.Event { return trace.Event{Conn: r.id, Channel: r.ch} }

// buildTrace turns one session into a trace.
func buildTrace(c *capture, s *session) trace.Trace {
	var ev events
	for _, r := range roles(s) {
		addOpening(&ev, r)
		if r.ch == trace.Control {
			addControlBytes(&ev, r, s)
		} else {
			addDataBytes(&ev, r)
		}
		addEnd(&ev, r)
	}
	addCaptureNotes(&ev, c, s)
	return trace.Trace{Header: header(s), Events: ordered(ev.list)}
}

// roles gives the control connection and the data connections ids in
// order of their first packet.
func roles(s *session) []role {
	rs := []role{{c: s.ctrl, ch: trace.Control, dialer: s.client, listener: s.server, dialerHost: "client", listenerHost: "server"}}
	for _, d := range s.data {
		r := role{c: d.c, ch: trace.Data, dialer: d.c.other(d.listener), listener: d.listener, listenerHost: d.listenerHost, dialerHost: "client"}
		if d.listenerHost == "client" {
			r.dialerHost = "server"
		}
		rs = append(rs, r)
	}
	slices.SortStableFunc(rs, func(x, y role) int { return cmp.Compare(x.c.first, y.c.first) })
	for i := range rs {
		rs[i].id = i + 1
	}
	return rs
}

// addOpening: SYNs, their retransmissions and the handshake; or, when the
// capture starts after it, the connection as already open, with a note.
func addOpening(ev *events, r role) {
	f := r.c
	e := r.base()
	e.Host, e.From, e.To = r.dialerHost, r.dialer.String(), r.listener.String()
	if !f.synSeen {
		n := r.base()
		n.Kind, n.Host = trace.Note, r.dialerHost
		n.Text = fmt.Sprintf("the capture starts after this %s connection's handshake (its SYN is not in the capture): it is shown as open from here", r.ch)
		ev.add(f.first, phaseOpen, f.firstAt.UnixMicro(), n)
		e.Kind = trace.Connected
		ev.add(f.first, phaseOpen, f.firstAt.UnixMicro(), e)
		return
	}
	for i, m := range f.syns {
		s := e
		s.Kind = trace.SYN
		if i > 0 {
			s.Kind, s.Attempt = trace.Retransmit, i
		}
		ev.add(m.n, phaseOpen, m.at.UnixMicro(), s)
	}
	if f.synAck != nil {
		e.Kind = trace.Connected
		ev.add(f.synAck.n, phaseOpen, f.synAck.at.UnixMicro(), e)
	}
}

// addDataBytes: a data connection's bytes as sizes, and its gaps as notes.
func addDataBytes(ev *events, r role) {
	for _, from := range []netip.AddrPort{r.dialer, r.listener} {
		for _, c := range r.c.dir[r.c.dirOf(from)].stream() {
			if c.gap {
				ev.add(c.pkt, phaseBytes, c.at, gapNote(r, from, c.n, c.cut))
				continue
			}
			ev.add(c.pkt, phaseBytes, c.at, segmentEvent(r, from, c.n, ""))
		}
	}
}

// addControlBytes: control lines, gaps, and after AUTH TLS sizes only.
func addControlBytes(ev *events, r role, s *session) {
	for i, from := range []netip.AddrPort{s.client, s.server} {
		for _, l := range s.lines[i] {
			switch l.kind {
			case ctlLine:
				ev.add(l.pkt, phaseBytes, l.at, segmentEvent(r, from, l.n, trace.LineText(trimEOL(l.raw))))
			case ctlGap:
				ev.add(l.pkt, phaseBytes, l.at, gapNote(r, from, l.n, l.cut))
			case ctlTLS:
				n := r.base()
				n.Kind, n.Host = trace.Note, "server"
				n.Text = "from here the control channel is encrypted (TLS): commands and replies show as sizes only"
				ev.add(l.pkt, phaseBytes, l.at, n)
			case ctlSecret:
				ev.add(l.pkt, phaseBytes, l.at, segmentEvent(r, from, l.n, ""))
			}
		}
	}
}

func trimEOL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

func segmentEvent(r role, from netip.AddrPort, n int64, text string) trace.Event {
	e := r.base()
	e.Kind, e.Host, e.From, e.To, e.Bytes, e.Text = trace.Segment, r.host(from), from.String(), r.c.other(from).String(), n, text
	return e
}

// gapNote says where the capture misses bytes; bytes is how many, so an
// export can leave the same hole.
func gapNote(r role, from netip.AddrPort, n int64, cut bool) trace.Event {
	e := r.base()
	e.Kind, e.Host, e.From, e.To, e.Bytes = trace.Note, r.host(from), from.String(), r.c.other(from).String(), n
	why := "lost by the capture"
	if cut {
		why = "cut off by the capture's snap length"
	}
	e.Text = fmt.Sprintf("the capture misses %d bytes here that the %s sent (%s)", n, e.Host, why)
	return e
}

// addEnd: each side's FIN, or the RST (a refusal when the handshake never
// completed). A FIN comes after every byte of its side.
func addEnd(ev *events, r role) {
	f := r.c
	for _, from := range []netip.AddrPort{r.dialer, r.listener} {
		d := &f.dir[f.dirOf(from)]
		if d.fin == nil {
			continue
		}
		e := r.base()
		e.Kind, e.Host, e.From, e.To = trace.Close, r.host(from), from.String(), f.other(from).String()
		pkt := lastPkt(d.stream(), d)
		ev.add(pkt, phaseClose, d.fin.at.UnixMicro(), e)
	}
	if f.rst == nil {
		return
	}
	e := r.base()
	if f.synSeen && f.synAck == nil {
		e.Kind, e.Host, e.From, e.To, e.Err = trace.Refused, r.dialerHost, r.dialer.String(), r.listener.String(), "connection refused"
	} else {
		e.Kind, e.Host, e.Err = trace.Reset, r.host(f.rstFrom), "reset by the "+r.host(f.rstFrom)
	}
	ev.add(f.rst.n, phaseClose, f.rst.at.UnixMicro(), e)
}

// addCaptureNotes: what the capture as a whole lacks.
func addCaptureNotes(ev *events, c *capture, s *session) {
	if !s.ctrl.synSeen {
		n := trace.Event{Kind: trace.Note, Text: "the capture starts in the middle of this FTP session: " + s.how}
		if s.how == "" {
			n.Text = "the capture starts in the middle of this FTP session"
		}
		ev.add(s.ctrl.first, -1, s.ctrl.firstAt.UnixMicro(), n)
	}
	if c.cutAt > 0 {
		last := int64(0)
		for _, t := range ev.list {
			last = max(last, t.at)
		}
		n := trace.Event{Kind: trace.Note, Text: fmt.Sprintf("the capture file ends in the middle of packet %d: the %d complete packets before it are imported", c.cutAt, c.cutAt-1)}
		ev.add(c.cutAt, phaseClose+1, last, n)
	}
}

// ordered sorts the events into capture order and numbers them; times
// count from the first and never decrease (capture clocks can step back).
func ordered(list []timed) []trace.Event {
	slices.SortStableFunc(list, func(x, y timed) int {
		return cmp.Or(cmp.Compare(x.pkt, y.pkt), cmp.Compare(x.phase, y.phase), cmp.Compare(x.n, y.n))
	})
	out := make([]trace.Event, 0, len(list))
	var start int64
	for i, t := range list {
		if i == 0 {
			start = t.at
		}
		e := t.e
		e.Seq, e.T = len(out), t.at-start
		if len(out) > 0 {
			last := &out[len(out)-1]
			e.T = max(e.T, last.T)
			if sizesOnly(e) && sizesOnly(*last) && e.Conn == last.Conn && e.From == last.From &&
				(e.T == last.T || (e.Channel == trace.Data && e.T-last.T < mergeWindow)) {
				// One write the capture shows in several frames at one time
				// (or one frame a capture shows whole, beyond the MSS), and
				// a data connection's run of segments within mergeWindow:
				// one event, however an export splits it again.
				last.Bytes += e.Bytes
				continue
			}
		}
		out = append(out, e)
	}
	return out
}

// sizesOnly: a segment of data or encrypted control, bytes without text.
func sizesOnly(e trace.Event) bool { return e.Kind == trace.Segment && e.Text == "" }

func header(s *session) trace.Header {
	return trace.Header{Format: trace.FormatName, Version: trace.Version, Name: "import", Title: "Imported capture", Source: "import",
		Topology: trace.Topology{Hosts: []trace.Host{{Name: "client", Addr: s.client.Addr().String()}, {Name: "server", Addr: s.server.Addr().String()}}}}
}
