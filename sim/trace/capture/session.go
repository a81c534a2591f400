package capture

import (
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Session describes one FTP session of a capture (ftplab import --list).
type Session struct {
	N              int // 1-based
	Client, Server netip.AddrPort
	Start          time.Time
	Commands       int  // command lines the client sent in clear
	Data           int  // data connections
	MidSession     bool // the control connection's SYN is not in the capture
	TLS            bool // AUTH TLS: the rest is encrypted
	User           string
}

func (s Session) String() string {
	var extra []string
	if s.User != "" {
		extra = append(extra, "user "+s.User)
	}
	if s.TLS {
		extra = append(extra, "TLS")
	}
	if s.MidSession {
		extra = append(extra, "starts mid-session")
	}
	more := ""
	if len(extra) > 0 {
		more = " (" + strings.Join(extra, ", ") + ")"
	}
	return fmt.Sprintf("%d  %s  client %s  server %s  %d commands, %d data connections%s",
		s.N, s.Start.UTC().Format("2006-01-02 15:04:05.000"), s.Client, s.Server, s.Commands, s.Data, more)
}

// session is an FTP control connection and what belongs to it.
type session struct {
	ctrl           *conn
	client, server netip.AddrPort
	how            string   // how the roles were told, when the SYN is missing
	lines          [2][]ctl // from the client, from the server
	tlsAt          int
	announced      []announcement
	data           []dataConn
}

// announcement is a data port PORT/EPRT (the client listens) or 227/229
// (the server listens) named, and the packet that carried it.
type announcement struct {
	port     uint16
	pkt      int
	listener string
}

// dataConn is a data connection of a session.
type dataConn struct {
	c            *conn
	listener     netip.AddrPort
	listenerHost string
}

func (s *session) info(n int) Session {
	i := Session{N: n, Client: s.client, Server: s.server, Start: s.ctrl.firstAt, Data: len(s.data), MidSession: !s.ctrl.synSeen, TLS: s.tlsAt > 0}
	for _, l := range s.lines[0] {
		if l.kind == ctlLine {
			i.Commands++
			if verb := verbOf(l.text()); verb == "USER" && i.User == "" {
				_, i.User, _ = strings.Cut(strings.TrimSpace(l.text()), " ")
			}
		}
	}
	return i
}

// dirOf is the index of the direction an end sends in.
func (f *conn) dirOf(from netip.AddrPort) int {
	if from == f.a {
		return 0
	}
	return 1
}

func (f *conn) other(end netip.AddrPort) netip.AddrPort {
	if end == f.a {
		return f.b
	}
	return f.a
}

// findSessions finds the FTP control connections and gives each its data
// connections.
func findSessions(c *capture) []*session {
	var out []*session
	control := map[*conn]bool{}
	for _, f := range c.conns {
		if s := asControl(f); s != nil {
			out = append(out, s)
			control[f] = true
		}
	}
	for _, f := range c.conns {
		if control[f] {
			continue
		}
		if s, d, ok := claim(out, f); ok {
			s.data = append(s.data, d)
		}
	}
	return out
}

// asControl reads a connection as FTP control, or returns nil. FTP is a
// server on port 21 or one that greets with a reply code, and a client that
// sends FTP commands and no mail verbs (SMTP greets "220" too).
func asControl(f *conn) *session {
	if !f.keep || (len(f.dir[0].pieces) == 0 && len(f.dir[1].pieces) == 0) {
		return nil
	}
	raw := [2][]ctl{splitLines(f.dir[0].stream(), 0, false), splitLines(f.dir[1].stream(), 0, false)}
	firstLine := func(d int) string {
		for _, l := range raw[d] {
			if l.kind == ctlLine {
				return l.text()
			}
		}
		return ""
	}
	s := &session{ctrl: f}
	switch {
	case f.b.Port() == 21 && f.a.Port() != 21:
		s.client, s.server, s.how = f.a, f.b, "the server is the end on port 21"
	case f.a.Port() == 21 && f.b.Port() != 21:
		s.client, s.server, s.how = f.b, f.a, "the server is the end on port 21"
	case f.synSeen:
		s.client, s.server = f.a, f.b
	case isReply(firstLine(1)):
		s.client, s.server, s.how = f.a, f.b, "the server is the end that sends reply codes"
	case isReply(firstLine(0)):
		s.client, s.server, s.how = f.b, f.a, "the server is the end that sends reply codes"
	default:
		return nil
	}
	ci, si := f.dirOf(s.client), f.dirOf(s.server)
	commands, replies := 0, 0
	for _, l := range raw[ci] {
		if l.kind != ctlLine {
			continue
		}
		verb := verbOf(l.text())
		if smtpVerbs[verb] {
			return nil
		}
		if ftpVerbs[verb] {
			commands++
		}
	}
	for _, l := range raw[si] {
		if l.kind == ctlLine && isReply(l.text()) {
			replies++
		}
	}
	if s.server.Port() == 21 {
		if commands == 0 && replies == 0 {
			return nil
		}
	} else if commands == 0 || !isReply(firstLine(si)) {
		return nil
	}
	serverChunks := f.dir[si].stream()
	s.tlsAt = tlsStart(serverChunks)
	s.lines[0] = splitLines(f.dir[ci].stream(), s.tlsAt, false)
	s.lines[1] = splitLines(serverChunks, s.tlsAt, true)
	for i, listener := range []string{"client", "server"} { // PORT/EPRT: the client listens; 227/229: the server
		for _, l := range s.lines[i] {
			if l.kind != ctlLine {
				continue
			}
			if port, ok := announcedPort(l.text()); ok {
				s.announced = append(s.announced, announcement{port, l.pkt, listener})
			}
		}
	}
	return s
}

// claim finds the session a connection is a data connection of: the one
// between the same two hosts that announced its port last before it
// started; after AUTH TLS, when the announcements cannot be read, any
// connection between the two hosts while the session lasts.
func claim(sessions []*session, f *conn) (*session, dataConn, bool) {
	var best *session
	var bestD dataConn
	bestPkt := -1
	for _, s := range sessions {
		if !s.joins(f) {
			continue
		}
		for _, a := range s.announced {
			if a.pkt > f.first || a.pkt <= bestPkt {
				continue
			}
			end, ok := f.listenerOn(a.port)
			if !ok {
				continue
			}
			best, bestPkt = s, a.pkt
			bestD = dataConn{c: f, listener: end, listenerHost: a.listener}
		}
	}
	if best != nil {
		return best, bestD, true
	}
	for _, s := range sessions {
		if !s.joins(f) || s.tlsAt == 0 || s.tlsAt > f.first || f.first > s.ctrl.last || !f.synSeen || s.tlsAt <= bestPkt {
			continue
		}
		host := "server" // passive, unless the client's address says otherwise
		if s.client.Addr() != s.server.Addr() && f.b.Addr() == s.client.Addr() {
			host = "client"
		}
		best, bestPkt, bestD = s, s.tlsAt, dataConn{c: f, listener: f.b, listenerHost: host}
	}
	return best, bestD, best != nil
}

// joins: the connection runs between the session's two hosts.
func (s *session) joins(f *conn) bool {
	is := func(a netip.Addr) bool { return a == s.client.Addr() || a == s.server.Addr() }
	return is(f.a.Addr()) && is(f.b.Addr())
}

// listenerOn is the end of a connection that listens on port: the one
// dialed when the SYN is in the capture, else the end with that port.
func (f *conn) listenerOn(port uint16) (netip.AddrPort, bool) {
	switch {
	case f.synSeen:
		return f.b, f.b.Port() == port
	case f.b.Port() == port:
		return f.b, true
	case f.a.Port() == port:
		return f.a, true
	}
	return netip.AddrPort{}, false
}
