package capture

import (
	"cmp"
	"slices"
)

// chunk is a run of one direction's byte stream in sequence order: bytes
// the capture holds, or a hole where it misses some.
type chunk struct {
	pkt  int   // the packet that delivered it (capture order)
	at   int64 // its time, unix microseconds
	n    int64 // bytes
	data []byte
	gap  bool // the capture misses these n bytes
	cut  bool // a gap that starts where the snap length cut a packet
}

// stream reassembles a direction by sequence number: out-of-order pieces
// take their place, retransmitted bytes count once, and a hole in the
// sequence becomes a gap chunk instead of joining the bytes around it.
// A chunk is attributed to the latest packet needed to deliver it, so
// chunks stay in capture order. The end of the stream is the FIN's
// sequence number when there is one, so bytes missing at the end show too.
func (d *direction) stream() []chunk {
	ps := slices.Clone(d.pieces)
	slices.SortStableFunc(ps, func(x, y piece) int { return cmp.Compare(x.seq, y.seq) })
	var next int64
	switch {
	case d.syn:
		next = d.synExt + 1
	case len(ps) > 0:
		next = ps[0].seq // the capture starts mid-stream: from what it holds
	}
	var out []chunk
	pkt, at := 0, int64(0)
	cutAtNext := false
	cutPkt, cutAt := 0, int64(0) // the packet the snap length cut: its gap is known there
	maxEnd := next
	for _, p := range ps {
		maxEnd = max(maxEnd, p.seq+int64(p.n)+int64(p.cut))
		if int(p.pkt) > pkt {
			pkt, at = int(p.pkt), p.at
		}
		end := p.seq + int64(p.n)
		if p.seq > next {
			g := chunk{pkt: pkt, at: at, n: p.seq - next, gap: true, cut: cutAtNext}
			if cutAtNext {
				g.pkt, g.at = cutPkt, cutAt
			}
			out = append(out, g)
			next = p.seq
		}
		if end > next {
			off := next - p.seq
			c := chunk{pkt: pkt, at: at, n: end - next}
			if p.data != nil {
				c.data = p.data[off:]
			}
			out = append(out, c)
			next = end
			cutAtNext = p.cut > 0
		}
		if p.cut > 0 && next == end {
			cutAtNext, cutPkt, cutAt = true, pkt, at
		}
	}
	// Bytes the FIN or a cut-off last piece says were sent but are not here.
	final := next
	if d.fin != nil {
		final = max(final, d.finExt)
		if d.fin.n > pkt {
			pkt, at = d.fin.n, d.fin.at.UnixMicro()
		}
	}
	final = max(final, maxEnd)
	if final > next {
		g := chunk{pkt: pkt, at: at, n: final - next, gap: true, cut: cutAtNext}
		if cutAtNext {
			g.pkt, g.at = cutPkt, cutAt
		}
		out = append(out, g)
	}
	return out
}

// lastPkt is the latest packet a direction's stream or FIN came in.
func lastPkt(cs []chunk, d *direction) int {
	n := 0
	if len(cs) > 0 {
		n = cs[len(cs)-1].pkt
	}
	if d.fin != nil {
		n = max(n, d.fin.n)
	}
	return n
}
