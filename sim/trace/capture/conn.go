package capture

import (
	"bytes"
	"ftplab/sim/ftp"
	"net/netip"
	"strings"
	"time"
)

// capture is what a pass over the file leaves: its TCP connections in
// order of first packet.
type capture struct {
	conns   []*conn
	byKey   map[[2]netip.AddrPort]*conn
	packets int // the last packet read
	cutAt   int // the packet the file ends in the middle of (0: complete)
}

func newCapture() *capture { return &capture{byKey: map[[2]netip.AddrPort]*conn{}} }

func (c *capture) lastPacket() int {
	n := 0
	for _, k := range c.conns {
		n = max(n, k.last)
	}
	return n
}

// conn is one TCP connection. a and b are its ends: a sent the first SYN,
// or, when the capture starts after the handshake, a is the end seen first.
type conn struct {
	a, b        netip.AddrPort
	synSeen     bool // a's SYN is in the capture (a dialed)
	synAck      *mark
	syns        []mark // a's SYNs: the first and its retransmissions
	isn         uint32
	rst         *mark
	rstFrom     netip.AddrPort
	first, last int // packet numbers
	firstAt     time.Time
	dir         [2]direction // from a, from b
	keep        bool         // payload bytes are kept (it may be FTP control)
	lastFrom    int          // the direction of the latest payload
	decided     bool         // keep is final
	probed      [2]bool      // each side's first bytes were looked at
	probeBytes  int
}

// mark is a packet of a connection's handshake or end.
type mark struct {
	n  int
	at time.Time
}

func key(x, y netip.AddrPort) [2]netip.AddrPort {
	if x.Addr().Less(y.Addr()) || (x.Addr() == y.Addr() && x.Port() < y.Port()) {
		return [2]netip.AddrPort{x, y}
	}
	return [2]netip.AddrPort{y, x}
}

// add files one segment under its connection.
func (c *capture) add(s segment) {
	k := key(s.src, s.dst)
	f := c.byKey[k]
	if f != nil && s.syn && !s.ack && !(f.synSeen && s.src == f.a && s.seq == f.isn) {
		f = nil // the same four addresses again: a new connection (a retransmitted SYN keeps its sequence number)
	}
	if f == nil {
		f = &conn{a: s.src, b: s.dst, first: s.n, firstAt: s.at, keep: true}
		if s.syn && s.ack { // the SYN itself was not captured: the SYN-ACK's receiver dialed
			f.a, f.b = s.dst, s.src
		}
		c.byKey[k] = f
		c.conns = append(c.conns, f)
	}
	f.last = s.n
	from := 0
	if s.src != f.a {
		from = 1
	}
	switch {
	case s.syn && !s.ack:
		if len(f.syns) == 0 && from == 0 {
			f.synSeen, f.isn = true, s.seq
		}
		f.syns = append(f.syns, mark{s.n, s.at})
	case s.syn && s.ack && f.synAck == nil:
		f.synAck = &mark{s.n, s.at}
	case s.rst && f.rst == nil:
		f.rst, f.rstFrom = &mark{s.n, s.at}, s.src
	}
	f.dir[from].add(s, f, from)
}

// decideKeep drops the payloads of a connection that cannot be FTP
// control: neither end is port 21 and neither side's first bytes are FTP
// text. It decides once both sides have sent, or after keepProbe bytes
// from one side alone (a data connection's receiver sends nothing).
func (f *conn) decideKeep(from int, payload []byte) {
	if f.decided {
		return
	}
	if f.a.Port() == 21 || f.b.Port() == 21 {
		f.decided = true
		return
	}
	if !f.probed[from] {
		f.probed[from] = true
		if looksLikeFTPText(payload) {
			f.decided = true
			return
		}
	}
	f.probeBytes += len(payload)
	if !(f.probed[0] && f.probed[1]) && f.probeBytes < keepProbe {
		return
	}
	f.decided, f.keep = true, false
	for i := range f.dir {
		for j := range f.dir[i].pieces {
			f.dir[i].pieces[j].data = nil
		}
	}
}

