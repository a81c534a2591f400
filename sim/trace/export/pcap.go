package export

import (
	"fmt"
	"io"
	"time"

	"ftplab/sim/trace"

	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// pcapEpoch is when a trace's virtual time 0 happens in exported captures.
var pcapEpoch = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)

// PCAP writes the trace as a pcap of Ethernet/IP/TCP frames with the
// virtual addresses, one per packet of the model (trace.Packets, which
// the player's packets detail lists too): handshakes, dropped SYNs and their
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
	pk, err := packets(t)
	if err != nil {
		return err
	}
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		return err
	}
	return writeFrames(&pcapSink{pw}, t, pk)
}

// PCAPNG writes the same frames as PCAP into a pcapng file, and puts what
// the trace says about each frame in its packet comments (Wireshark:
// frame.comment): verdicts, NAT translations, helper rewrites, drops,
// timeouts and the narration's notes, on the frame they are about.
func PCAPNG(w io.Writer, t trace.Trace) error {
	pk, err := packets(t)
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
	if err := writeFrames(s, t, pk); err != nil {
		return err
	}
	if err := s.flush(0); err != nil {
		return err
	}
	return nw.Flush()
}

// packets is the trace's packets (trace.Packets), after checking that
// the data fits in an export.
func packets(t trace.Trace) ([]trace.Packet, error) {
	data := int64(0)
	for _, e := range t.Events {
		if e.Conn != 0 && e.Kind == trace.Segment && e.Text == "" {
			if e.Bytes < 0 || e.Bytes > maxExportData-data {
				return nil, fmt.Errorf("event %d: %d bytes: a pcap export carries at most %d bytes of data in all", e.Seq, e.Bytes, maxExportData)
			}
			data += e.Bytes
		}
	}
	return trace.Packets(t.Header, t.Events)
}

// maxExportData bounds the filler a pcap export writes, so a trace that
// claims absurd sizes gets an error instead of filling the disk.
const maxExportData = 1 << 30
