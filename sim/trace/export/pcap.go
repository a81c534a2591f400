package export

import (
	"fmt"
	"ftplab/sim/trace"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapEpoch is when a trace's virtual time 0 happens in exported captures.
var pcapEpoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

const mss = 1460

// tcpFlow is one connection as the capture shows it: from the dialer's
// point of view, so both directions belong to one TCP stream.
type tcpFlow struct {
	a, b       netip.AddrPort // dialer, listener, as the wire between the boxes carries them
	self       string         // the dialer's own address as it sees it (behind NAT: private)
	host       string         // the dialer's host name
	seqA, seqB uint32         // next sequence number each side sends
	started    bool           // its first SYN is written
	open       bool
	closed     bool
}

// PCAP writes the trace as a pcap of synthesized Ethernet/IP/TCP
// frames with the virtual addresses: handshakes, dropped SYNs and their
// retransmissions at their virtual times, payloads (control lines as sent;
// data as filler of the right size), FIN and RST. Wireshark and tshark
// dissect it as FTP and FTP-DATA.
//
// The capture is taken on the wire between the boxes: a dialer behind
// source NAT appears with its public address, a listener behind port
// forwarding with the address that was dialed, and a control line an FTP
// helper rewrote appears as rewritten. So the PORT or 227 a capture shows
// names the address the data connection really goes to, as on a real
// link, and tshark links the data connection to the control channel.
func PCAP(w io.Writer, t trace.Trace) error {
	// Check everything first: a trace the capture cannot show gets an
	// error before a single byte is written.
	flows, err := planFlows(t.Events)
	if err != nil {
		return err
	}
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		return err
	}
	onWire := rewrittenLines(t.Events)
	for i, e := range t.Events {
		if e.Conn == 0 {
			continue
		}
		f := flows[e.Conn]
		if f != nil && !f.started && e.Kind != trace.SYN && e.Kind != trace.Retransmit {
			f = nil // nothing of a connection shows before its first SYN
		}
		at := pcapEpoch.Add(time.Duration(e.T) * time.Microsecond)
		switch e.Kind {
		case trace.SYN, trace.Retransmit:
			f.started = true
			if err := f.frame(pw, at, true, tcpFlags{syn: true}, nil); err != nil {
				return err
			}
		case trace.Connected:
			if f == nil || f.open {
				continue // one handshake per connection
			}
			f.seqA++ // the SYN took one
			if err := f.frame(pw, at, false, tcpFlags{syn: true, ack: true}, nil); err != nil {
				return err
			}
			f.seqB++
			if err := f.frame(pw, at, true, tcpFlags{ack: true}, nil); err != nil {
				return err
			}
			f.open = true
		case trace.Refused:
			if f == nil {
				continue
			}
			if err := f.frame(pw, at, false, tcpFlags{rst: true, ack: true}, nil); err != nil {
				return err
			}
		case trace.Segment:
			if f == nil || !f.open || f.closed {
				continue
			}
			fromA := f.isA(e)
			if e.Text == "" {
				if err := f.filler(pw, at, fromA, e.Bytes); err != nil {
					return err
				}
				continue
			}
			payload := []byte(e.Text + "\r\n")
			if text, ok := onWire[i]; ok {
				payload = []byte(text + "\r\n")
			}
			for len(payload) > 0 {
				n := min(len(payload), mss)
				if err := f.frame(pw, at, fromA, tcpFlags{ack: true, psh: n == len(payload)}, payload[:n]); err != nil {
					return err
				}
				payload = payload[n:]
			}
		case trace.Close:
			if f == nil || !f.open || f.closed {
				continue
			}
			fromA := f.isA(e)
			steps := []struct {
				a     bool
				flags tcpFlags
			}{{fromA, tcpFlags{fin: true, ack: true}}, {!fromA, tcpFlags{fin: true, ack: true}}, {fromA, tcpFlags{ack: true}}}
			for _, s := range steps {
				if err := f.frame(pw, at, s.a, s.flags, nil); err != nil {
					return err
				}
			}
			f.closed = true
		case trace.Reset:
			if f == nil || f.closed {
				continue
			}
			if err := f.frame(pw, at, f.isA(e), tcpFlags{rst: true}, nil); err != nil {
				return err
			}
			f.closed = true
		}
	}
	return nil
}

// planFlows makes the flow of every connection from its first SYN, with
// the addresses the wire carries, and checks that the data fits.
func planFlows(events []trace.Event) (map[int]*tcpFlow, error) {
	snat := sourceNAT(events)
	flows := map[int]*tcpFlow{}
	data := int64(0)
	for _, e := range events {
		switch {
		case e.Conn == 0:
		case (e.Kind == trace.SYN || e.Kind == trace.Retransmit) && flows[e.Conn] == nil:
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
			flows[e.Conn] = &tcpFlow{a: a, b: b, self: e.From, host: e.Host, seqA: 1000 + uint32(e.Conn)*100000, seqB: 5000 + uint32(e.Conn)*100000}
		case e.Kind == trace.Segment && e.Text == "":
			if e.Bytes < 0 || e.Bytes > maxExportData-data {
				return nil, fmt.Errorf("event %d: %d bytes: a pcap export carries at most %d bytes of data in all", e.Seq, e.Bytes, maxExportData)
			}
			data += e.Bytes
		}
	}
	return flows, nil
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

// fillerPattern is the data the capture shows: "abc...zabc...", the same
// for every export, cut from here at any offset.
var fillerPattern = func() []byte {
	b := make([]byte, mss+26)
	for i := range b {
		b[i] = byte('a' + i%26)
	}
	return b
}()

// filler writes n bytes of filler data in frames of at most one MSS.
func (f *tcpFlow) filler(pw *pcapgo.Writer, at time.Time, fromA bool, n int64) error {
	for off := int64(0); off < n; {
		size := min(n-off, mss)
		start := off % 26
		if err := f.frame(pw, at, fromA, tcpFlags{ack: true, psh: off+size == n}, fillerPattern[start:start+size]); err != nil {
			return err
		}
		off += size
	}
	return nil
}

type tcpFlags struct{ syn, ack, fin, rst, psh bool }

// frame writes one TCP segment from A (the dialer) or from B.
func (f *tcpFlow) frame(pw *pcapgo.Writer, at time.Time, fromA bool, fl tcpFlags, payload []byte) error {
	src, dst := f.a, f.b
	seq, ack := f.seqA, f.seqB
	if !fromA {
		src, dst = f.b, f.a
		seq, ack = f.seqB, f.seqA
	}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: seq, SYN: fl.syn, ACK: fl.ack, FIN: fl.fin, RST: fl.rst, PSH: fl.psh, Window: 65535}
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
	return pw.WritePacket(gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(data), Length: len(data)}, data)
}

// mac derives a stable locally administered MAC from an address.
func mac(a netip.Addr) net.HardwareAddr {
	b := a.As16()
	return net.HardwareAddr{0x02, 0x00, b[12], b[13], b[14], b[15]}
}
