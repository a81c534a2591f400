package player

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"ftplab/sim/ftp"
	"ftplab/sim/trace"
	"ftplab/tui/theme"
)

// inspect is the current step in layers, as text: the event, the
// addresses as each side and each box sees them, TCP, FTP (with PORT,
// EPRT, 227 and 229 decoded), and every box on the path with the rule
// that decided, the conntrack state and the helper's expectations.
//
// The TCP layer reads the packet model (trace.Packets, what the pcap
// export writes): pks are the step's packets, cur the one shown in
// packets detail (-1 in steps detail: all of them). name names a
// connection per channel ("data 1").
func inspect(events []trace.Event, total, i int, h trace.Header, conn *trace.Conn, pks []trace.Packet, cur int, name func(int) string) []string {
	if i < 0 || i >= len(events) {
		return []string{"nothing yet"}
	}
	e := events[i]
	head := fmt.Sprintf("event %d/%d · %s · %s", i+1, max(total, len(events)), e.Kind, trace.Seconds(e.T))
	if conn == nil {
		out := []string{head}
		if e.Kind == trace.Listen {
			out = append(out, fmt.Sprintf("socket  %s listens on %s (LISTEN)", e.Host, e.From))
		}
		if e.Text != "" {
			out = append(out, e.Text)
		}
		return out
	}
	out := []string{fmt.Sprintf("%s · %s", head, name(conn.ID))}
	out = append(out, addressLayer(events[:i+1], conn)...)
	out = append(out, tcpLayer(e, conn, pks, cur)...)
	if text, ok := e.ControlLine(); ok {
		out = append(out, ftpLayer(text, e.Host)...)
	}
	if e.Kind == trace.Rewrite {
		out = append(out, "ftp   before: "+e.Before, "      after:  "+e.After)
		out = append(out, ftpLayer(e.After, conn.Dialer)[1:]...)
	}
	return append(out, boxLayer(events[:i+1], h, conn, name)...)
}

// addressLayer is the 4-tuple as the dialer sends it, through each NAT,
// and as the far end sees it.
func addressLayer(events []trace.Event, c *trace.Conn) []string {
	out := []string{fmt.Sprintf("addr  %s sends %s -> %s", c.Dialer, c.From, c.To)}
	src, dst := c.From, c.To
	for _, e := range events {
		if e.Conn != c.ID || e.Kind != trace.NAT {
			continue
		}
		switch e.Before {
		case src:
			src = e.After
		case dst:
			dst = e.After
		}
		out = append(out, fmt.Sprintf("      after %s: %s -> %s", e.Box, src, dst))
	}
	if c.Dial == trace.StatusConnected {
		out = append(out, fmt.Sprintf("      the far end sees %s -> %s", src, dst))
	}
	return out
}

// tcpLayer is the step's packets from the packet model, flags, relative
// seq/ack, window and payload length, as the pcap export writes them; a
// step with no packet of its own (a box's decision) says what it did to
// the SYN.
func tcpLayer(e trace.Event, c *trace.Conn, pks []trace.Packet, cur int) []string {
	status := fmt.Sprintf("      %s, %d bytes so far, %d SYN retries", c.Status, c.Bytes, c.Attempts)
	if len(pks) > 0 {
		var out []string
		for k, pk := range pks {
			if cur >= 0 && k != cur {
				continue
			}
			dir := "dialer → listener"
			if !pk.FromDialer {
				dir = "listener → dialer"
			}
			line := fmt.Sprintf("[%s] seq %d ack %d win %d len %d · %s", pk.Flags, pk.RelSeq, pk.RelAck, pk.Window, len(pk.Payload), dir)
			if len(out) == 0 {
				out = append(out, "tcp   "+line)
			} else {
				out = append(out, "      "+line)
			}
			if cur < 0 && len(out) == 4 && len(pks) > 5 {
				out = append(out, fmt.Sprintf("      … %d more packets (d: packets detail)", len(pks)-4))
				break
			}
		}
		note := "      seq/ack relative to each side's first sequence number"
		if cur >= 0 {
			note = fmt.Sprintf("      packet %d/%d of the step; seq/ack relative", cur+1, len(pks))
		}
		return append(out, note, status)
	}
	flags := map[trace.Kind]string{
		trace.SYN: "SYN", trace.Retransmit: fmt.Sprintf("SYN again (retry %d)", e.Attempt),
		trace.Verdict: "SYN, judged by " + e.Box, trace.NAT: "SYN, translated by " + e.Box,
		trace.ExpectUsed: "SYN, expected by " + e.Box, trace.Connected: "SYN-ACK, ACK: connected",
		trace.Segment: fmt.Sprintf("no packet: %d bytes", e.Bytes),
		trace.Close:   "FIN ACK", trace.Reset: "RST", trace.Refused: "RST: refused",
		trace.Timeout: "no answer to any SYN",
		trace.Rewrite: fmt.Sprintf("payload rewritten by %s, %+d bytes: it fixes seq/ack from here on", e.Box, len(e.After)-len(e.Before)),
	}[e.Kind]
	if flags == "" {
		flags = "-"
	}
	return []string{"tcp   " + flags, status}
}

