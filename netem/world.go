// Package netem is ftplab's simulated network. Hosts have virtual addresses
// (labels such as 192.168.1.10) and every real socket is on loopback; a
// connection walks the middleboxes between two hosts (firewall, NAT, FTP
// helper) and every step it takes becomes a trace.Event. Time is virtual:
// a dropped SYN "waits" out its retransmission schedule without any real
// waiting, so a run with a 60 s timeout finishes in milliseconds.
package netem

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sort"
	"sync"
	"time"

	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

// Options set up a World.
type Options struct {
	// Emit receives every event, one at a time, in order. It may block:
	// the whole network holds still until it returns, which is how the
	// player steps through a live run.
	Emit func(trace.Event)
	// ControlPort marks control connections (and is where the FTP helper
	// listens, like nf_conntrack_ftp's default port). Default 21.
	ControlPort int
	// Start is the virtual clock's origin. Default 2026-01-01 09:00 UTC.
	Start time.Time
}

// World is one simulated network.
type World struct {
	opts Options

	emitMu sync.Mutex    // serialises events and the clock
	now    time.Duration // virtual time since Start
	seq    int

	mu        sync.Mutex
	hosts     []*Host
	boxes     map[string][]middlebox // side (host name) -> boxes, inner to outer
	listeners map[netip.AddrPort]*listener
	pending   map[uint32]*pair // dialed, not yet accepted
	pairs     []*pair
	nextConn  int
	link      Link
	realDials []string
	closed    bool
}

// New makes an empty network.
func New(o Options) *World {
	if o.ControlPort == 0 {
		o.ControlPort = 21
	}
	if o.Start.IsZero() {
		o.Start = time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	}
	return &World{
		opts:      o,
		boxes:     map[string][]middlebox{},
		listeners: map[netip.AddrPort]*listener{},
		pending:   map[uint32]*pair{},
	}
}

// HostConfig describes a host.
type HostConfig struct {
	Name string // "client", "server"
	Addr string // its own virtual IP (v4 or v6)
	// ConnectTimeout is how long its dials keep retransmitting SYNs into a
	// drop before giving up. Default 127 s (Linux, tcp_syn_retries=6).
	ConnectTimeout time.Duration
	// DataTimeout is how long the host's application lets a data
	// connection make no progress before it gives up on the transfer (an
	// FTP server's data timeout; vsftpd's data_connection_timeout). A link
	// stall longer than that ends the transfer on this host's side, in
	// virtual time, with a timeout error. 0: the host waits forever.
	DataTimeout time.Duration
	// SYNSchedule is when its dials retransmit an unanswered SYN. Default
	// SYNLinux.
	SYNSchedule SYNSchedule
	// NoSACK turns selective acknowledgements off for its connections
	// (net.ipv4.tcp_sack=0): a retransmission then carries everything not
	// yet acknowledged, which matters when a helper drops part of a line.
	NoSACK bool
}

// AddHost puts a host on the network.
func (w *World) AddHost(c HostConfig) (*Host, error) {
	ip, err := netip.ParseAddr(c.Addr)
	if err != nil {
		return nil, fmt.Errorf("netem: host %q: bad address %q", c.Name, c.Addr)
	}
	if c.ConnectTimeout == 0 {
		c.ConnectTimeout = 127 * time.Second
	}
	if c.SYNSchedule < 0 || c.SYNSchedule > SYNLinuxPre65 {
		return nil, fmt.Errorf("netem: host %q: unknown SYN schedule %d", c.Name, c.SYNSchedule)
	}
	if c.DataTimeout < 0 {
		return nil, fmt.Errorf("netem: host %q: negative data timeout %s", c.Name, c.DataTimeout)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, h := range w.hosts {
		if h.name == c.Name || h.addr == ip {
			return nil, fmt.Errorf("netem: host %q or address %s already exists", c.Name, ip)
		}
	}
	h := &Host{w: w, name: c.Name, addr: ip.Unmap(), connectTimeout: c.ConnectTimeout, synSchedule: c.SYNSchedule, noSACK: c.NoSACK, dataTimeout: c.DataTimeout, nextPort: 49152}
	w.hosts = append(w.hosts, h)
	return h, nil
}

// Link conditions apply to the bytes every connection carries. Latency and
// bandwidth cost every segment; each Fault acts at a point (see [Fault]),
// in the order given when two act at the same byte.
type Link struct {
	Latency   time.Duration // one way, per segment
	Bandwidth int64         // bytes per second; 0 = unlimited
	Faults    []Fault
}

// none tells whether the link has no conditions at all, so bytes may
// take the relay's fast path (a new field must be added here).
func (l Link) none() bool { return l.Latency == 0 && l.Bandwidth == 0 && len(l.Faults) == 0 }

// SetLink sets the link conditions for connections made from now on.
func (w *World) SetLink(l Link) {
	w.mu.Lock()
	w.link = l
	w.mu.Unlock()
}

// Clock is the virtual clock, for the endpoints' timestamps.
func (w *World) Clock() ftp.Clock { return clock{w} }

type clock struct{ w *World }

func (c clock) Now() time.Time {
	c.w.emitMu.Lock()
	defer c.w.emitMu.Unlock()
	return c.w.opts.Start.Add(c.w.now)
}

// Elapsed is the virtual time since Start.
func (w *World) Elapsed() time.Duration {
	w.emitMu.Lock()
	defer w.emitMu.Unlock()
	return w.now
}

// RealDials lists every real address netem dialed: all must be loopback.
func (w *World) RealDials() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.realDials...)
}

