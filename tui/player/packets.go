package player

import (
	"fmt"
	"math"
	"sort"

	"ftplab/sim/trace"
	"ftplab/tui/theme"
)

// detail is the player's granularity: key d switches it.
type detail uint8

const (
	// detailSteps steps through the session's events, the transport's
	// own packets (syn-ack, ack, fin, rst) folded out: a 1.0 and a 1.1
	// trace of the same run have the same steps.
	detailSteps detail = iota
	// detailPackets steps through every packet of each step as well,
	// ACKs included (trace.Packets, the model the pcap export writes).
	detailPackets
)

// stream keeps every event the session brought, and which are steps.
type stream struct {
	all    []trace.Event // every event, transport ones included
	stepAt []int         // the index in all of each step (the player's events)
}

// newStream holds the events a session brought up front and returns its
// steps. A trace without transport events (1.0, a long replay) is not
// copied: the steps are the events themselves (capped, so that appending
// to either copies instead of writing over the other).
func newStream(events []trace.Event) (stream, []trace.Event) {
	events = events[:len(events):len(events)]
	st := stream{all: events, stepAt: make([]int, 0, len(events))}
	for j, e := range events {
		if !e.Kind.Transport() {
			st.stepAt = append(st.stepAt, j)
		}
	}
	if len(st.stepAt) == len(events) {
		return st, events
	}
	return st, steps(events)
}

// add takes one event and tells whether it is a step.
func (s *stream) add(e trace.Event) bool {
	s.all = append(s.all, e)
	if e.Kind.Transport() {
		return false
	}
	s.stepAt = append(s.stepAt, len(s.all)-1)
	return true
}

// steps are the events that are steps, in order.
func steps(events []trace.Event) []trace.Event {
	out := make([]trace.Event, 0, len(events))
	for _, e := range events {
		if !e.Kind.Transport() {
			out = append(out, e)
		}
	}
	return out
}

// packetView is the session's packets, grouped by the step each belongs
// to, built for the events known when it was made.
type packetView struct {
	n      int // len(stream.all) it was built for
	byStep map[int][]trace.Packet
	err    error
}

// packetsOf builds the packet view: each packet goes with the step of
// its event. A transport event has no step of its own: the handshake's
// syn-ack and ack go with the next step ("connected"), a RST before a
// "refused" and a FIN before a "close" of its connection with that, and
// the other FINs and RSTs with the step before them (the "close" or
// "reset" they follow).
func packetsOf(h trace.Header, s *stream) *packetView {
	v := &packetView{n: len(s.all), byStep: map[int][]trace.Packet{}}
	pk, err := trace.Packets(h, s.all)
	if err != nil {
		v.err = err
		return v
	}
	owner := make([]int, len(s.all)) // the step of each event, -1: not known yet
	k := 0                           // steps before event j
	for j, e := range s.all {
		switch {
		case k < len(s.stepAt) && s.stepAt[k] == j:
			owner[j] = k
			k++
			continue
		case e.Kind == trace.SYNACK || e.Kind == trace.ACK:
			owner[j] = k // the next step
		case (e.Kind == trace.RST || e.Kind == trace.FIN) && k < len(s.stepAt) && leadsTo(e, s.all[s.stepAt[k]]):
			owner[j] = k
		default:
			owner[j] = k - 1
		}
		if owner[j] >= len(s.stepAt) {
			owner[j] = len(s.stepAt) - 1 // the next step has not come (yet)
		}
	}
	for _, p := range pk {
		if o := owner[p.Event]; o >= 0 {
			v.byStep[o] = append(v.byStep[o], p)
		}
	}
	return v
}

// packets is the packet view for the events so far, rebuilt when more
// have come.
func (p *Player) packets() *packetView {
	if p.pv == nil || p.pv.n != len(p.ev.all) {
		p.pv = packetsOf(p.s.Header, &p.ev)
	}
	return p.pv
}

// stepPackets are the packets of the current step.
func (p *Player) stepPackets() []trace.Packet {
	if p.tr.i < 0 {
		return nil
	}
	return p.packets().byStep[p.tr.i]
}

// packetLine is one packet as the list shows it, Wireshark-like, with the
// hosts' names for its ends.
func packetLine(pk trace.Packet, dialer, listener string) string {
	from, to := dialer, listener
	if !pk.FromDialer {
		from, to = listener, dialer
	}
	return fmt.Sprintf("%s → %s [%s] Seq=%d Ack=%d Win=%d Len=%d", from, to, pk.Flags, pk.RelSeq, pk.RelAck, pk.Window, len(pk.Payload))
}

