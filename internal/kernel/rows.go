//go:build linux

package kernel

import (
	"fmt"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
)

// Row is one scenario of the comparison. Its knobs mirror scenario.Scenario's,
// so the same row can be played on the kernel and on netem.
type Row struct {
	Mode        ftp.Mode
	Firewall    string // none, client, server
	OpenPasv    bool   // the server firewall admits the passive range
	Reject      bool   // REJECT (tcp reset) instead of DROP
	NAT         string // none, client, server
	PasvAddress bool   // vsftpd's pasv_address: the public address in 227
	ALG         bool   // the kernel's FTP helper, attached by `ct helper set`
	TLS         bool   // AUTH TLS on the control channel (curl --ssl-reqd)
}

func (r Row) String() string {
	s := fmt.Sprintf("%s fw=%s nat=%s", r.Mode, r.Firewall, r.NAT)
	for _, f := range []struct {
		on   bool
		name string
	}{{r.OpenPasv, "open-pasv"}, {r.Reject, "reject"}, {r.PasvAddress, "pasv-address"}, {r.ALG, "alg"}, {r.TLS, "tls"}} {
		if f.on {
			s += " " + f.name
		}
	}
	return s
}

// Scenario is the same row for sim.Run. The client is classic (it dials
// the address in 227), like curl with --no-ftp-skip-pasv-ip.
func (r Row) Scenario() scenario.Scenario {
	return scenario.Scenario{Name: r.String(), Mode: r.Mode, Firewall: r.Firewall, OpenPasv: r.OpenPasv, Reject: r.Reject,
		NAT: r.NAT, PasvAddress: r.PasvAddress, ALG: r.ALG, TLS: r.TLS}
}

// Rows is netem's outcome table plus the cases around it:
// every mode with no boxes, REJECT next to DROP, the server firewall in
// active mode, the helper behind each NAT, and TLS blinding the helper.
var Rows = []Row{
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", Reject: true},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true},
	{Mode: ftp.ModeEPRT, Firewall: "client", NAT: "none", ALG: true},
	{Mode: ftp.ModePassive, Firewall: "client", NAT: "none"},
	{Mode: ftp.ModeEPSV, Firewall: "client", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none"},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", Reject: true},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", OpenPasv: true},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ALG: true},
	{Mode: ftp.ModeActive, Firewall: "server", NAT: "none"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client"},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "client"},
	{Mode: ftp.ModeEPRT, Firewall: "none", NAT: "client", ALG: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "client"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server"},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", PasvAddress: true},
	{Mode: ftp.ModePassive, Firewall: "none", NAT: "server", ALG: true},
	{Mode: ftp.ModeEPSV, Firewall: "none", NAT: "server"},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "client", ALG: true, TLS: true},
	{Mode: ftp.ModeActive, Firewall: "none", NAT: "client", ALG: true, TLS: true},
	{Mode: ftp.ModeActive, Firewall: "client", NAT: "none", ALG: true, TLS: true},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", ALG: true, TLS: true},
	{Mode: ftp.ModePassive, Firewall: "server", NAT: "none", OpenPasv: true, TLS: true},
}