// Close shuts every listener and connection. It is safe to call twice.
func (w *World) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return nil
	}
	w.closed = true
	ls := make([]*listener, 0, len(w.listeners))
	for _, l := range w.listeners {
		ls = append(ls, l)
	}
	pairs := w.pairs
	w.mu.Unlock()
	for _, l := range ls {
		l.real.Close()
	}
	for _, p := range pairs {
		p.closeReal()
	}
	return nil
}

// step advances the clock by d and emits e at the new time.
func (w *World) step(d time.Duration, e trace.Event) {
	w.emitMu.Lock()
	defer w.emitMu.Unlock()
	w.now += d
	e.T = w.now.Microseconds()
	e.Seq = w.seq
	w.seq++
	if w.opts.Emit != nil {
		w.opts.Emit(e)
	}
}

// advance lets d pass with nothing to show (a stall the next event ends).
func (w *World) advance(d time.Duration) {
	w.emitMu.Lock()
	w.now += d
	w.emitMu.Unlock()
}

// stepAt emits e at virtual time start+offset (used for SYN retransmits,
// which happen on the dialer's schedule while everyone else waits).
func (w *World) stepAt(start, offset time.Duration, e trace.Event) {
	w.emitMu.Lock()
	defer w.emitMu.Unlock()
	if t := start + offset; t > w.now {
		w.now = t
	}
	e.T = w.now.Microseconds()
	e.Seq = w.seq
	w.seq++
	if w.opts.Emit != nil {
		w.opts.Emit(e)
	}
}

// Pause lets host wait d in virtual time, as an application that sleeps:
// a note says so, and the next event comes d later.
func (w *World) Pause(host string, d time.Duration) {
	w.step(0, trace.Event{Kind: trace.Note, Host: host, Text: fmt.Sprintf("%s waits %s", host, d)})
	w.advance(d)
}

// Topology is the stage the trace header records: hosts left to right and
// the boxes between them, client side inner to outer, then server side
// outer to inner.
func (w *World) Topology() trace.Topology {
	w.mu.Lock()
	defer w.mu.Unlock()
	var t trace.Topology
	for _, h := range w.hosts {
		th := trace.Host{Name: h.name, Addr: h.addr.String()}
		for _, b := range w.boxes[h.name] {
			if pub, ok := b.public(); ok {
				th.Public = pub.String()
			}
		}
		t.Hosts = append(t.Hosts, th)
	}
	for i, h := range w.hosts {
		bs := w.boxes[h.name]
		order := make([]middlebox, len(bs))
		copy(order, bs)
		if i > 0 { // the far side is drawn outer to inner
			for a, b := 0, len(order)-1; a < b; a, b = a+1, b-1 {
				order[a], order[b] = order[b], order[a]
			}
		}
		for _, b := range order {
			t.Boxes = append(t.Boxes, b.describe(h.name))
		}
	}
	return t
}

func (w *World) hostByName(name string) *Host {
	for _, h := range w.hosts {
		if h.name == name {
			return h
		}
	}
	return nil
}

// addBox inserts a box on a side keeping firewalls inside NATs: a router
// filters on the private side of its translation.
func (w *World) addBox(side string, b middlebox) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.hostByName(side) == nil {
		return fmt.Errorf("netem: no host %q to put %s in front of", side, b.name())
	}
	for _, x := range w.boxes[side] {
		if x.name() == b.name() {
			return fmt.Errorf("netem: box %q already exists", b.name())
		}
		if x.kind() == b.kind() {
			return fmt.Errorf("netem: %q already has a %s", side, b.kind())
		}
	}
	bs := append(w.boxes[side], b)
	sort.SliceStable(bs, func(i, j int) bool { return !outer(bs[i]) && outer(bs[j]) })
	w.boxes[side] = bs
	return nil
}

var errClosed = errors.New("netem: network closed")

// timeoutError is a dial that gave up after unanswered SYNs.
type timeoutError struct{ msg string }

func (e *timeoutError) Error() string   { return e.msg }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

var _ net.Error = (*timeoutError)(nil)
