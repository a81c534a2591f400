package netem

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

// helper is an FTP helper on one box (nf_conntrack_ftp, with nf_nat_ftp on
// a NAT): the data connections it expects, and the control connections it
// can no longer read. Guarded by World.mu.
type helper struct {
	ports   []int // the control ports it is attached for; empty: the world's control port
	expects []expectation
	blinded map[*pair]bool
}

// attached tells whether the helper reads a control connection to port.
func (h *helper) attached(port, controlPort int) bool {
	if len(h.ports) == 0 {
		return port == controlPort
	}
	return slices.Contains(h.ports, port)
}

// describe notes the helper's ports on the box, when they are not just
// the control port.
func (h *helper) describe(tb trace.Box) trace.Box {
	if h == nil || len(h.ports) == 0 {
		return tb
	}
	ports := make([]string, len(h.ports))
	for i, p := range h.ports {
		ports[i] = strconv.Itoa(p)
	}
	tb.Rules = append(tb.Rules, "ftp helper for tcp dport "+strings.Join(ports, ","))
	return tb
}

// expectation is an FTP helper's note that a data connection to dst is
// coming (nf_conntrack_expect). On a NAT box it also carries the private
// address to translate dst to.
type expectation struct {
	dst     netip.AddrPort
	to      netip.AddrPort // NAT: translate dst to this
	owner   *pair          // the control connection that announced it
	made    time.Duration  // virtual time of the announcement
	expires time.Duration
}

// ExpectLifetime is how long an FTP helper's expectation waits for its data
// connection (nf_conntrack_ftp's policy: 5 minutes).
const ExpectLifetime = 5 * time.Minute

// take finds the expectation for dst at virtual time now and uses it up.
// One that has expired is removed instead, and told as a note. A nil helper
// expects nothing.
func (h *helper) take(box string, dst netip.AddrPort, now time.Duration) (*expectation, []trace.Event) {
	if h == nil {
		return nil, nil
	}
	for i, e := range h.expects {
		if e.dst != dst {
			continue
		}
		h.expects = append(h.expects[:i], h.expects[i+1:]...)
		if now >= e.expires {
			return nil, []trace.Event{{Kind: trace.Note, Box: box, Text: fmt.Sprintf("%s's FTP helper: the expectation for %s expired %s after the announcement (nf_conntrack_ftp keeps one %s): this SYN is NEW", box, dst, (now - e.made).Round(time.Millisecond), ExpectLifetime)}}
		}
		return &e, nil
	}
	return nil, nil
}

// expect records e, replacing the owner's earlier one: one expectation per
// control connection and box, as in the kernel.
func (h *helper) expect(e expectation) {
	kept := h.expects[:0]
	for _, x := range h.expects {
		if x.owner != e.owner {
			kept = append(kept, x)
		}
	}
	h.expects = append(kept, e)
}

// blind marks a control connection unreadable; it reports whether that is
// news.
func (h *helper) blind(p *pair) bool {
	if h.blinded == nil {
		h.blinded = map[*pair]bool{}
	}
	seen := h.blinded[p]
	h.blinded[p] = true
	return !seen
}

// publicFor is the box's public address when it translates for c's host
// (a NAT on the writer's side), else the zero Addr and false.
func (hp hop) publicFor(c *conn) (netip.Addr, bool) {
	if pub, ok := hp.b.public(); ok && hp.side == c.host.name {
		return pub, true
	}
	return netip.Addr{}, false
}

// pathFrom is the control connection's boxes in the order a line from c
// crosses them.
func (p *pair) pathFrom(c *conn) []hop {
	order := make([]hop, 0, len(p.hops))
	if c.isDialer {
		return append(order, p.hops...)
	}
	for i := len(p.hops) - 1; i >= 0; i-- {
		order = append(order, p.hops[i])
	}
	return order
}

// help runs a control line past every FTP helper on its way, like
// nf_conntrack_ftp and nf_nat_ftp: PORT/EPRT from the dialer (the client),
// 227/229 from the acceptor (the server). A helper whose host announces
// its own address expects the data connection (making it RELATED); one on
// a NAT also rewrites the address to the public one. An announced address
// that is not the sender's gets no expectation (the kernel's loose=0).
// It returns the line as the receiver gets it.
func (p *pair) help(c *conn, text string) (string, bool) {
	sender := c.local.Addr()
	line, changed := text, false
	for _, hp := range p.pathFrom(c) {
		nat, translates := hp.publicFor(c)
		if h := p.helperOf(hp.b); h != nil {
			if out, ok := p.helpAt(c, hp.b.name(), h, nat, sender, line); ok {
				line, changed = out, true
			}
		}
		if translates {
			sender = nat // beyond its NAT the sender wears the public address
		}
	}
	return line, changed
}

// announcement is the data address a control line names.
type announcement struct {
	verb string // PORT, EPRT, 227, 229
	ap   netip.AddrPort
	arg  string // the address text as written
}

// parseAnnouncement reads what line announces, if the side it came from
// may announce it; a 229 names the sender's address.
func parseAnnouncement(fromClient bool, line string, sender netip.Addr) (announcement, bool) {
	a, ok, err := ftp.ParseAnnouncement(line)
	if !ok || err != nil || a.FromClient() != fromClient {
		return announcement{}, false
	}
	if a.Verb == "229" {
		a.Addr = netip.AddrPortFrom(sender, a.Addr.Port())
	}
	return announcement{a.Verb, a.Addr, a.Arg}, true
}

