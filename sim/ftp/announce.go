package ftp

import (
	"net/netip"
	"strings"
)

// Announcement is the data address a control line names: PORT and EPRT
// from the client (RFC 959, RFC 2428), 227 and 229 from the server. A 229
// names only a port: Addr's address is then invalid, and the data
// connection goes to the control connection's peer.
type Announcement struct {
	Verb string // "PORT", "EPRT", "227" or "229"
	Arg  string // what follows the verb, as written
	Addr netip.AddrPort
}

// FromClient tells whether the line is a command (PORT, EPRT) rather than
// a reply (227, 229).
func (a Announcement) FromClient() bool { return a.Verb == "PORT" || a.Verb == "EPRT" }

// Pair tells whether the port is written as two bytes, p1,p2 (PORT and
// 227), so that it reads p1*256+p2.
func (a Announcement) Pair() bool { return a.Verb == "PORT" || a.Verb == "227" }

// ParseAnnouncement reads the data address a control line announces. ok
// is false for a line that announces nothing; err is set for one that
// tries and does not parse (a PORT with five numbers).
func ParseAnnouncement(line string) (a Announcement, ok bool, err error) {
	verb, arg, _ := strings.Cut(line, " ")
	a = Announcement{Verb: strings.ToUpper(verb), Arg: arg}
	switch a.Verb {
	case "PORT":
		a.Addr, err = ParsePORT(arg)
	case "EPRT":
		a.Addr, err = ParseEPRT(arg)
	case "227":
		a.Addr, err = Parse227(arg)
	case "229":
		var port uint16
		port, err = Parse229(arg)
		a.Addr = netip.AddrPortFrom(netip.Addr{}, port)
	default:
		return Announcement{}, false, nil
	}
	return a, true, err
}
