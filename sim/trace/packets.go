package trace

import (
	"fmt"
	"net/netip"
	"strings"
)

// Flags are a TCP segment's control bits.
type Flags uint8

// The control bits a packet can carry.
const (
	FlagFIN Flags = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
)

// String is the bits as Wireshark lists them: "SYN, ACK".
func (f Flags) String() string {
	var out []string
	for _, b := range []struct {
		f    Flags
		name string
	}{{FlagFIN, "FIN"}, {FlagSYN, "SYN"}, {FlagRST, "RST"}, {FlagPSH, "PSH"}, {FlagACK, "ACK"}} {
		if f&b.f != 0 {
			out = append(out, b.name)
		}
	}
	return strings.Join(out, ", ")
}

// Packet is one TCP segment on the wire between the boxes, as a capture
// there would show it: the player's packets detail lists these, and the
// pcap exporters write them. A dialer behind source NAT appears with its
// public address, a listener behind port forwarding with the address that
// was dialed, and a control line an FTP helper rewrote as rewritten.
type Packet struct {
	Event      int // the index of the event it belongs to
	Conn       int
	Channel    Channel
	T          int64 // virtual time, µs
	FromDialer bool
	Src, Dst   netip.AddrPort
	Flags      Flags
	// Seq and Ack are the numbers on the wire (Ack is 0 without the ACK
	// bit); RelSeq and RelAck count from each side's initial sequence
	// number, as Wireshark shows them.
	Seq, Ack       uint32
	RelSeq, RelAck uint32
	Window         uint16
	Payload        []byte // control lines as the wire carried them, TLS records, data filler
}

// Window is what each side advertises: Linux's initial receive window
// for a 1460-byte MSS; the receiver ACKs every second segment, so it
// never fills.
const Window = 64240

// MSS is the largest payload of one packet.
const MSS = 1460

// Packets expands the events into the packets they stand for. Where the
// trace has the transport's own events (format 1.1: syn-ack, ack, fin,
// rst) those make the handshake and teardown, at their times; a trace
// without them (1.0, or a connection that has none) gets them synthesized
// as a real stack would send them: the SYN-ACK and ACK at "connected",
// both FINs at "close" when the other side sends nothing more, a RST at
// "reset" or "refused" (a 1.1 trace's FINs and reset RSTs are never
// synthesized: they come after their close or reset). Data segments are cut into MSS-sized packets,
// each second one and the last acknowledged by the receiver. A connection
// a capture joined mid-way (its first event "connected", no SYN) starts
// there, with no handshake. The header tells an imported trace, whose
// every FIN is an event of its own.
func Packets(h Header, events []Event) ([]Packet, error) {
	flows, err := planFlows(events)
	if err != nil {
		return nil, err
	}
	if h.Minor >= 1 {
		// A 1.1 trace has every FIN and every RST of a reset as events,
		// which come after the close or reset they belong to: a trace cut
		// there (a live session) must not synthesize them meanwhile.
		for _, f := range flows {
			f.real.fin, f.real.reset = true, true
		}
	}
	x := expander{events: events, flows: flows, onWire: rewrittenLines(events), bothClose: map[int]bool{}}
	if h.Source != "import" {
		x.bothClose = closesBothWays(events, flows)
	}
	for i, e := range events {
		x.event(i, e)
	}
	return x.out, nil
}

// expander walks the events once, appending each one's packets.
type expander struct {
	events    []Event
	flows     map[int]*flow
	onWire    map[int]string // index of a control segment -> the line on the wire
	bothClose map[int]bool   // index of a close -> the other side's FIN follows at once
	out       []Packet
	cur       int // the event being expanded
	curT      int64
}