// helpAt is one helper reading one line. nat is the box's public address
// when the box translates for the line's sender (then it rewrites), else
// the zero Addr.
func (p *pair) helpAt(c *conn, box string, h *helper, nat, sender netip.Addr, line string) (string, bool) {
	a, ok := parseAnnouncement(c.isDialer, line, sender)
	if !ok {
		return "", false
	}
	if named := a.ap.Addr().Unmap(); named != sender {
		// nf_conntrack_ftp with loose=0, the default: an address that is
		// not the sender's gets no expectation (and no rewrite); the line
		// passes as it is. Shown, so the refusal is visible.
		e := c.event(trace.Ignore)
		e.Box, e.To = box, a.ap.String()
		e.Text = a.verb + " names " + named.String() + ", not the sender " + sender.String() + ": no expectation (loose=0)"
		p.w.step(0, e)
		return "", false
	}
	announced := netip.AddrPortFrom(a.ap.Addr().Unmap(), a.ap.Port())
	w := p.w
	out, rewritten := line, false
	exp := expectation{dst: announced, owner: p}
	if nat.IsValid() {
		public := netip.AddrPortFrom(nat, announced.Port())
		exp = expectation{dst: public, to: announced, owner: p}
		if a.verb != "229" { // 229 names no address: nothing to rewrite
			out = rewriteLine(a, line, public)
			rewritten = out != line
		}
	}
	exp.made = w.Elapsed()
	exp.expires = exp.made + ExpectLifetime
	w.mu.Lock()
	h.expect(exp)
	w.mu.Unlock()

	e := c.event(trace.Expect)
	e.Box, e.To = box, exp.dst.String()
	e.Text = a.verb + " announces " + announced.String() + ": a connection to " + exp.dst.String() + " will be RELATED"
	w.step(0, e)
	if rewritten {
		r := c.event(trace.Rewrite)
		r.Box, r.Before, r.After = box, line, out
		w.step(0, r)
	}
	return out, rewritten
}

// rewriteLine puts the public address into a PORT, EPRT or 227 line.
func rewriteLine(a announcement, line string, public netip.AddrPort) string {
	switch a.verb {
	case "PORT":
		return "PORT " + ftp.FormatPORT(public)
	case "EPRT":
		if public.Addr().Is6() {
			// nf_nat_ftp writes IPv6 uncompressed (measured: EPRT |2|fd00:c::10|p|
			// became |2|2001:0db8:0005:0000:0000:0000:0000:0001|p|).
			return fmt.Sprintf("EPRT |2|%s|%d|", public.Addr().StringExpanded(), public.Port())
		}
		return "EPRT " + ftp.FormatEPRT(public)
	case "227":
		return "227 " + ftp.Format227(public)
	}
	return line
}

// blind tells, once per helper, that it can no longer read this control
// connection.
func (c *conn) blind() {
	for _, hp := range c.p.hops {
		h := c.p.helperOf(hp.b)
		if h == nil {
			continue
		}
		c.p.w.mu.Lock()
		news := h.blind(c.p)
		c.p.w.mu.Unlock()
		if news {
			e := c.event(trace.Blind)
			e.Box = hp.b.name()
			e.Text = "the control channel is encrypted (TLS): the FTP helper cannot read PORT or 227 replies"
			c.p.w.step(0, e)
		}
	}
}

// announcePatterns are the line starts nf_conntrack_ftp searches, by
// direction (its search[] table, IPv4 and IPv6).
var announcePatterns = map[bool][]string{
	true:  {"PORT", "EPRT"}, // from the client
	false: {"227 ", "229 "}, // from the server
}

// partialAnnouncement tells whether a segment that starts a line but does
// not end it is, to nf_conntrack_ftp, a partial match: a prefix of a
// pattern, or a pattern whose address is cut off. The kernel drops such a
// segment ("nf_ct_ftp: dropping packet: partial matching of 'PORT'") and
// waits for a retransmission that carries the whole line.
func partialAnnouncement(fromClient bool, piece string) (string, bool) {
	if piece == "" {
		return "", false
	}
	for _, pat := range announcePatterns[fromClient] {
		n := min(len(piece), len(pat))
		if strings.EqualFold(piece[:n], pat[:n]) {
			return strings.TrimSpace(pat), true
		}
	}
	return "", false
}

// dropsPiece runs the first segment of a cut line past the helpers on its
// way. The first helper that sees a partial announcement drops it; it
// returns that box's hop and the pattern.
func (p *pair) dropsPiece(c *conn, piece string) (*hop, string) {
	for _, hp := range p.pathFrom(c) {
		if p.helperOf(hp.b) == nil {
			continue
		}
		if pat, ok := partialAnnouncement(c.isDialer, piece); ok {
			return &hp, pat
		}
	}
	return nil, ""
}

// helperOf is the helper of a box that reads this control connection, or
// nil.
func (p *pair) helperOf(b middlebox) *helper {
	h := b.helper()
	if h == nil || !h.attached(p.ctlPort, p.w.opts.ControlPort) {
		return nil
	}
	return h
}