// keepProbe bounds the bytes kept of a connection not yet known not to be
// FTP control.
const keepProbe = 64 << 10

// looksLikeFTPText: a reply ("220 ", "331-") or an FTP command ("USER ",
// "QUIT\r\n") at the start of a connection's first bytes. (HTTP's "GET "
// is not one.)
func looksLikeFTPText(b []byte) bool {
	if len(b) >= 4 {
		if _, _, ok := ftp.ParseReplyLine(strings.TrimRight(string(b[:4]), "\r\n")); ok {
			return true
		}
	}
	i := 0
	for i < len(b) && i < 5 && (b[i] >= 'A' && b[i] <= 'Z' || b[i] >= 'a' && b[i] <= 'z') {
		i++
	}
	return i >= 3 && i <= 4 && i < len(b) && (b[i] == ' ' || b[i] == '\r' || b[i] == '\n') && ftpVerbs[strings.ToUpper(string(b[:i]))]
}

// direction is what one end sent: pieces of its byte stream by sequence
// number, unwrapped to 64 bits so transfers past 4 GiB keep counting.
type direction struct {
	started bool
	last    uint32 // last raw sequence number seen
	lastExt int64  // and its unwrapped value (relative to the first seen)
	synExt  int64  // unwrapped sequence number of the SYN, if seen
	syn     bool
	fin     *mark
	finExt  int64 // sequence number just past the last byte, from the FIN
	pieces  []piece
}

// piece is a segment's part of the stream: captured bytes at seq, and the
// bytes the capture cut off after them (snap length).
type piece struct {
	seq  int64
	n    int32 // captured bytes
	cut  int32 // bytes on the wire that the capture did not keep
	pkt  int32
	at   int64 // unix microseconds
	data []byte
}

// mergeWindow is how close in time the in-order segments of a data
// connection are taken as one run: one piece, and later one event.
const mergeWindow = 1000 // microseconds

// extend adds a data piece to the last one when it follows it in sequence
// within mergeWindow, so a bulk transfer keeps one piece per millisecond,
// not one per packet.
func (d *direction) extend(p piece) bool {
	if len(d.pieces) == 0 {
		return false
	}
	last := &d.pieces[len(d.pieces)-1]
	if last.cut != 0 || p.cut != 0 || p.seq != last.seq+int64(last.n) || p.at-last.at >= mergeWindow || int64(last.n)+int64(p.n) >= 1<<30 {
		return false
	}
	last.n += p.n
	return true
}

func (d *direction) unwrap(seq uint32) int64 {
	if !d.started {
		d.started, d.last, d.lastExt = true, seq, 0
		return 0
	}
	ext := d.lastExt + int64(int32(seq-d.last))
	d.last, d.lastExt = seq, ext
	return ext
}

func (d *direction) add(s segment, f *conn, from int) {
	ext := d.unwrap(s.seq)
	if s.syn {
		d.syn, d.synExt = true, ext
		ext++
	}
	if s.rst {
		return // an RST's sequence number says nothing about the stream
	}
	if s.length > 0 {
		p := piece{seq: ext, n: int32(len(s.payload)), cut: int32(s.length - len(s.payload)), pkt: int32(s.n), at: s.at.UnixMicro()}
		if len(s.payload) > 0 {
			f.decideKeep(from, s.payload)
		}
		if f.keep && len(s.payload) > 0 {
			p.data = bytes.Clone(s.payload)
		}
		// Bytes after the other side spoke, or after its FIN, stay apart.
		merge := !f.keep && f.lastFrom == from && f.dir[1-from].fin == nil
		f.lastFrom = from
		if merge && d.extend(p) {
			return
		}
		d.pieces = append(d.pieces, p)
	}
	if s.fin && d.fin == nil {
		d.fin, d.finExt = &mark{s.n, s.at}, ext+int64(s.length)
	}
}