// ftpLayer parses a control line and decodes the address it announces.
func ftpLayer(text, host string) []string {
	verb, arg, _ := strings.Cut(text, " ")
	var out []string
	code, multi, isReply := ftp.ParseReplyLine(text)
	switch {
	case host == "server" && isReply && multi:
		out = append(out, fmt.Sprintf("ftp   reply %d, more lines follow: %s", code, strings.TrimSpace(text[4:])))
	case host == "server" && isReply:
		out = append(out, fmt.Sprintf("ftp   reply %d: %s", code, strings.TrimSpace(text[3:])))
	case host == "server":
		out = append(out, fmt.Sprintf("ftp   a line inside a multi-line reply: %q", text))
	default:
		out = append(out, fmt.Sprintf("ftp   command %s, argument %q", strings.ToUpper(verb), arg))
	}
	a, ok, err := ftp.ParseAnnouncement(text)
	switch {
	case !ok:
		return out
	case err != nil:
		return append(out, "      the address does not parse: "+err.Error())
	case a.Verb == "EPRT":
		return append(out, fmt.Sprintf("      EPRT names %s (family, address and port in plain text)", a.Addr))
	case a.Verb == "229":
		return append(out, fmt.Sprintf("      229 names port %d and no address: dial the control peer", a.Addr.Port()))
	}
	p := a.Addr.Port()
	return append(out, fmt.Sprintf("      names %s (port %d*256+%d = %d)", a.Addr, p/256, p%256, p))
}

// boxLayer is each box on the path with its rule table, the rule that
// decided this connection marked, the state conntrack gave it and the
// FTP helper's expectations at that box.
func boxLayer(events []trace.Event, h trace.Header, c *trace.Conn, name func(int) string) []string {
	var out []string
	for _, b := range h.Topology.Boxes {
		var verdict *trace.Event
		var expects []string
		for k := range events {
			e := &events[k]
			if e.Box != b.Name {
				continue
			}
			switch {
			case e.Kind == trace.Verdict && e.Conn == c.ID:
				verdict = e
			case e.Kind == trace.Expect:
				expects = append(expects, fmt.Sprintf("   expects %s (from %s)", e.To, name(e.Conn)))
			case e.Kind == trace.ExpectUsed:
				expects = append(expects, fmt.Sprintf("   used %s by %s: RELATED", e.To, name(e.Conn)))
			}
		}
		line := fmt.Sprintf("%s · %s in front of the %s", b.Name, b.Kind, b.Side)
		if verdict != nil {
			line += fmt.Sprintf(" · conntrack %s -> %s", verdict.State, strings.ToUpper(verdict.Verdict))
		}
		if b.ALG {
			line += " · FTP helper"
		}
		out = append(out, line)
		for _, r := range b.Rules {
			mark := "   "
			if verdict != nil && decided(r, verdict.Rule) {
				mark = " ▶ "
			}
			out = append(out, mark+r)
		}
		out = append(out, expects...)
	}
	return out
}

// decided tells whether a rule line of a box ("3: drop in NEW") is the
// rule a verdict names ("rule 3: drop in NEW").
func decided(line, rule string) bool {
	return line == rule || "rule "+line == rule
}

// inspectorView is the inspector in w x h: a long line wraps under its
// layer's label rather than losing its end (an address, a rule).
func inspectorView(lines []string, w, h int, st theme.Styles) []string {
	out := []string{st.Pane.Render(ansi.Truncate(" inspector · i closes", w, "…"))}
	for _, l := range lines {
		l = safe(l) // every line quotes the session's fields
		for _, part := range wrapUnder(l, w) {
			if len(out) >= h {
				return out
			}
			if strings.Contains(l, " ▶ ") {
				part = st.Current.Render(part)
			}
			out = append(out, part)
		}
	}
	return out
}

// inspectorIndent is the width of a layer's label ("addr  ", "tcp   ").
const inspectorIndent = 6

// wrapUnder wraps l at spaces to width w, its continuation lines indented
// under the label.
func wrapUnder(l string, w int) []string {
	if ansi.StringWidth(l) <= w || w <= 2*inspectorIndent {
		return []string{ansi.Truncate(l, w, "…")}
	}
	first, rest := cutAtWidth(l, w)
	out := []string{first}
	pad := strings.Repeat(" ", inspectorIndent)
	for rest != "" {
		var line string
		line, rest = cutAtWidth(rest, w-inspectorIndent)
		out = append(out, pad+line)
	}
	return out
}

// cutAtWidth splits s at the last space that leaves the head within w (or
// at w when a word is longer), dropping that space.
func cutAtWidth(s string, w int) (head, tail string) {
	if ansi.StringWidth(s) <= w {
		return s, ""
	}
	head = ansi.Truncate(s, w, "")
	if i := strings.LastIndexByte(head, ' '); i > 0 {
		head = head[:i]
	}
	return strings.TrimRight(head, " "), strings.TrimLeft(s[len(head):], " ")
}
