package netem

import "ftplab/sim/trace"

// Slicer splits each write into segments of Size bytes, as a small MSS or a
// sender that writes a command in pieces would. On a control connection a
// line then crosses the helpers in pieces, and a helper that sees the start
// of an announcement without its end drops that segment (nf_conntrack_ftp's
// partial match).
type Slicer struct {
	Size    int64         // bytes per segment; 0 or less slices nothing
	Pieces  int           // at most this many segments per write (the last takes the rest); 0 = no limit
	From    string        // only writes by this host; "" = every host
	Channel trace.Channel // only connections of this channel; "" = both
}

// Start gives each connection its own slicer.
func (s Slicer) Start(ch trace.Channel) FaultState {
	if s.Size <= 0 || (s.Channel != "" && s.Channel != ch) {
		return nil
	}
	return &slicerState{cfg: s}
}

// slicerState knows the write being cut.
type slicerState struct {
	cfg        Slicer
	start, end int64 // the write's first byte and the byte after it; end == start: not sliced
}

func (s *slicerState) BeginWrite(from string, at, n int64) {
	s.start, s.end = at, at
	if s.cfg.From == "" || s.cfg.From == from {
		s.end = at + n
	}
}

// At is the next cut inside the current write.
func (s *slicerState) At(sent int64) int64 {
	if sent < s.start || sent >= s.end {
		return -1
	}
	k := (sent-s.start)/s.cfg.Size + 1 // the cut after the k-th piece
	if s.cfg.Pieces > 0 && k >= int64(s.cfg.Pieces) {
		return -1
	}
	if cut := s.start + k*s.cfg.Size; cut < s.end {
		return cut
	}
	return -1
}

// Act has nothing to do: the cut is the fault.
func (s *slicerState) Act(Wire) error { return nil }
