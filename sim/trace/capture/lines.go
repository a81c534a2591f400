package capture

import "bytes"

// ctlKind is what a piece of a control stream is.
type ctlKind int

const (
	ctlLine   ctlKind = iota // a line (raw ends with its LF, unless cut short)
	ctlGap                   // the capture misses n bytes here
	ctlTLS                   // the line before started TLS: from here, sizes only
	ctlSecret                // n encrypted bytes
)

// ctl is one piece of a control direction, in stream order.
type ctl struct {
	kind ctlKind
	raw  []byte
	n    int64
	pkt  int
	at   int64
	cut  bool // a gap left by the snap length
}

// text is a line without its CR LF.
func (c ctl) text() string { return string(bytes.TrimRight(c.raw, "\r\n")) }

// splitLines cuts a control direction into lines. A gap ends the pending
// line (the bytes around a hole are never one line), and so does the end
// of the stream: an unterminated last line is kept as it is. tlsAt is the
// packet with the server's "234" (0: none): after it everything is sizes;
// server says whether this is the server's direction.
func splitLines(cs []chunk, tlsAt int, server bool) []ctl {
	var out []ctl
	var pending []byte
	pendPkt, pendAt := 0, int64(0)
	flush := func() {
		if len(pending) > 0 {
			out = append(out, ctl{kind: ctlLine, raw: pending, n: int64(len(pending)), pkt: pendPkt, at: pendAt})
			pending = nil
		}
	}
	encrypted := false
	for _, c := range cs {
		switch {
		case c.gap:
			flush()
			out = append(out, ctl{kind: ctlGap, n: c.n, pkt: c.pkt, at: c.at, cut: c.cut})
			continue
		case encrypted || (tlsAt > 0 && c.pkt > tlsAt):
			flush()
			out = append(out, ctl{kind: ctlSecret, n: c.n, pkt: c.pkt, at: c.at})
			continue
		}
		data := c.data
		if data == nil { // payload not kept: sizes only
			flush()
			out = append(out, ctl{kind: ctlSecret, n: c.n, pkt: c.pkt, at: c.at})
			continue
		}
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				pendPkt, pendAt = c.pkt, c.at
				pending = append(pending, data...)
				break
			}
			line := append(pending, data[:i+1]...)
			pending, data = nil, data[i+1:]
			out = append(out, ctl{kind: ctlLine, raw: line, n: int64(len(line)), pkt: c.pkt, at: c.at})
			if server && c.pkt == tlsAt && isTLSGo(string(bytes.TrimRight(line, "\r\n"))) {
				out = append(out, ctl{kind: ctlTLS, pkt: c.pkt, at: c.at})
				encrypted = true
				if len(data) > 0 {
					out = append(out, ctl{kind: ctlSecret, n: int64(len(data)), pkt: c.pkt, at: c.at})
				}
				break
			}
		}
	}
	flush()
	return out
}

// tlsStart is the packet that completes the server's "234" reply (0: none).
func tlsStart(server []chunk) int {
	for _, c := range splitLines(server, 0, false) {
		if c.kind == ctlLine && isTLSGo(c.text()) {
			return c.pkt
		}
	}
	return 0
}
