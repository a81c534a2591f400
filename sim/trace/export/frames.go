package export

import (
	"net"
	"net/netip"
	"time"

	"ftplab/sim/trace"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// frame serializes one packet of the model as Ethernet/IP/TCP.
func frame(p trace.Packet) ([]byte, error) {
	src, dst := p.Src, p.Dst
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()),
		Seq: p.Seq, Ack: p.Ack, Window: p.Window,
		SYN: p.Flags&trace.FlagSYN != 0, ACK: p.Flags&trace.FlagACK != 0, FIN: p.Flags&trace.FlagFIN != 0,
		RST: p.Flags&trace.FlagRST != 0, PSH: p.Flags&trace.FlagPSH != 0}
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
	if err := gopacket.SerializeLayers(buf, opts, eth, netLayer, tcp, gopacket.Payload(p.Payload)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// writeFrames writes each event's packets and, for pcapng, the comments
// that say what the trace knows about them.
func writeFrames(out sink, t trace.Trace, packets []trace.Packet) error {
	hasFlow := map[int]bool{} // the model has a flow for these: they had a SYN or a "connected"
	for _, e := range t.Events {
		if e.Conn != 0 && startsFlow(e.Kind) {
			hasFlow[e.Conn] = true
		}
	}
	started := map[int]bool{}
	next := 0
	for i, e := range t.Events {
		for ; next < len(packets) && packets[next].Event == i; next++ {
			p := packets[next]
			data, err := frame(p)
			if err != nil {
				return err
			}
			at := pcapEpoch.Add(time.Duration(p.T) * time.Microsecond)
			if err := out.write(p.Conn, gopacket.CaptureInfo{Timestamp: at, CaptureLength: len(data), Length: len(data)}, data); err != nil {
				return err
			}
		}
		switch {
		case e.Conn == 0 || !hasFlow[e.Conn]:
			out.comment(0, trace.Describe(e))
		case startsFlow(e.Kind):
			started[e.Conn] = true
		case !started[e.Conn]:
			out.comment(e.Conn, trace.Describe(e)) // nothing of a connection shows before it starts
		case e.Kind == trace.Segment || e.Kind == trace.Close || e.Kind.Transport():
			// the frames say it all
		default:
			out.comment(e.Conn, trace.Describe(e))
		}
	}
	return nil
}

func startsFlow(k trace.Kind) bool {
	return k == trace.SYN || k == trace.Retransmit || k == trace.Connected
}

// mac derives a stable locally administered MAC from an address.
func mac(a netip.Addr) net.HardwareAddr {
	b := a.As16()
	return net.HardwareAddr{0x02, 0x00, b[12], b[13], b[14], b[15]}
}
