package export

import (
	"slices"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/pcapgo"
)

// sink takes frames, and comments about a connection's latest frame.
type sink interface {
	write(conn int, ci gopacket.CaptureInfo, data []byte) error
	comment(conn int, text string)
}

// pcapSink writes pcap; pcap has no comments.
type pcapSink struct{ w *pcapgo.Writer }

func (s *pcapSink) write(_ int, ci gopacket.CaptureInfo, data []byte) error {
	return s.w.WritePacket(ci, data)
}
func (s *pcapSink) comment(int, string) {}

// ngSink writes pcapng with comments. The events about a frame (a verdict
// on a SYN, a NAT translation, a rewrite) follow it, maybe after frames of
// other connections, so the last frames wait in a window until their
// comments are in: a comment goes on its connection's latest frame (for
// events without a connection, the latest frame of all; before the first
// frame, the first).
type ngSink struct {
	w       *pcapgo.NgWriter
	frames  []ngFrame
	early   []string // comments before any frame
	written int
}

type ngFrame struct {
	conn     int
	ci       gopacket.CaptureInfo
	data     []byte
	comments []string
}

// ngWindow is how many frames wait for their comments.
const ngWindow = 256

func (s *ngSink) write(conn int, ci gopacket.CaptureInfo, data []byte) error {
	fr := ngFrame{conn: conn, ci: ci, data: slices.Clone(data)}
	if s.written == 0 && len(s.frames) == 0 {
		fr.comments, s.early = s.early, nil
	}
	s.frames = append(s.frames, fr)
	return s.flush(ngWindow)
}

func (s *ngSink) comment(conn int, text string) {
	for i := len(s.frames) - 1; i >= 0; i-- {
		if conn == 0 || s.frames[i].conn == conn {
			s.frames[i].comments = append(s.frames[i].comments, text)
			return
		}
	}
	if len(s.frames) > 0 {
		last := &s.frames[len(s.frames)-1]
		last.comments = append(last.comments, text)
		return
	}
	s.early = append(s.early, text)
}

// flush writes all but the last keep frames.
func (s *ngSink) flush(keep int) error {
	for len(s.frames) > keep {
		fr := s.frames[0]
		if err := s.w.WritePacketWithOptions(fr.ci, fr.data, pcapgo.NgPacketOptions{Comments: fr.comments}); err != nil {
			return err
		}
		s.frames = s.frames[1:]
		s.written++
	}
	return nil
}
