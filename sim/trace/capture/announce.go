package capture

import (
	"strings"

	"ftplab/sim/ftp"
)

// announcedPort reads the data port a control line announces.
func announcedPort(line string) (uint16, bool) {
	a, ok, err := ftp.ParseAnnouncement(line)
	return a.Addr.Port(), ok && err == nil
}

// isTLSGo tells a reply that starts TLS on the control channel (RFC 4217).
func isTLSGo(line string) bool {
	code, multi, ok := ftp.ParseReplyLine(line)
	return ok && code == 234 && !multi
}

// ftpVerbs are commands of RFC 959 and its extensions; a client that sends
// one of them (and no SMTP verb) talks FTP.
var ftpVerbs = map[string]bool{
	"USER": true, "PASS": true, "ACCT": true, "CWD": true, "CDUP": true, "SMNT": true, "QUIT": true, "REIN": true,
	"PORT": true, "PASV": true, "TYPE": true, "STRU": true, "MODE": true, "RETR": true, "STOR": true, "STOU": true,
	"APPE": true, "ALLO": true, "REST": true, "RNFR": true, "RNTO": true, "ABOR": true, "DELE": true, "RMD": true,
	"MKD": true, "PWD": true, "LIST": true, "NLST": true, "SITE": true, "SYST": true, "STAT": true, "HELP": true,
	"NOOP": true, "FEAT": true, "OPTS": true, "AUTH": true, "PBSZ": true, "PROT": true, "CCC": true, "EPRT": true,
	"EPSV": true, "MDTM": true, "SIZE": true, "MLST": true, "MLSD": true, "LANG": true, "XPWD": true, "XCWD": true,
	"XMKD": true, "XRMD": true, "LPRT": true, "LPSV": true, "ADAT": true, "MIC": true, "CONF": true, "ENC": true,
}

// smtpVerbs mark a client that talks mail, whatever the greeting says.
var smtpVerbs = map[string]bool{"EHLO": true, "HELO": true, "MAIL": true, "RCPT": true, "DATA": true, "STARTTLS": true}

// verbOf is a command line's verb, upper case.
func verbOf(line string) string {
	verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
	return strings.ToUpper(verb)
}

// isReply: a reply line ("220 ...", "230-...").
func isReply(line string) bool {
	_, _, ok := ftp.ParseReplyLine(line)
	return ok
}
