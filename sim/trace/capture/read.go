// Package capture imports a pcap or pcapng capture of real FTP sessions as a
// trace. It streams the file once: every TCP connection keeps the sequence
// ranges it saw (payload bytes only where they may be FTP control text), so
// memory grows with the number of packets, not with the bytes they carry.
package capture

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"

	"ftplab/sim/trace"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Options choose what to import.
type Options struct {
	// Session is the FTP session to import, 1-based in order of start;
	// 0 means the first.
	Session int
}

// Result is an imported session and what else the capture holds.
type Result struct {
	Trace    trace.Trace
	Session  int       // the session imported, 1-based
	Sessions []Session // every FTP session in the capture
}

// Read imports the first FTP session of a capture.
func Read(r io.Reader) (trace.Trace, error) {
	res, err := Import(r, Options{})
	return res.Trace, err
}

// Import reads a capture and turns one FTP session of it into a trace: the
// control connection (found by port 21 or a "220" greeting, and FTP
// commands), the data connections its PORT/EPRT/227/229 announced, each
// direction reassembled by sequence number, and notes where the capture
// itself is incomplete.
func Import(r io.Reader, o Options) (Result, error) {
	c, err := readCapture(r)
	if err != nil {
		return Result{}, err
	}
	sessions := findSessions(c)
	if len(sessions) == 0 {
		return Result{}, noSessionError(c)
	}
	n := o.Session
	if n == 0 {
		n = 1
	}
	if n < 1 || n > len(sessions) {
		return Result{}, fmt.Errorf("import: --session %d: the capture has %d FTP session(s) (1..%d; see --list)", o.Session, len(sessions), len(sessions))
	}
	infos := make([]Session, len(sessions))
	for i, s := range sessions {
		infos[i] = s.info(i + 1)
	}
	return Result{Trace: buildTrace(c, sessions[n-1]), Session: n, Sessions: infos}, nil
}

// List reads a capture and describes its FTP sessions.
func List(r io.Reader) ([]Session, error) {
	c, err := readCapture(r)
	if err != nil {
		return nil, err
	}
	sessions := findSessions(c)
	if len(sessions) == 0 {
		return nil, noSessionError(c)
	}
	out := make([]Session, len(sessions))
	for i, s := range sessions {
		out[i] = s.info(i + 1)
	}
	return out, nil
}

func noSessionError(c *capture) error {
	return fmt.Errorf("import: no FTP session found among %d TCP connection(s) (FTP: a connection to port 21, or one whose server greets \"220\", on which the client sends FTP commands)", len(c.conns))
}

// packetSource reads packets one by one into a buffer it owns.
type packetSource interface {
	ZeroCopyReadPacketData() ([]byte, gopacket.CaptureInfo, error)
}

// linkTypes gives each packet's link type: a pcapng file may have
// interfaces of different types.
type linkTypes func(ci gopacket.CaptureInfo) layers.LinkType

func openSource(r io.Reader) (packetSource, linkTypes, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	magic, err := br.Peek(4)
	if err != nil {
		return nil, nil, errors.New("import: not a pcap or pcapng capture (too short)")
	}
	if bytes.Equal(magic, []byte{0x0a, 0x0d, 0x0d, 0x0a}) {
		opts := pcapgo.DefaultNgReaderOptions
		opts.WantMixedLinkType = true
		ng, err := pcapgo.NewNgReader(br, opts)
		if err != nil {
			return nil, nil, fmt.Errorf("import: bad pcapng: %v", err)
		}
		return ng, func(ci gopacket.CaptureInfo) layers.LinkType {
			if i, err := ng.Interface(ci.InterfaceIndex); err == nil {
				return i.LinkType
			}
			return ng.LinkType()
		}, nil
	}
	pr, err := pcapgo.NewReader(br)
	if err != nil {
		return nil, nil, errors.New("import: not a pcap or pcapng capture")
	}
	lt := pr.LinkType()
	return pr, func(gopacket.CaptureInfo) layers.LinkType { return lt }, nil
}

// supported are the link types whose frames carry IP that gopacket decodes.
var supported = map[layers.LinkType]bool{
	layers.LinkTypeEthernet: true, layers.LinkTypeNull: true, layers.LinkTypeLoop: true,
	layers.LinkTypeLinuxSLL: true, layers.LinkTypeLinuxSLL2: true, layers.LinkTypeRaw: true,
	layers.LinkTypeIPv4: true, layers.LinkTypeIPv6: true,
}

// readCapture streams every packet into the connection table.
func readCapture(r io.Reader) (*capture, error) {
	src, linkOf, err := openSource(r)
	if err != nil {
		return nil, err
	}
	c := newCapture()
	unsupported := map[layers.LinkType]int{}
	for n := 1; ; n++ {
		data, ci, err := src.ZeroCopyReadPacketData()
		if err == io.EOF {
			break
		}
		if err != nil {
			if !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, fmt.Errorf("import: packet %d: %v (a damaged capture, or a pcap variant this reader does not know)", n, err)
			}
			if n == 1 {
				return nil, fmt.Errorf("import: packet 1: %v (truncated capture: not one complete packet)", err)
			}
			// Keep what is complete: a capture cut while it was written
			// (or copied) still shows everything before the cut.
			c.cutAt = n
			break
		}
		lt := linkOf(ci)
		if !supported[lt] {
			unsupported[lt]++
			continue
		}
		if s, ok := decodeSegment(n, data, ci, lt); ok {
			c.add(s)
		}
	}
	c.packets = c.lastPacket()
	if len(c.conns) == 0 && len(unsupported) > 0 {
		for lt := range unsupported {
			return nil, fmt.Errorf("import: link type %s is not supported (want Ethernet, loopback, Linux SLL/SLL2 or raw IP)", lt)
		}
	}
	return c, nil
}
