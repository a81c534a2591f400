package capture

import (
	"net/netip"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// segment is one TCP segment of the capture. payload aliases the reader's
// buffer: it is valid only until the next packet is read.
type segment struct {
	n                  int // packet number in the capture, 1..
	at                 time.Time
	src, dst           netip.AddrPort
	syn, ack, fin, rst bool
	seq                uint32
	payload            []byte // the captured bytes
	length             int    // the bytes the segment carried on the wire (>= len(payload) when the snap length cut it)
}

// decodeSegment reads a TCP segment out of a frame (ok false: not TCP over
// IP, or cut before the end of its TCP header).
func decodeSegment(n int, data []byte, ci gopacket.CaptureInfo, lt layers.LinkType) (segment, bool) {
	p := gopacket.NewPacket(data, lt, gopacket.DecodeOptions{Lazy: true, NoCopy: true})
	tl, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	nl := p.NetworkLayer()
	if tl == nil || nl == nil {
		return segment{}, false
	}
	sip, ok1 := netip.AddrFromSlice(nl.NetworkFlow().Src().Raw())
	dip, ok2 := netip.AddrFromSlice(nl.NetworkFlow().Dst().Raw())
	if !ok1 || !ok2 {
		return segment{}, false
	}
	s := segment{n: n, at: ci.Timestamp, src: netip.AddrPortFrom(sip.Unmap(), uint16(tl.SrcPort)), dst: netip.AddrPortFrom(dip.Unmap(), uint16(tl.DstPort)),
		syn: tl.SYN, ack: tl.ACK, fin: tl.FIN, rst: tl.RST, seq: tl.Seq, payload: tl.Payload}
	s.length = len(s.payload)
	// The IP header tells how long the segment was on the wire; the
	// capture may hold less (snap length).
	header := int(tl.DataOffset) * 4
	switch ip := nl.(type) {
	case *layers.IPv4:
		if wire := int(ip.Length) - int(ip.IHL)*4 - header; ip.Length > 0 && wire > s.length {
			s.length = wire
		}
	case *layers.IPv6:
		if wire := int(ip.Length) - header; ip.NextHeader == layers.IPProtocolTCP && ip.Length > 0 && wire > s.length {
			s.length = wire
		}
	}
	return s, true
}