func (x *expander) event(i int, e Event) {
	f := x.flows[e.Conn]
	if e.Conn == 0 || f == nil {
		return
	}
	if !f.started && e.Kind != SYN && e.Kind != Retransmit && e.Kind != Connected {
		return // nothing of a connection shows before it starts
	}
	x.cur, x.curT = i, e.T
	switch e.Kind {
	case SYN, Retransmit:
		f.started = true
		x.frame(f, true, FlagSYN, nil)
	case SYNACK:
		if !f.open && !f.synAcked {
			f.seqA++ // the SYN took one
			x.frame(f, false, FlagSYN|FlagACK, nil)
			f.seqB++
			f.synAcked = true
		}
	case ACK:
		if f.synAcked && !f.open && f.isA(e) {
			f.open = true
			x.frame(f, true, FlagACK, nil)
		}
	case Connected:
		x.connected(f)
	case Refused:
		if !f.real.rst {
			x.refused(f)
		}
	case Segment:
		x.segment(f, e, x.onWire[i])
	case Note:
		if e.Bytes > 0 && (e.From != "" || e.Host != "") {
			f.skip(f.isA(e), e.Bytes) // the capture this came from misses these bytes: so does this one
		}
	case FIN:
		x.fin(f, f.isA(e))
	case Close:
		if !f.real.fin {
			x.close(f, f.isA(e), x.bothClose[i])
		}
	case RST:
		x.rst(f, e)
	case Reset:
		if !f.real.rst && !f.real.reset && !f.closed() {
			fromA := f.isA(e)
			if e.Host == "" {
				fromA = true
			}
			x.frame(f, fromA, FlagRST|FlagACK, nil)
			f.finA, f.finB = true, true
		}
	}
}

// flow is one connection as the wire shows it: from the dialer's (A's)
// point of view, so both directions belong to one TCP stream.
type flow struct {
	conn       int
	ch         Channel
	a, b       netip.AddrPort // dialer, listener, as the wire between the boxes carries them
	self       string         // the dialer's own address as it sees it (behind NAT: private)
	host       string         // the dialer's host name
	isnA, isnB uint32
	seqA, seqB uint32 // next sequence number each side sends
	started    bool   // its first SYN (or, mid-capture, its first segment) is out
	synAcked   bool   // the listener's SYN-ACK is out
	open       bool
	finA, finB bool // each side's FIN (or an RST) is out
	rstA, rstB bool // each side's RST is out
	unacked    int  // full segments received since the last ACK
	// real tells which of the transport's own events the trace has for
	// this connection; those replace the synthesized ones.
	real struct{ handshake, fin, rst, reset bool }
}

func (f *flow) closed() bool { return f.finA && f.finB }

// isA tells whether the event's actor is the dialer: by host name, or
// without one by the dialer's own address (a listener behind NAT sees
// other addresses than the dialer does).
func (f *flow) isA(e Event) bool {
	if e.Host != "" && f.host != "" {
		return e.Host == f.host
	}
	return e.From == f.self
}

// skip leaves a hole of n bytes in a side's sequence numbers.
func (f *flow) skip(fromA bool, n int64) {
	if fromA {
		f.seqA += uint32(n)
	} else {
		f.seqB += uint32(n)
	}
}

// connected is the SYN-ACK and ACK, unless the trace has its own; a
// connection whose SYN the trace does not have (an import that starts
// mid-session) just starts here.
func (x *expander) connected(f *flow) {
	if f.open {
		return // one handshake per connection
	}
	if f.real.handshake && f.started {
		f.open = true // its syn-ack and ack came (or will not)
		return
	}
	f.open = true
	if !f.started {
		f.started = true
		f.seqA++
		f.seqB++
		return
	}
	f.seqA++ // the SYN took one
	x.frame(f, false, FlagSYN|FlagACK, nil)
	f.seqB++
	x.frame(f, true, FlagACK, nil)
}

// refused is the listener's RST for a SYN: sequence 0, acknowledging the
// SYN (RFC 9293 3.10.7.2), so the dialer accepts it.
func (x *expander) refused(f *flow) {
	if f.open {
		return
	}
	seq := f.seqB
	f.seqB = 0
	x.frameAck(f, false, FlagRST|FlagACK, nil, f.seqA+1)
	f.seqB = seq
	f.finA, f.finB = true, true
}

// rst is a RST an end (or a box in its name) sent: before the handshake
// it answers the SYN, as refused does; after, it ends the connection. The
// other end may send its own RST too, as a socket closed with linger 0
// does.
func (x *expander) rst(f *flow, e Event) {
	fromA := f.isA(e)
	if !f.open {
		if !fromA {
			x.refused(f)
		}
		return
	}
	mine := &f.rstB
	if fromA {
		mine = &f.rstA
	}
	if *mine || (f.closed() && !f.rstA && !f.rstB) {
		return // it sent one already; or the FINs ended it
	}
	x.frame(f, fromA, FlagRST|FlagACK, nil)
	*mine = true
	f.finA, f.finB = true, true
}

