package netem

import (
	"net/netip"
	"strings"

	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

// help runs a control line past every FTP helper on its way, like
// nf_conntrack_ftp and nf_nat_ftp: PORT/EPRT from the dialer (the client),
// 227/229 from the acceptor (the server). A helper whose host announces
// its own address expects the data connection (making it RELATED); one on
// a NAT also rewrites the address to the public one. An announced address
// that is not the sender's gets no expectation (the kernel's loose=0).
// It returns the line as the receiver gets it.
func (p *pair) help(c *conn, text string) (string, bool) {
	order := make([]hop, 0, len(p.hops))
	if c.isDialer {
		order = append(order, p.hops...)
	} else {
		for i := len(p.hops) - 1; i >= 0; i-- {
			order = append(order, p.hops[i])
		}
	}
	sender := c.local.Addr()
	line, changed := text, false
	for _, hp := range order {
		b := hp.b
		writerSide := hp.side == c.host.name
		if b.hasALG() {
			if out, ok := p.helpAt(c, b, writerSide, sender, line); ok {
				line, changed = out, true
			}
		}
		if b.nat != nil && writerSide {
			sender = b.nat.public // beyond its NAT the sender wears the public address
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

func parseAnnouncement(fromClient bool, line string, sender netip.Addr) (announcement, bool) {
	verb, arg, _ := strings.Cut(line, " ")
	switch {
	case fromClient && strings.EqualFold(verb, "PORT"):
		ap, err := ftp.ParsePORT(arg)
		return announcement{"PORT", ap, arg}, err == nil
	case fromClient && strings.EqualFold(verb, "EPRT"):
		ap, err := ftp.ParseEPRT(arg)
		return announcement{"EPRT", ap, arg}, err == nil
	case !fromClient && verb == "227":
		ap, err := ftp.Parse227(line)
		return announcement{"227", ap, ""}, err == nil
	case !fromClient && verb == "229":
		port, err := ftp.Parse229(line)
		return announcement{"229", netip.AddrPortFrom(sender, port), ""}, err == nil
	}
	return announcement{}, false
}

func (p *pair) helpAt(c *conn, b *box, writerSide bool, sender netip.Addr, line string) (string, bool) {
	a, ok := parseAnnouncement(c.isDialer, line, sender)
	if !ok {
		return "", false
	}
	if named := a.ap.Addr().Unmap(); named != sender {
		// nf_conntrack_ftp with loose=0, the default: an address that is
		// not the sender's gets no expectation (and no rewrite); the line
		// passes as it is. Shown, so the refusal is visible.
		e := c.event(trace.Ignore)
		e.Box, e.To = b.name, a.ap.String()
		e.Text = a.verb + " names " + named.String() + ", not the sender " + sender.String() + ": no expectation (loose=0)"
		p.w.step(0, e)
		return "", false
	}
	announced := netip.AddrPortFrom(a.ap.Addr().Unmap(), a.ap.Port())
	w := p.w
	out, rewritten := line, false
	exp := expectation{dst: announced, owner: p}
	if b.nat != nil && writerSide && a.verb != "229" {
		public := netip.AddrPortFrom(b.nat.public, announced.Port())
		out = rewriteLine(a, line, public)
		rewritten = out != line
		exp = expectation{dst: public, to: announced, owner: p}
	} else if b.nat != nil && writerSide {
		exp = expectation{dst: netip.AddrPortFrom(b.nat.public, announced.Port()), to: announced, owner: p}
	}
	w.mu.Lock()
	// One expectation per control connection and box, as in the kernel.
	kept := b.expects[:0]
	for _, e := range b.expects {
		if e.owner != p {
			kept = append(kept, e)
		}
	}
	b.expects = append(kept, exp)
	w.mu.Unlock()

	e := c.event(trace.Expect)
	e.Box, e.To = b.name, exp.dst.String()
	e.Text = a.verb + " announces " + announced.String() + ": a connection to " + exp.dst.String() + " will be RELATED"
	w.step(0, e)
	if rewritten {
		r := c.event(trace.Rewrite)
		r.Box, r.Before, r.After = b.name, line, out
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
		return "EPRT " + ftp.FormatEPRT(public)
	case "227":
		return "227 " + ftp.Format227(public)
	}
	return line
}
