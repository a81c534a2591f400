package capture

import (
	"bytes"
	"errors"
	"fmt"
	"ftplab/sim/trace"
	"io"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"ftplab/sim/ftp"
)

// packetSource is what pcap and pcapng readers have in common.
type packetSource interface {
	ReadPacketData() ([]byte, gopacket.CaptureInfo, error)
	LinkType() layers.LinkType
}

// capturedSeg is one TCP segment of a capture.
type capturedSeg struct {
	n       int // packet number in the capture
	at      time.Time
	src     netip.AddrPort
	dst     netip.AddrPort
	syn     bool
	ack     bool
	fin     bool
	rst     bool
	seq     uint32
	payload []byte
}

// flow is one TCP connection in a capture.
type flow struct {
	id       int
	dialer   netip.AddrPort // sent the first SYN
	isn      uint32         // that SYN's sequence number
	listener netip.AddrPort
	segs     []capturedSeg
	control  bool
	// listenerHost is "client" or "server": who listened on this flow.
	listenerHost string
}

// Read reads a pcap or pcapng capture of a real FTP session and
// turns it into a trace: the control connection is found by its "220 "
// greeting (any port; else the first connection to port 21), data
// connections by the ports PORT/EPRT/227/229 announced on it; each
// direction is reassembled in sequence order.
func Read(r io.Reader) (trace.Trace, error) {
	br, limited, err := boundedInput(r)
	if err != nil {
		return trace.Trace{}, err
	}
	magic, err := br.Peek(4)
	if err != nil {
		return trace.Trace{}, errors.New("import: not a pcap or pcapng capture (too short)")
	}
	var src packetSource
	switch {
	case bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}):
		ng, err := pcapgo.NewNgReader(br, pcapgo.DefaultNgReaderOptions)
		if err != nil {
			return trace.Trace{}, fmt.Errorf("import: bad pcapng: %v", err)
		}
		src = ng
	default:
		pr, err := pcapgo.NewReader(br)
		if err != nil {
			return trace.Trace{}, errors.New("import: not a pcap or pcapng capture")
		}
		src = pr
	}
	switch src.LinkType() {
	case layers.LinkTypeEthernet, layers.LinkTypeNull, layers.LinkTypeLoop, layers.LinkTypeLinuxSLL, layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
	default:
		return trace.Trace{}, fmt.Errorf("import: link type %s is not supported (want Ethernet, loopback, Linux SLL or raw IP)", src.LinkType())
	}
	flows, order, err := readFlows(src)
	if limited.over {
		return trace.Trace{}, limited.err()
	}
	if err != nil {
		return trace.Trace{}, err
	}
	return buildTrace(flows, order)
}

func readFlows(src packetSource) (map[string]*flow, []*flow, error) {
	flows := map[string]*flow{}
	var order []*flow
	for n := 1; ; n++ {
		data, ci, err := src.ReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, nil, fmt.Errorf("import: packet %d: %v (truncated capture?)", n, err)
		}
		p := gopacket.NewPacket(data, src.LinkType(), gopacket.DecodeOptions{Lazy: true, NoCopy: true})
		tl, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
		if tl == nil || p.NetworkLayer() == nil {
			continue
		}
		sip, ok1 := netip.AddrFromSlice(p.NetworkLayer().NetworkFlow().Src().Raw())
		dip, ok2 := netip.AddrFromSlice(p.NetworkLayer().NetworkFlow().Dst().Raw())
		if !ok1 || !ok2 {
			continue
		}
		s := capturedSeg{n: n, at: ci.Timestamp, src: netip.AddrPortFrom(sip.Unmap(), uint16(tl.SrcPort)), dst: netip.AddrPortFrom(dip.Unmap(), uint16(tl.DstPort)),
			syn: tl.SYN, ack: tl.ACK, fin: tl.FIN, rst: tl.RST, seq: tl.Seq, payload: bytes.Clone(tl.Payload)}
		key := flowKey(s.src, s.dst)
		f := flows[key]
		if f != nil && s.syn && !s.ack && (s.src != f.dialer || s.seq != f.isn) {
			f = nil // the same four addresses again: a new connection (a retransmitted SYN keeps its sequence number)
		}
		if f == nil {
			if !s.syn || s.ack {
				continue // joined mid-connection: we cannot tell who dialed
			}
			f = &flow{dialer: s.src, listener: s.dst, isn: s.seq}
			flows[key] = f
			order = append(order, f)
		}
		f.segs = append(f.segs, s)
	}
	return flows, order, nil
}

