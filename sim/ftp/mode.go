package ftp

import "fmt"

// Mode is how the client sets up each data connection.
type Mode string

const (
	ModeActive  Mode = "active"  // PORT: the server dials the client
	ModePassive Mode = "passive" // PASV: the client dials the server's 227 address
	ModeEPSV    Mode = "epsv"    // EPSV (RFC 2428): passive, port only, IPv4 or IPv6
	ModeEPRT    Mode = "eprt"    // EPRT (RFC 2428): active, IPv4 or IPv6
)

// Modes lists every mode in the order menus show them.
var Modes = []Mode{ModeActive, ModePassive, ModeEPSV, ModeEPRT}

// Passive reports whether the client dials the data connection.
func (m Mode) Passive() bool { return m == ModePassive || m == ModeEPSV }

// ParseMode reads a mode name as typed on the command line.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown mode %q (want active, passive, epsv or eprt)", s)
}
