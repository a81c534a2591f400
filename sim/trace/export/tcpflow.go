package export

import (
	"net"
	"net/netip"
	"time"

	"ftplab/sim/trace"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// tcpFlow is one connection as the capture shows it: from the dialer's
// point of view, so both directions belong to one TCP stream.
type tcpFlow struct {
	conn       int
	a, b       netip.AddrPort // dialer, listener, as the wire between the boxes carries them
	self       string         // the dialer's own address as it sees it (behind NAT: private)
	host       string         // the dialer's host name
	seqA, seqB uint32         // next sequence number each side sends
	started    bool           // its first SYN (or, mid-capture, its first segment) is written
	open       bool
	finA, finB bool // each side's FIN (or an RST) is written
	unacked    int  // full segments received since the last ACK
}

// window is what each side advertises: Linux's initial receive window
// for a 1460-byte MSS; the receiver ACKs every second segment, so it
// never fills.
const window = 64240

func (f *tcpFlow) closed() bool { return f.finA && f.finB }

// connected is the SYN-ACK and ACK; a connection whose SYN the trace does
// not have (an import that starts mid-session) just starts here.
func (f *tcpFlow) connected(out sink, at time.Time) error {
	if f.open {
		return nil // one handshake per connection
	}
	f.open = true
	if !f.started {
		f.started = true
		f.seqA++
		f.seqB++
		return nil
	}
	f.seqA++ // the SYN took one
	if err := f.frame(out, at, false, tcpFlags{syn: true, ack: true}, nil); err != nil {
		return err
	}
	f.seqB++
	return f.frame(out, at, true, tcpFlags{ack: true}, nil)
}

// refused is the listener's RST for a SYN: sequence 0, acknowledging the
// SYN (RFC 9293 3.10.7.2), so the dialer accepts it.
func (f *tcpFlow) refused(out sink, at time.Time) error {
	if f.open {
		return nil
	}
	seq := f.seqB
	f.seqB = 0
	err := f.frameAck(out, at, false, tcpFlags{rst: true, ack: true}, nil, f.seqA+1)
	f.seqB = seq
	f.finA, f.finB = true, true
	return err
}

// segment writes a control line (as the wire carried it), TLS records on
// an encrypted control channel, or data filler.
func (f *tcpFlow) segment(out sink, at time.Time, e trace.Event, rewritten string) error {
	fromA := f.isA(e)
	if !f.open || (fromA && f.finA) || (!fromA && f.finB) {
		return nil
	}
	var payload []byte
	switch {
	case e.Text != "":
		text := e.Text
		if rewritten != "" {
			text = rewritten
		}
		payload = lineOnWire(text, e.Bytes, len(trace.LineBytes(e.Text)))
	case e.Channel == trace.Control:
		payload = tlsRecords(e.Bytes)
	default:
		return f.filler(out, at, fromA, e.Bytes)
	}
	for len(payload) > 0 {
		n := min(len(payload), mss)
		if err := f.frame(out, at, fromA, tcpFlags{ack: true, psh: n == len(payload)}, payload[:n]); err != nil {
			return err
		}
		payload = payload[n:]
	}
	return nil
}

// lineOnWire is a control line's bytes with the end of line it had: an
// event's bytes count its CR LF, a bare LF, or nothing (a last line cut
// short). Without a count, CR LF.
func lineOnWire(text string, bytes int64, textLen int) []byte {
	b := trace.LineBytes(text)
	switch bytes - int64(textLen) {
	case 0:
		return b
	case 1:
		return append(b, '\n')
	}
	return append(b, '\r', '\n')
}

// skip leaves a hole of n bytes in a side's sequence numbers.
func (f *tcpFlow) skip(fromA bool, n int64) {
	if fromA {
		f.seqA += uint32(n)
	} else {
		f.seqB += uint32(n)
	}
}

// close writes the closing side's FIN; when the other side sends nothing
// more (both), its FIN and the last ACK follow at once.
func (f *tcpFlow) close(out sink, at time.Time, fromA, both bool) error {
	if !f.open {
		return nil
	}
	mine, theirs := &f.finA, &f.finB
	if !fromA {
		mine, theirs = theirs, mine
	}
	if *mine {
		return nil
	}
	if err := f.frame(out, at, fromA, tcpFlags{fin: true, ack: true}, nil); err != nil {
		return err
	}
	*mine = true
	if *theirs {
		return f.frame(out, at, !fromA, tcpFlags{ack: true}, nil)
	}
	if !both {
		return f.frame(out, at, !fromA, tcpFlags{ack: true}, nil) // half-closed: the other side ACKs and goes on
	}
	if err := f.frame(out, at, !fromA, tcpFlags{fin: true, ack: true}, nil); err != nil {
		return err
	}
	*theirs = true
	return f.frame(out, at, fromA, tcpFlags{ack: true}, nil)
}

// fillerPattern is the data the capture shows: "abc...zabc...", the same
// for every export, cut from here at any offset.
var fillerPattern = func() []byte {
	b := make([]byte, mss+26)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}()

// filler writes n bytes of filler data in frames of at most one MSS; the
// receiver ACKs every second full segment and the end of the write.
func (f *tcpFlow) filler(out sink, at time.Time, fromA bool, n int64) error {
	for off := int64(0); off < n; {
		size := min(n-off, mss)
		start := off % 26
		if err := f.frame(out, at, fromA, tcpFlags{ack: true, psh: off+size == n}, fillerPattern[start:start+size]); err != nil {
			return err
		}
		off += size
		f.unacked++
		if f.unacked >= 2 || off == n {
			f.unacked = 0
			if err := f.frame(out, at, !fromA, tcpFlags{ack: true}, nil); err != nil {
				return err
			}
		}
	}
	return nil
}

type tcpFlags struct{ syn, ack, fin, rst, psh bool }

// frame writes one TCP segment from A (the dialer) or from B, acknowledging
// all the other side sent.
func (f *tcpFlow) frame(out sink, at time.Time, fromA bool, fl tcpFlags, payload []byte) error {
	ack := f.seqA
	if fromA {
		ack = f.seqB
	}
	return f.frameAck(out, at, fromA, fl, payload, ack)
}

func (f *tcpFlow) frameAck(out sink, at time.Time, fromA bool, fl tcpFlags, payload []byte, ack uint32) error {
	src, dst := f.a, f.b
	seq := f.seqA
	if !fromA {
		src, dst = f.b, f.a
		seq = f.seqB
	}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seq, SYN: fl.syn, ACK: fl.ack, FIN: fl.fin, RST: fl.rst, PSH: fl.psh, Window: window}
	if fl.rst {
		tcp.Window = 0
	}
	if fl.ack {
		tcp.Ack = ack
	}
	eth := &layers.Ethernet{SrcMAC: mac(src.Addr()), DstMAC: mac(dst.Addr())}
	var netLayer gopacket.SerializableLayer
	if src.Addr().Is4() {
		eth.EthernetType = layers.EthernetTypeIPv4
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolTCP, SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
		tcp.SetNetworkLayerForChecksum(ip)
		netLayer = ip
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolTCP, SrcIP: net.IP(src.Addr().AsSlice()), DstIP: net.IP(dst.Addr().AsSlice())}
		tcp.SetNetworkLayerForChecksum(ip)
		netLayer = ip
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, netLayer, tcp, gopacket.Payload(payload)); err != nil {
		return err
	}
	advance := uint32(len(payload))
	if fl.fin {
		advance++
	}
	if fromA {
		f.seqA += advance
	} else {
		f.seqB += advance
	}
	data := buf.Bytes()
	return out.write(f.conn, gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(data), Length: len(data)}, data)
}

// mac derives a stable locally administered MAC from an address.
func mac(a netip.Addr) net.HardwareAddr {
	b := a.As16()
	return net.HardwareAddr{0x02, 0x00, b[12], b[13], b[14], b[15]}
}
