package play

import (
	"net"
	"strings"
	"sync"

	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

// Watcher turns the server's observer events into per-session trace
// events with the real addresses: the same player that shows simulated
// runs then shows real clients.
type Watcher struct {
	mu       sync.Mutex
	start    map[string]bool
	seq      map[string]int
	conns    map[string]int // "session|local|remote" -> conn id
	next     map[string]int
	dataSess map[string]string // data socket "local|remote" or listener "local" -> session
	emit     func(trace.SessionEvent)
	clock    ftp.Clock
	t0       map[string]int64
}

// NewWatcher calls emit for each converted event.
func NewWatcher(clock ftp.Clock, emit func(trace.SessionEvent)) *Watcher {
	if clock == nil {
		clock = ftp.SystemClock{}
	}
	return &Watcher{start: map[string]bool{}, seq: map[string]int{}, conns: map[string]int{}, next: map[string]int{},
		dataSess: map[string]string{}, emit: emit, clock: clock, t0: map[string]int64{}}
}

func hostOf(addr string) string {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return h
}

// Observe is an ftp.Observer.
func (w *Watcher) Observe(e ftp.Event) {
	w.mu.Lock()
	defer w.mu.Unlock()
	var sess string
	switch {
	case e.Kind == ftp.EvListen:
		return // listeners belong to no session until a connection comes
	case e.Channel == ftp.Control:
		sess = e.Remote
	default:
		sess = w.dataSess[e.Local+"|"+e.Remote]
		if sess == "" {
			sess = w.dataSess[e.Local]
		}
		if sess == "" {
			sess = w.dataSess["peer:"+hostOf(e.Remote)]
		}
		if sess == "" {
			return
		}
		w.dataSess[e.Local+"|"+e.Remote] = sess
	}
	now := w.clock.Now().UnixMicro()
	if !w.start[sess] {
		w.start[sess] = true
		w.t0[sess] = now
		w.emitLocked(sess, now, trace.Event{Kind: trace.SYN, Channel: trace.Control, Host: "client", From: e.Remote, To: e.Local, Conn: w.conn(sess, e)})
		w.emitLocked(sess, now, trace.Event{Kind: trace.Connected, Channel: trace.Control, Host: "client", From: e.Remote, To: e.Local, Conn: w.conn(sess, e)})
	}
	ch := trace.Channel(e.Channel)
	base := trace.Event{Channel: ch, Conn: w.conn(sess, e)}
	switch e.Kind {
	case ftp.EvCommand:
		base.Kind, base.Host, base.From, base.To, base.Text = trace.Segment, "client", e.Remote, e.Local, e.Text
		// A data connection of this session will come from (or go to) the same peer.
		w.dataSess["peer:"+hostOf(e.Remote)] = sess
	case ftp.EvReply:
		base.Kind, base.Host, base.From, base.To, base.Text = trace.Segment, "server", e.Local, e.Remote, e.Text
	case ftp.EvAccept:
		if ch == trace.Control {
			return
		}
		w.emitLocked(sess, now, trace.Event{Kind: trace.SYN, Channel: ch, Conn: base.Conn, Host: "client", From: e.Remote, To: e.Local})
		base.Kind, base.Host, base.From, base.To = trace.Connected, "client", e.Remote, e.Local
	case ftp.EvDial:
		base.Kind, base.Host, base.From, base.To = trace.SYN, "server", e.Local, e.Remote
	case ftp.EvConnected:
		base.Kind, base.Host, base.From, base.To = trace.Connected, "server", e.Local, e.Remote
	case ftp.EvDialFailed:
		base.Kind, base.Host, base.From, base.To, base.Err = trace.Timeout, "server", e.Local, e.Remote, e.Err
	case ftp.EvTransferEnd:
		base.Kind, base.Host, base.From, base.To, base.Bytes = trace.Segment, "server", e.Local, e.Remote, e.Bytes
		if len(e.Text) >= 4 && (e.Text[:4] == "STOR" || e.Text[:4] == "APPE") {
			base.Host, base.From, base.To = "client", e.Remote, e.Local
		}
	case ftp.EvClose:
		base.Kind, base.Host, base.From, base.To = trace.Close, "server", e.Local, e.Remote
	default:
		return
	}
	w.emitLocked(sess, now, base)
	if e.Kind == ftp.EvClose && e.Channel == ftp.Control {
		w.forget(sess)
	}
}

// forget drops a finished session's bookkeeping: a server that has seen
// thousands of clients keeps only the live ones here.
func (w *Watcher) forget(sess string) {
	delete(w.start, sess)
	delete(w.seq, sess)
	delete(w.next, sess)
	delete(w.t0, sess)
	for k := range w.conns {
		if strings.HasPrefix(k, sess+"|") {
			delete(w.conns, k)
		}
	}
	for k, v := range w.dataSess {
		if v == sess {
			delete(w.dataSess, k)
		}
	}
}

// Entries is how much bookkeeping the watcher holds, summed over its maps:
// it follows the live sessions, not every session seen.
func (w *Watcher) Entries() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.start) + len(w.conns) + len(w.dataSess) + len(w.seq) + len(w.next) + len(w.t0)
}

// conn numbers the sockets of a session: control is 1.
func (w *Watcher) conn(sess string, e ftp.Event) int {
	key := sess + "|control"
	if e.Channel == ftp.Data {
		key = sess + "|" + e.Local + "|" + e.Remote
		if e.Kind == ftp.EvDial || e.Kind == ftp.EvDialFailed {
			key = sess + "|dial|" + e.Remote
		}
	}
	if id, ok := w.conns[key]; ok {
		return id
	}
	w.next[sess]++
	w.conns[key] = w.next[sess]
	if e.Kind == ftp.EvConnected {
		// The dial's id carries over to the connection it made.
		if id, ok := w.conns[sess+"|dial|"+e.Remote]; ok {
			w.next[sess]--
			w.conns[key] = id
		}
	}
	return w.conns[key]
}

func (w *Watcher) emitLocked(sess string, now int64, e trace.Event) {
	e.Seq = w.seq[sess]
	w.seq[sess]++
	e.T = now - w.t0[sess]
	hdr := trace.Header{Format: trace.FormatName, Version: trace.Version, Name: sess, Title: "client " + sess, Source: "serve",
		Topology: trace.Topology{Hosts: []trace.Host{{Name: "client", Addr: hostOf(sess)}, {Name: "server", Addr: hostOf(e.To)}}}}
	if e.Host == "server" {
		hdr.Topology.Hosts[1].Addr = hostOf(e.From)
	}
	w.emit(trace.SessionEvent{Session: sess, Header: hdr, Event: e})
}
