package export

import (
	"fmt"
	"io"
	"net/netip"
	"time"

	"ftplab/sim/trace"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapEpoch is when a trace's virtual time 0 happens in exported captures.
var pcapEpoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

const mss = 1460

// PCAP writes the trace as a pcap of synthesized Ethernet/IP/TCP
// frames with the virtual addresses: handshakes, dropped SYNs and their
// retransmissions at their virtual times, payloads (control lines as sent;
// data as filler of the right size, acknowledged by the receiver; the
// control channel after AUTH TLS as TLS records), FIN and RST. Wireshark
// and tshark dissect it as FTP and FTP-DATA.
//
// The capture is taken on the wire between the boxes: a dialer behind
// source NAT appears with its public address, a listener behind port
// forwarding with the address that was dialed, and a control line an FTP
// helper rewrote appears as rewritten. So the PORT or 227 a capture shows
// names the address the data connection really goes to, as on a real
// link, and tshark links the data connection to the control channel.
func PCAP(w io.Writer, t trace.Trace) error {
	flows, err := planFlows(t.Events)
	if err != nil {
		return err
	}
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		return err
	}
	return writeFrames(&pcapSink{pw}, t, flows)
}

// PCAPNG writes the same frames as PCAP into a pcapng file, and puts what
// the trace says about each frame in its packet comments (Wireshark:
// frame.comment): verdicts, NAT translations, helper rewrites, drops,
// timeouts and the narration's notes, on the frame they are about.
func PCAPNG(w io.Writer, t trace.Trace) error {
	flows, err := planFlows(t.Events)
	if err != nil {
		return err
	}
	intf := pcapgo.DefaultNgInterface
	intf.LinkType, intf.SnapLength, intf.Name = layers.LinkTypeEthernet, 65536, "ftplab"
	intf.Description = "the wire between the boxes of an ftplab session"
	nw, err := pcapgo.NewNgWriterInterface(w, intf, pcapgo.NgWriterOptions{SectionInfo: pcapgo.NgSectionInfo{Application: "ftplab", Comment: t.Header.Title}})
	if err != nil {
		return err
	}
	s := &ngSink{w: nw}
	if err := writeFrames(s, t, flows); err != nil {
		return err
	}
	if err := s.flush(0); err != nil {
		return err
	}
	return nw.Flush()
}