// ends are the dialer's and listener's names of a connection.
func (p *Player) ends(conn int) (dialer, listener string) {
	dialer = p.names.dialer(p.s.Events, conn)
	for _, h := range p.s.Header.Topology.Hosts {
		if h.Name != dialer {
			listener = h.Name
			break
		}
	}
	if dialer == "" {
		dialer = "dialer"
	}
	if listener == "" {
		listener = "listener"
	}
	return dialer, listener
}

// packetLines are the packets of the step, the current one marked, as
// many as fit in room lines around it.
func (p *Player) packetLines(w, room int, st theme.Styles) []string {
	pks := p.stepPackets()
	if len(pks) == 0 {
		return []string{st.Dim.Render(" packets: none of its own (a box's decision, a listener, a note)")}
	}
	out := []string{st.Dim.Render(fmt.Sprintf(" packet %d/%d of this step · d: steps", p.pk+1, len(pks)))}
	room = max(room-1, 1)
	first := max(0, min(p.pk-room/2, len(pks)-room))
	for k := first; k < len(pks) && k < first+room; k++ {
		d, l := p.ends(pks[k].Conn)
		line := "   " + packetLine(pks[k], d, l) + " " + p.connLabel(pks[k].Conn)
		if k == p.pk {
			out = append(out, st.Current.Render(" ▶ "+line[3:]))
			continue
		}
		out = append(out, line)
	}
	return out
}

// listPacketsMax bounds the packets the event list shows under a step.
const listPacketsMax = 4

// listPackets are the lines the event list shows under a step in packets
// detail: its packets (a window around the current one on the player's
// step), the current one marked.
func (p *Player) listPackets(step int) []string {
	pks := p.packets().byStep[step]
	first, cur := 0, -1
	if step == p.tr.i {
		cur = p.pk
		first = max(0, min(p.pk-listPacketsMax/2, len(pks)-listPacketsMax))
	}
	var out []string
	if first > 0 {
		out = append(out, fmt.Sprintf("             … %d packets before", first))
	}
	last := min(len(pks), first+listPacketsMax)
	for k := first; k < last; k++ {
		d, l := p.ends(pks[k].Conn)
		mark := "  "
		if k == cur {
			mark = "▸ "
		}
		out = append(out, fmt.Sprintf("           %s%s %s", mark, packetLine(pks[k], d, l), p.connLabel(pks[k].Conn)))
	}
	if n := len(pks) - last; n > 0 {
		out = append(out, fmt.Sprintf("             … %d more packets", n))
	}
	return out
}

// connLabel is a connection's name on screen (see connNames).
func (p *Player) connLabel(id int) string { return "[" + p.names.of(p.s.Events, id) + "]" }

// nextPacket moves to the step's next packet in packets detail, and
// tells whether it did (else the next key press is a step).
func (p *Player) nextPacket() bool {
	if p.detail != detailPackets || p.pk+1 >= len(p.stepPackets()) {
		return false
	}
	p.pk++
	return true
}

// prevPacket moves to the step's packet before, in packets detail.
func (p *Player) prevPacket() bool {
	if p.detail != detailPackets || p.pk == 0 {
		return false
	}
	p.pk--
	return true
}

// lastPacket stands on the step's last packet (stepping back into a step
// in packets detail).
func (p *Player) lastPacket() {
	if p.detail == detailPackets {
		p.pk = max(0, len(p.stepPackets())-1)
	}
}

// leadsTo tells whether a RST or FIN is the packet of the step that
// follows it: the RST that refuses a dial, the FIN of a close.
func leadsTo(e, next trace.Event) bool {
	if next.Conn != e.Conn {
		return false
	}
	return (e.Kind == trace.RST && next.Kind == trace.Refused) || (e.Kind == trace.FIN && next.Kind == trace.Close)
}

// stepOf is the step of the event at index j of every event (a
// transport event: the step before it); beyond the events so far, a step
// that has not come.
func (s *stream) stepOf(j int) int {
	if j >= len(s.all) {
		return math.MaxInt
	}
	return sort.SearchInts(s.stepAt, j+1) - 1
}

// receivedSteps is Session.Received with each At, an index in every
// event the session brought, turned into the step it belongs to.
func (p *Player) receivedSteps() []Received {
	if len(p.s.Received) == 0 {
		return nil
	}
	out := make([]Received, len(p.s.Received))
	for k, rc := range p.s.Received {
		rc.At = p.ev.stepOf(rc.At)
		out[k] = rc
	}
	return out
}
