package ftp

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// The data-channel address formats of RFC 959 (PORT, 227) and RFC 2428
// (EPRT, 229). They are shared by the server, the client and netem's FTP
// helper, which all read and write the same lines.

// ErrAddrSyntax is wrapped by every parse error here.
var ErrAddrSyntax = errors.New("malformed address")

// ParsePORT reads the argument of PORT: "h1,h2,h3,h4,p1,p2".
func ParsePORT(arg string) (netip.AddrPort, error) {
	parts := strings.Split(strings.TrimSpace(arg), ",")
	if len(parts) != 6 {
		return netip.AddrPort{}, fmt.Errorf("%w: want h1,h2,h3,h4,p1,p2, got %q", ErrAddrSyntax, arg)
	}
	var b [6]byte
	for i, p := range parts {
		n, err := strconv.ParseUint(strings.TrimSpace(p), 10, 8)
		if err != nil {
			return netip.AddrPort{}, fmt.Errorf("%w: field %d %q is not 0-255", ErrAddrSyntax, i+1, p)
		}
		b[i] = byte(n)
	}
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{b[0], b[1], b[2], b[3]}), uint16(b[4])<<8|uint16(b[5])), nil
}

// FormatPORT writes an IPv4 address and port as "h1,h2,h3,h4,p1,p2".
func FormatPORT(ap netip.AddrPort) string {
	a := ap.Addr().Unmap().As4()
	p := ap.Port()
	return fmt.Sprintf("%d,%d,%d,%d,%d,%d", a[0], a[1], a[2], a[3], p>>8, p&0xff)
}

// Parse227 finds "(h1,h2,h3,h4,p1,p2)" in a 227 reply text. Like most clients
// it accepts the numbers without parentheses too.
func Parse227(text string) (netip.AddrPort, error) {
	start := strings.IndexAny(text, "0123456789")
	if i := strings.IndexByte(text, '('); i >= 0 {
		start = i + 1
	}
	if start < 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: no address in 227 reply %q", ErrAddrSyntax, text)
	}
	end := start
	for end < len(text) && (text[end] == ',' || text[end] == ' ' || text[end] >= '0' && text[end] <= '9') {
		end++
	}
	return ParsePORT(text[start:end])
}

// Format227 writes the text of a 227 reply (without the code).
func Format227(ap netip.AddrPort) string {
	return "Entering Passive Mode (" + FormatPORT(ap) + ")."
}

// ParseEPRT reads the argument of EPRT: "|1|132.235.1.2|6275|" or
// "|2|::1|6275|". The first character is the delimiter.
func ParseEPRT(arg string) (netip.AddrPort, error) {
	arg = strings.TrimSpace(arg)
	if len(arg) < 2 {
		return netip.AddrPort{}, fmt.Errorf("%w: EPRT argument %q too short", ErrAddrSyntax, arg)
	}
	d := arg[:1]
	f := strings.Split(arg, d)
	// "|1|addr|port|" splits into "", "1", addr, port, "".
	if len(f) != 5 || f[0] != "" || f[4] != "" {
		return netip.AddrPort{}, fmt.Errorf("%w: want |proto|addr|port|, got %q", ErrAddrSyntax, arg)
	}
	addr, err := netip.ParseAddr(f[2])
	if err != nil || addr.Zone() != "" {
		return netip.AddrPort{}, fmt.Errorf("%w: bad address %q", ErrAddrSyntax, f[2])
	}
	switch {
	case f[1] == "1" && addr.Is4():
	case f[1] == "2" && addr.Is6() && !addr.Is4In6():
	default:
		return netip.AddrPort{}, fmt.Errorf("%w: protocol %q does not match address %q", ErrAddrSyntax, f[1], f[2])
	}
	port, err := strconv.ParseUint(f[3], 10, 16)
	if err != nil || port == 0 {
		return netip.AddrPort{}, fmt.Errorf("%w: bad port %q", ErrAddrSyntax, f[3])
	}
	return netip.AddrPortFrom(addr, uint16(port)), nil
}

// FormatEPRT writes "|1|addr|port|" or "|2|addr|port|".
func FormatEPRT(ap netip.AddrPort) string {
	a := ap.Addr().Unmap()
	proto := "1"
	if a.Is6() {
		proto = "2"
	}
	return fmt.Sprintf("|%s|%s|%d|", proto, a, ap.Port())
}

// Parse229 finds the port in "Entering Extended Passive Mode (|||port|)".
func Parse229(text string) (uint16, error) {
	i := strings.IndexByte(text, '(')
	j := strings.LastIndexByte(text, ')')
	if i < 0 || j < i+1 {
		return 0, fmt.Errorf("%w: no (|||port|) in 229 reply %q", ErrAddrSyntax, text)
	}
	inner := text[i+1 : j]
	if len(inner) < 5 {
		return 0, fmt.Errorf("%w: %q too short", ErrAddrSyntax, inner)
	}
	d := inner[:1]
	f := strings.Split(inner, d)
	if len(f) != 5 || f[1] != "" || f[2] != "" || f[4] != "" {
		return 0, fmt.Errorf("%w: want (|||port|), got %q", ErrAddrSyntax, inner)
	}
	port, err := strconv.ParseUint(f[3], 10, 16)
	if err != nil || port == 0 {
		return 0, fmt.Errorf("%w: bad port %q", ErrAddrSyntax, f[3])
	}
	return uint16(port), nil
}

// Format229 writes the text of a 229 reply (without the code).
func Format229(port uint16) string {
	return fmt.Sprintf("Entering Extended Passive Mode (|||%d|)", port)
}