// segment is a control line (as the wire carried it), TLS records on an
// encrypted control channel, or data filler.
func (x *expander) segment(f *flow, e Event, rewritten string) {
	fromA := f.isA(e)
	if !f.open || (fromA && f.finA) || (!fromA && f.finB) {
		return
	}
	var payload []byte
	switch {
	case e.Text != "":
		text := e.Text
		if rewritten != "" {
			text = rewritten
		}
		payload = lineOnWire(text, e.Bytes, len(LineBytes(e.Text)))
	case e.Channel == Control:
		payload = tlsRecords(e.Bytes)
	default:
		x.filler(f, fromA, e.Bytes)
		return
	}
	for len(payload) > 0 {
		n := min(len(payload), MSS)
		fl := FlagACK
		if n == len(payload) {
			fl |= FlagPSH
		}
		x.frame(f, fromA, fl, payload[:n])
		payload = payload[n:]
	}
}

// lineOnWire is a control line's bytes with the end of line it had: an
// event's bytes count its CR LF, a bare LF, or nothing (a last line cut
// short). Without a count, CR LF.
func lineOnWire(text string, bytes int64, textLen int) []byte {
	b := LineBytes(text)
	switch bytes - int64(textLen) {
	case 0:
		return b
	case 1:
		return append(b, '\n')
	}
	return append(b, '\r', '\n')
}

// fin is the FIN one end sent (the trace's own event), and the other
// end's ACK of it.
func (x *expander) fin(f *flow, fromA bool) {
	if !f.open {
		return
	}
	mine := &f.finA
	if !fromA {
		mine = &f.finB
	}
	if *mine {
		return
	}
	x.frame(f, fromA, FlagFIN|FlagACK, nil)
	*mine = true
	x.frame(f, !fromA, FlagACK, nil)
}

// close is the closing side's FIN for a trace without fin events; when
// the other side sends nothing more (both), its FIN and the last ACK
// follow at once.
func (x *expander) close(f *flow, fromA, both bool) {
	if !f.open {
		return
	}
	mine, theirs := &f.finA, &f.finB
	if !fromA {
		mine, theirs = theirs, mine
	}
	if *mine {
		return
	}
	x.frame(f, fromA, FlagFIN|FlagACK, nil)
	*mine = true
	if *theirs || !both {
		x.frame(f, !fromA, FlagACK, nil) // the last ACK; or, half-closed, the other side ACKs and goes on
		return
	}
	x.frame(f, !fromA, FlagFIN|FlagACK, nil)
	*theirs = true
	x.frame(f, fromA, FlagACK, nil)
}

// fillerPattern is the data the capture shows: "abc...zabc...", the same
// for every export, cut from here at any offset.
var fillerPattern = func() []byte {
	b := make([]byte, MSS+26)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}()

// filler is n bytes of filler data in packets of at most one MSS; the
// receiver ACKs every second full segment and the end of the write.
func (x *expander) filler(f *flow, fromA bool, n int64) {
	for off := int64(0); off < n; {
		size := min(n-off, MSS)
		start := off % 26
		fl := FlagACK
		if off+size == n {
			fl |= FlagPSH
		}
		x.frame(f, fromA, fl, fillerPattern[start:start+size])
		off += size
		f.unacked++
		if f.unacked >= 2 || off == n {
			f.unacked = 0
			x.frame(f, !fromA, FlagACK, nil)
		}
	}
}

// frame is one packet from A (the dialer) or from B, acknowledging all
// the other side sent.
func (x *expander) frame(f *flow, fromA bool, fl Flags, payload []byte) {
	ack := f.seqA
	if fromA {
		ack = f.seqB
	}
	x.frameAck(f, fromA, fl, payload, ack)
}

func (x *expander) frameAck(f *flow, fromA bool, fl Flags, payload []byte, ack uint32) {
	p := Packet{Event: x.cur, Conn: f.conn, Channel: f.ch, T: x.curT, FromDialer: fromA,
		Src: f.a, Dst: f.b, Flags: fl, Seq: f.seqA, Window: Window, Payload: payload}
	isn, peerISN := f.isnA, f.isnB
	if !fromA {
		p.Src, p.Dst, p.Seq = f.b, f.a, f.seqB
		isn, peerISN = f.isnB, f.isnA
	}
	if fl&FlagRST != 0 {
		p.Window = 0
	}
	if fl&FlagACK != 0 {
		p.Ack = ack
		p.RelAck = ack - peerISN
	}
	p.RelSeq = p.Seq - isn
	x.out = append(x.out, p)
	advance := uint32(len(payload))
	if fl&FlagFIN != 0 {
		advance++
	}
	if fromA {
		f.seqA += advance
	} else {
		f.seqB += advance
	}
}