// writeFrames turns the events into frames.
func writeFrames(out sink, t trace.Trace, flows map[int]*tcpFlow) error {
	onWire := rewrittenLines(t.Events)
	bothClose := map[int]bool{} // an imported trace has each FIN the capture showed: one close, one FIN
	if t.Header.Source != "import" {
		bothClose = closesBothWays(t.Events, flows)
	}
	for i, e := range t.Events {
		f := flows[e.Conn]
		if e.Conn == 0 || f == nil {
			out.comment(0, trace.Describe(e))
			continue
		}
		if !f.started && e.Kind != trace.SYN && e.Kind != trace.Retransmit && e.Kind != trace.Connected {
			out.comment(e.Conn, trace.Describe(e)) // nothing of a connection shows before it starts
			continue
		}
		at := pcapEpoch.Add(time.Duration(e.T) * time.Microsecond)
		var err error
		switch e.Kind {
		case trace.SYN, trace.Retransmit:
			f.started = true
			err = f.frame(out, at, true, tcpFlags{syn: true}, nil)
		case trace.Connected:
			err = f.connected(out, at)
		case trace.Refused:
			err = f.refused(out, at)
			out.comment(e.Conn, trace.Describe(e))
		case trace.Segment:
			err = f.segment(out, at, e, onWire[i])
		case trace.Note:
			if e.Bytes > 0 && (e.From != "" || e.Host != "") {
				f.skip(f.isA(e), e.Bytes) // the capture this came from misses these bytes: so does this one
			}
			out.comment(e.Conn, trace.Describe(e))
		case trace.Close:
			err = f.close(out, at, f.isA(e), bothClose[i])
		case trace.Reset:
			if !f.closed() {
				fromA := f.isA(e)
				if e.Host == "" {
					fromA = true
				}
				err = f.frame(out, at, fromA, tcpFlags{rst: true, ack: true}, nil)
				f.finA, f.finB = true, true
			}
			out.comment(e.Conn, trace.Describe(e))
		default:
			out.comment(e.Conn, trace.Describe(e))
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// planFlows makes the flow of every connection from its first SYN (or,
// for a capture that started after the handshake, its "connected"), with
// the addresses the wire carries, and checks that the data fits.
func planFlows(events []trace.Event) (map[int]*tcpFlow, error) {
	snat := sourceNAT(events)
	flows := map[int]*tcpFlow{}
	data := int64(0)
	for _, e := range events {
		switch {
		case e.Conn == 0:
		case (e.Kind == trace.SYN || e.Kind == trace.Retransmit || e.Kind == trace.Connected) && flows[e.Conn] == nil:
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
			flows[e.Conn] = &tcpFlow{conn: e.Conn, a: a, b: b, self: e.From, host: e.Host, seqA: 1000 + uint32(e.Conn)*100000, seqB: 5000 + uint32(e.Conn)*100000}
		case e.Kind == trace.Segment && e.Text == "":
			if e.Bytes < 0 || e.Bytes > maxExportData-data {
				return nil, fmt.Errorf("event %d: %d bytes: a pcap export carries at most %d bytes of data in all", e.Seq, e.Bytes, maxExportData)
			}
			data += e.Bytes
		}
	}
	return flows, nil
}

// closesBothWays marks the close events after which the other side sends
// nothing more: there both FINs go out at once, as a simulated close does.
// Where the other side still sends (a half-close) its FIN waits for its
// own close event, or for the end.
func closesBothWays(events []trace.Event, flows map[int]*tcpFlow) map[int]bool {
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
		acts := e.Kind == trace.Segment || e.Kind == trace.Close || (e.Kind == trace.Note && e.Bytes > 0)
		l := later[e.Conn]
		if e.Kind == trace.Reset { // the RST ends it: no FIN from the other side before
			l = [2]bool{true, true}
			later[e.Conn] = l
		}
		if e.Kind == trace.Close {
			out[i] = !l[1-side]
		}
		if acts {
			l[side] = true
			later[e.Conn] = l
		}
	}
	return out
}

// isA tells whether the event's actor is the dialer: by host name, or
// without one by the dialer's own address (a listener behind NAT sees
// other addresses than the dialer does).
func (f *tcpFlow) isA(e trace.Event) bool {
	if e.Host != "" && f.host != "" {
		return e.Host == f.host
	}
	return e.From == f.self
}

// sourceNAT maps a connection to its dialer's public address when a NAT
// box translated the dialer's own address (source NAT). Destination NAT
// (port forwarding) needs nothing: the dialer already names the public end.
func sourceNAT(events []trace.Event) map[int]string {
	self := map[int]string{}
	out := map[int]string{}
	for _, e := range events {
		switch e.Kind {
		case trace.SYN:
			if _, ok := self[e.Conn]; !ok {
				self[e.Conn] = e.From
			}
		case trace.NAT:
			if e.Conn != 0 && e.Before == self[e.Conn] && e.After != "" {
				out[e.Conn] = e.After
			}
		}
	}
	return out
}

// rewrittenLines maps the index of a control segment to the line an FTP
// helper put on the wire instead (the rewrite event follows the segment).
func rewrittenLines(events []trace.Event) map[int]string {
	out := map[int]string{}
	last := map[int]int{} // conn -> index of its latest control segment
	for i, e := range events {
		switch {
		case e.Kind == trace.Segment && e.Channel == trace.Control && e.Text != "":
			last[e.Conn] = i
		case e.Kind == trace.Rewrite:
			if j, ok := last[e.Conn]; ok && events[j].Text == e.Before && events[j].Host == e.Host {
				out[j] = e.After
			}
		}
	}
	return out
}

// maxExportData bounds the filler a pcap export writes, so a trace that
// claims absurd sizes gets an error instead of filling the disk.
const maxExportData = 1 << 30