func flowKey(a, b netip.AddrPort) string {
	x, y := a.String(), b.String()
	if x > y {
		x, y = y, x
	}
	return x + "|" + y
}

// lines reassembles one direction of a flow (from the side at `from`).
func (f *flow) stream(from netip.AddrPort) []capturedSeg {
	var out []capturedSeg
	var next uint32
	started := false
	for _, s := range f.segs {
		if s.src != from {
			continue
		}
		if s.syn {
			next, started = s.seq+1, true
			continue
		}
		if len(s.payload) == 0 {
			continue
		}
		if started && int32(s.seq-next) < 0 {
			// A retransmission of bytes already taken: keep only what is new.
			skip := next - s.seq
			if int(skip) >= len(s.payload) {
				continue
			}
			s.payload = s.payload[skip:]
			s.seq = next
		}
		out = append(out, s)
		next, started = s.seq+uint32(len(s.payload)), true
	}
	return out
}

func buildTrace(flows map[string]*flow, order []*flow) (trace.Trace, error) {
	// The control connection: the first flow whose listener greets "220".
	var ctrl *flow
	for _, f := range order {
		for _, s := range f.stream(f.listener) {
			if bytes.HasPrefix(s.payload, []byte("220")) {
				ctrl = f
			}
			break
		}
		if ctrl != nil {
			break
		}
	}
	if ctrl == nil {
		// No greeting seen (a capture that lost it, or a server that says
		// 120 first): fall back on the well-known port.
		for _, f := range order {
			if f.listener.Port() == 21 {
				ctrl = f
				break
			}
		}
	}
	if ctrl == nil {
		return trace.Trace{}, errors.New("import: no FTP control connection found (no server greeting \"220\" on any TCP connection, and none to port 21)")
	}
	ctrl.control = true
	client, server := ctrl.dialer.Addr(), ctrl.listener.Addr()
	// Data connections: to ports the control connection announced.
	announced := map[uint16]string{} // port -> who listens on it
	for _, from := range []netip.AddrPort{ctrl.dialer, ctrl.listener} {
		listener := "client" // PORT/EPRT: the client listens
		if from == ctrl.listener {
			listener = "server" // 227/229: the server listens
		}
		var buf []byte
		for _, s := range ctrl.stream(from) {
			buf = append(buf, s.payload...)
		}
		for _, line := range strings.Split(string(buf), "\n") {
			if port, ok := announcedPort(strings.TrimRight(line, "\r")); ok {
				announced[port] = listener
			}
		}
	}
	// After AUTH TLS the announcements are encrypted: any later connection
	// between the two hosts is taken for a data connection.
	tlsAt := tlsStart(ctrl)
	var keep []*flow
	for _, f := range order {
		ends := (f.dialer.Addr() == client || f.dialer.Addr() == server) && (f.listener.Addr() == client || f.listener.Addr() == server)
		switch {
		case f == ctrl:
			f.listenerHost = "server"
		case ends && announced[f.listener.Port()] != "":
			f.listenerHost = announced[f.listener.Port()]
		case ends && tlsAt > 0 && f.segs[0].n > tlsAt:
			f.listenerHost = "server" // passive, unless the client's address says otherwise
			if client != server && f.listener.Addr() == client {
				f.listenerHost = "client"
			}
		default:
			continue
		}
		f.id = len(keep) + 1
		keep = append(keep, f)
	}
	// host names the side an address belongs to within its flow.
	host := func(a netip.AddrPort, f *flow) string {
		listener := f.listenerHost
		if a == f.listener {
			return listener
		}
		if listener == "server" {
			return "client"
		}
		return "server"
	}

	type timed struct {
		pkt int // capture order decides; several events may share a packet
		at  time.Time
		n   int
		e   trace.Event
	}
	var evs []timed
	add := func(s capturedSeg, e trace.Event) { evs = append(evs, timed{s.n, s.at, len(evs), e}) }
	for _, f := range keep {
		ch := trace.Data
		if f.control {
			ch = trace.Control
		}
		base := trace.Event{Conn: f.id, Channel: ch}
		synN, connected, closed := 0, false, false
		for _, s := range f.segs {
			e := base
			e.Host, e.From, e.To = host(s.src, f), s.src.String(), s.dst.String()
			switch {
			case s.syn && !s.ack:
				if synN == 0 {
					e.Kind = trace.SYN
				} else {
					e.Kind, e.Attempt = trace.Retransmit, synN
				}
				synN++
				add(s, e)
			case s.syn && s.ack && !connected:
				connected = true
				e.Kind, e.Host, e.From, e.To = trace.Connected, host(f.dialer, f), f.dialer.String(), f.listener.String()
				add(s, e)
			case s.rst && !closed:
				closed = true
				if connected {
					e.Kind = trace.Reset
				} else {
					e.Kind, e.Host, e.From, e.To, e.Err = trace.Refused, host(f.dialer, f), f.dialer.String(), f.listener.String(), "connection refused"
				}
				add(s, e)
			case s.fin && !closed:
				closed = true
				e.Kind = trace.Close
				add(s, e)
			}
		}
		for _, from := range []netip.AddrPort{f.dialer, f.listener} {
			var pending []byte
			for _, s := range f.stream(from) {
				e := base
				e.Kind, e.Host, e.From, e.To = trace.Segment, host(from, f), from.String(), otherEnd(f, from).String()
				if !f.control {
					e.Bytes = int64(len(s.payload))
					add(s, e)
					continue
				}
				if tlsAt > 0 && s.n > tlsAt {
					// After AUTH TLS: records, not lines; only sizes are known.
					e.Bytes = int64(len(s.payload))
					add(s, e)
					continue
				}
				pending = append(pending, s.payload...)
				for {
					i := bytes.IndexByte(pending, '\n')
					if i < 0 {
						break
					}
					line := pending[:i+1]
					pending = pending[i+1:]
					le := e
					le.Text, le.Bytes = strings.TrimRight(string(line), "\r\n"), int64(len(line))
					add(s, le)
					if s.n == tlsAt && from == f.listener && isTLSGo(le.Text) {
						n := base
						n.Kind, n.Host = trace.Note, "server"
						n.Text = "from here the control channel is encrypted (TLS): commands and replies show as sizes only"
						add(s, n)
						if len(pending) > 0 {
							enc := e
							enc.Bytes = int64(len(pending))
							add(s, enc)
							pending = nil
						}
						break
					}
				}
			}
		}
	}
	sort.SliceStable(evs, func(i, j int) bool {
		if evs[i].pkt != evs[j].pkt {
			return evs[i].pkt < evs[j].pkt
		}
		return evs[i].n < evs[j].n
	})
	t := trace.Trace{Header: trace.Header{Format: trace.FormatName, Version: trace.Version, Name: "import", Title: "Imported capture", Source: "import",
		Topology: trace.Topology{Hosts: []trace.Host{{Name: "client", Addr: client.String()}, {Name: "server", Addr: server.String()}}}}}
	var start time.Time
	for i, te := range evs {
		if i == 0 {
			start = te.at
		}
		e := te.e
		e.Seq, e.T = i, te.at.Sub(start).Microseconds()
		if i > 0 {
			// Capture clocks can step back a little (several queues,
			// NTP); players seek by time, so time never decreases.
			e.T = max(e.T, t.Events[i-1].T)
		}
		t.Events = append(t.Events, e)
	}
	return t, nil
}

