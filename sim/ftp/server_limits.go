package ftp

import (
	"net"
	"net/netip"
	"slices"
	"sync"
	"time"
)

// Limits on what a client can hold or try before it has logged in. The
// connection cap alone let 64 silent connections lock everyone out, and a
// per-connection delay let a client guess 100 passwords a second by
// reconnecting after each one.

// addrKey is the address limits are kept per: the IPv4 address, or the
// IPv6 /64 (one host usually has a whole /64 to pick addresses from).
func addrKey(a net.Addr) netip.Addr {
	ap, err := netip.ParseAddrPort(a.String())
	if err != nil {
		return netip.Addr{}
	}
	ip := ap.Addr().Unmap().WithZone("")
	if ip.Is6() {
		if p, err := ip.Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}

// handshakeDeadline bounds the AUTH TLS handshake: the data timeout, and
// before login never past the login deadline.
func (c *session) handshakeDeadline() time.Time {
	d := time.Now().Add(c.srv.cfg.DataTimeout)
	if by := c.loginBy.Load(); by != 0 && time.Unix(0, by).Before(d) {
		return time.Unix(0, by)
	}
	return d
}

// readDeadline is when the next control line must have come: the idle
// timeout, and before login the login deadline if that is sooner.
func (c *session) readDeadline() time.Time {
	d := time.Now().Add(c.srv.cfg.IdleTimeout)
	if by := c.loginBy.Load(); by != 0 && time.Unix(0, by).Before(d) {
		return time.Unix(0, by)
	}
	return d
}

// loginGate spaces out password checks per address. Every failed PASS
// from an address makes the next check from it wait FailedLoginDelay
// times the address's recent failures (at most 5), whatever connection
// it comes on: reconnecting does not start afresh, and parallel
// connections queue behind each other. An address with no recent failure
// is not slowed at all, so a user elsewhere logs in at once during an
// attack.
type loginGate struct {
	mu    sync.Mutex
	addrs map[netip.Addr]*gateEntry
}

type gateEntry struct {
	failures int       // recent failed PASS from the address
	last     time.Time // the latest of them
	next     time.Time // no check from the address before this
}

const (
	// failureMemory is how long an address's failures count.
	failureMemory = time.Minute
	// maxGateWait: a check that would wait longer is refused at once
	// (421) without looking at the password, and so is a new connection
	// from that address, so a queue of guesses holds few connections and
	// answers nothing.
	maxGateWait = 3 * time.Second
	// maxGateAddrs bounds the table; past it, old entries go first.
	maxGateAddrs = 4096
)

// reserve books the next check slot for key and says how long to wait for
// it; ok is false when the wait would be over maxGateWait.
func (g *loginGate) reserve(key netip.Addr, base time.Duration, now time.Time) (wait time.Duration, ok bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.addrs[key]
	if e == nil || now.Sub(e.last) > failureMemory {
		return 0, true
	}
	slot := now
	if e.next.After(now) {
		slot = e.next
	}
	if slot.Sub(now) > maxGateWait {
		return 0, false
	}
	e.next = slot.Add(base * time.Duration(min(e.failures, 5)))
	return slot.Sub(now), true
}

// throttled reports whether checks from key are queued past maxGateWait.
func (g *loginGate) throttled(key netip.Addr, now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	e := g.addrs[key]
	return e != nil && now.Sub(e.last) <= failureMemory && e.next.Sub(now) > maxGateWait
}

// fail records a failed PASS from key and returns the address's recent
// failures, this one included.
func (g *loginGate) fail(key netip.Addr, now time.Time) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.addrs == nil {
		g.addrs = map[netip.Addr]*gateEntry{}
	}
	e := g.addrs[key]
	if e == nil || now.Sub(e.last) > failureMemory {
		if len(g.addrs) >= maxGateAddrs {
			g.prune(now)
		}
		e = &gateEntry{next: now}
		g.addrs[key] = e
	}
	e.failures++
	e.last = now
	return e.failures
}

// prune drops forgotten entries, and if the table is still full, the
// oldest half.
func (g *loginGate) prune(now time.Time) {
	var oldest []time.Time
	for k, e := range g.addrs {
		if now.Sub(e.last) > failureMemory {
			delete(g.addrs, k)
			continue
		}
		oldest = append(oldest, e.last)
	}
	if len(g.addrs) < maxGateAddrs {
		return
	}
	slices.SortFunc(oldest, time.Time.Compare)
	cut := oldest[len(oldest)/2]
	for k, e := range g.addrs {
		if !e.last.After(cut) {
			delete(g.addrs, k)
		}
	}
}

// sleep waits d unless the session is aborted first (Server.Close does not
// wait delays out); it reports whether the whole wait passed.
func (c *session) sleep(d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-c.aborted:
		return false
	}
}

// awaitLoginSlot waits for this address's turn to have a password checked.
// It answers 421 and ends the session when the queue is too long, and
// reports whether the check may go ahead.
func (c *session) awaitLoginSlot() bool {
	base := c.srv.cfg.FailedLoginDelay
	if base <= 0 {
		return true
	}
	wait, ok := c.srv.gate.reserve(c.key, base, time.Now())
	if !ok {
		_, remote := c.addrs()
		c.srv.logf("refused a login from %s: too many failed logins from that address", remote)
		c.reply(421, "Too many failed logins from your address; try again later.")
		c.hangUp = true
		return false
	}
	return c.sleep(wait)
}

// loginFailed answers a wrong password: after the address's delay, 530,
// and after MaxLoginFails on this connection the session ends.
func (c *session) loginFailed() {
	cfg := c.srv.cfg
	c.failures++
	c.user = ""
	if cfg.FailedLoginDelay > 0 {
		n := c.srv.gate.fail(c.key, time.Now())
		if !c.sleep(cfg.FailedLoginDelay * time.Duration(min(n, 5))) {
			return
		}
	}
	c.reply(530, "Login incorrect.")
	if cfg.MaxLoginFails > 0 && c.failures >= cfg.MaxLoginFails {
		_, remote := c.addrs()
		c.srv.logf("closing %s after %d failed logins", remote, c.failures)
		c.hangUp = true
	}
}

// sessionsLeft counts the sessions not yet ended.
func (s *Server) sessionsLeft() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}