// planFlows makes the flow of every connection from its first SYN (or,
// for a capture that started after the handshake, its "connected"), with
// the addresses the wire carries. It does not use Fold, which knows a
// connection only from its SYN.
func planFlows(events []Event) (map[int]*flow, error) {
	snat := sourceNAT(events)
	flows := map[int]*flow{}
	for _, e := range events {
		switch {
		case e.Conn == 0:
		case (e.Kind == SYN || e.Kind == Retransmit || e.Kind == Connected) && flows[e.Conn] == nil:
			wireFrom := e.From
			if pub, ok := snat[e.Conn]; ok {
				wireFrom = pub
			}
			a, err1 := netip.ParseAddrPort(wireFrom)
			b, err2 := netip.ParseAddrPort(e.To)
			if err1 != nil || err2 != nil {
				return nil, fmt.Errorf("event %d: bad addresses %q -> %q", e.Seq, e.From, e.To)
			}
			if a.Addr().Is4() != b.Addr().Is4() {
				return nil, fmt.Errorf("event %d: %s -> %s mixes IPv4 and IPv6", e.Seq, e.From, e.To)
			}
			isnA, isnB := 1000+uint32(e.Conn)*100000, 5000+uint32(e.Conn)*100000
			flows[e.Conn] = &flow{conn: e.Conn, ch: e.Channel, a: a, b: b, self: e.From, host: e.Host, isnA: isnA, isnB: isnB, seqA: isnA, seqB: isnB}
		}
	}
	for _, e := range events {
		if f := flows[e.Conn]; f != nil {
			switch e.Kind {
			case SYNACK:
				f.real.handshake = true
			case FIN:
				f.real.fin = true
			case RST:
				f.real.rst = true
			}
		}
	}
	return flows, nil
}

// closesBothWays marks the close events after which the other side sends
// nothing more: there both FINs go out at once, as a simulated close did
// before the trace had fin events. Where the other side still sends (a
// half-close) its FIN waits for its own close event.
func closesBothWays(events []Event, flows map[int]*flow) map[int]bool {
	out := map[int]bool{}
	later := map[int][2]bool{} // conn -> the dialer / the listener acts later
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		f := flows[e.Conn]
		if f == nil {
			continue
		}
		side := 1
		if f.isA(e) {
			side = 0
		}
		acts := e.Kind == Segment || e.Kind == Close || (e.Kind == Note && e.Bytes > 0)
		l := later[e.Conn]
		if e.Kind == Reset { // the RST ends it: no FIN from the other side before
			l = [2]bool{true, true}
			later[e.Conn] = l
		}
		if e.Kind == Close {
			out[i] = !l[1-side]
		}
		if acts {
			l[side] = true
			later[e.Conn] = l
		}
	}
	return out
}

// sourceNAT maps a connection to its dialer's public address when a NAT
// box translated the dialer's own address (source NAT). Destination NAT
// (port forwarding) needs nothing: the dialer already names the public end.
func sourceNAT(events []Event) map[int]string {
	self := map[int]string{}
	out := map[int]string{}
	for _, e := range events {
		switch e.Kind {
		case SYN:
			if _, ok := self[e.Conn]; !ok {
				self[e.Conn] = e.From
			}
		case NAT:
			if e.Conn != 0 && e.Before == self[e.Conn] && e.After != "" {
				out[e.Conn] = e.After
			}
		}
	}
	return out
}

// rewrittenLines maps the index of a control segment to the line an FTP
// helper put on the wire instead (the rewrite event follows the segment).
func rewrittenLines(events []Event) map[int]string {
	out := map[int]string{}
	last := map[int]int{} // conn -> index of its latest control segment
	for i, e := range events {
		switch {
		case e.Kind == Segment && e.Channel == Control && e.Text != "":
			last[e.Conn] = i
		case e.Kind == Rewrite:
			if j, ok := last[e.Conn]; ok && events[j].Text == e.Before && events[j].Host == e.Host {
				out[j] = e.After
			}
		}
	}
	return out
}