// tlsStart is the capture packet that carries the server's "234" reply to
// AUTH TLS/SSL on the control connection (0: the session stays in clear).
func tlsStart(ctrl *flow) int {
	var pending []byte
	for _, s := range ctrl.stream(ctrl.listener) {
		pending = append(pending, s.payload...)
		for {
			i := bytes.IndexByte(pending, '\n')
			if i < 0 {
				break
			}
			line := strings.TrimRight(string(pending[:i]), "\r")
			pending = pending[i+1:]
			if isTLSGo(line) {
				return s.n
			}
		}
	}
	return 0
}

// isTLSGo tells a reply that starts TLS on the control channel (RFC 4217).
func isTLSGo(line string) bool { return strings.HasPrefix(line, "234 ") || line == "234" }

func otherEnd(f *flow, a netip.AddrPort) netip.AddrPort {
	if a == f.dialer {
		return f.listener
	}
	return f.dialer
}

// announcedPort reads the data port a control line announces.
func announcedPort(line string) (uint16, bool) {
	verb, arg, _ := strings.Cut(line, " ")
	switch strings.ToUpper(verb) {
	case "PORT":
		ap, err := ftp.ParsePORT(arg)
		return ap.Port(), err == nil
	case "EPRT":
		ap, err := ftp.ParseEPRT(arg)
		return ap.Port(), err == nil
	case "227":
		ap, err := ftp.Parse227(line)
		return ap.Port(), err == nil
	case "229":
		p, err := ftp.Parse229(line)
		return p, err == nil
	}
	return 0, false
}
