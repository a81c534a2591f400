package player

import (
	"regexp"
	"strconv"
	"strings"

	"ftplab/sim/trace"
)

// sockets is what the stage shows beside the connections at a step: the
// data sockets listening and not yet connected to, each helper's pending
// expectations, and the size a 150 reply announced for each transfer.
type sockets struct {
	listening []listenSocket
	expects   map[string][]string // box -> addresses it waits for
	totals    map[int]int64       // data connection -> bytes the 150 reply announced
	pending   int64               // a size announced before its data connection was dialed
}

type listenSocket struct{ host, addr string }

// sizeIn150 reads vsftpd's "150 Opening BINARY mode data connection for
// hello.txt (4134 bytes)."
var sizeIn150 = regexp.MustCompile(`^150 .*\((\d+) bytes\)`)

func (s *sockets) apply(e trace.Event, f *trace.Fold) {
	switch e.Kind {
	case trace.Listen:
		s.listening = append(s.listening, listenSocket{e.Host, e.From})
	case trace.Result:
		s.listening = nil // the session is over: its sockets are closed
	case trace.Close:
		if e.Channel == trace.Control {
			s.listening = s.listening[:0:0] // a data listener dies with its session (no event says so)
		}
	case trace.Connected:
		// The dialer names the address it dialed, which a NAT may have
		// translated: the acceptor's socket is the one on that port.
		s.drop(port(e.To), e.Host)
	case trace.Expect:
		if s.expects == nil {
			s.expects = map[string][]string{}
		}
		s.expects[e.Box] = append(s.expects[e.Box], e.To)
	case trace.ExpectUsed:
		list := s.expects[e.Box]
		for k, a := range list {
			if a == e.To {
				s.expects[e.Box] = append(list[:k:k], list[k+1:]...)
				break
			}
		}
	case trace.SYN:
		if e.Channel == trace.Data && s.pending > 0 {
			s.total(e.Conn, s.pending)
			s.pending = 0
		}
	case trace.Segment:
		text, ok := e.ControlLine()
		if !ok {
			break
		}
		m := sizeIn150.FindStringSubmatch(text)
		if m == nil {
			break
		}
		n, _ := strconv.ParseInt(m[1], 10, 64)
		// The transfer's data connection may already be open (passive)
		// or not yet dialed (active: the server dials after the 150).
		for k := len(f.Conns) - 1; k >= 0; k-- {
			c := f.Conns[k]
			if c.Channel == trace.Data && c.Status == trace.StatusConnected && s.totals[c.ID] == 0 {
				s.total(c.ID, n)
				return
			}
		}
		s.pending = n
	}
}

func (s *sockets) total(conn int, n int64) {
	if s.totals == nil {
		s.totals = map[int]int64{}
	}
	s.totals[conn] = n
}

// drop forgets the data socket on port p that the connection reached:
// the one on the host that did not dial.
func (s *sockets) drop(p, dialer string) {
	for k, l := range s.listening {
		if l.host != dialer && port(l.addr) == p {
			s.listening = append(s.listening[:k:k], s.listening[k+1:]...)
			return
		}
	}
}

// on lists a host's listening data sockets as ":2001 LISTEN". The
// control listener is left out: the control row already stands for it.
func (s *sockets) on(host string, controlPort string) string {
	var out []string
	for _, l := range s.listening {
		if l.host == host && port(l.addr) != controlPort {
			out = append(out, safe(port(l.addr)))
		}
	}
	if len(out) == 0 {
		return ""
	}
	return strings.Join(out, " ") + " LISTEN"
}
