package ftp

import (
	"fmt"
	"io/fs"
	"strconv"
	"strings"
	"time"
)

// cmdSITE runs the SITE commands vsftpd has: CHMOD (lftp mirror -R, ncftp
// and tnftp chmod, curl -Q), UMASK and HELP.
func (c *session) cmdSITE(arg string) {
	sub, rest, _ := strings.Cut(strings.TrimLeft(arg, " "), " ")
	switch strings.ToUpper(sub) {
	case "CHMOD":
		c.siteCHMOD(rest)
	case "UMASK":
		c.siteUMASK(rest)
	case "HELP":
		c.reply(214, "CHMOD UMASK HELP")
	default:
		c.reply(500, "Unknown SITE command.")
	}
}

// siteCHMOD is "SITE CHMOD MODE PATH": permission bits only (no setuid,
// setgid or sticky), on a path inside the root, with uploads allowed.
func (c *session) siteCHMOD(arg string) {
	modeText, p, ok := strings.Cut(arg, " ")
	mode, err := strconv.ParseUint(modeText, 8, 32)
	switch {
	case !ok || p == "" || err != nil:
		c.reply(501, "SITE CHMOD needs an octal mode and a path (SITE CHMOD 644 file).")
		return
	case mode > 0o777:
		c.reply(501, "SITE CHMOD takes permission bits only (at most 777).")
		return
	case !c.srv.cfg.AllowUpload:
		c.reply(550, "Permission denied.")
		return
	}
	_, name, err := c.resolve(p)
	if err != nil {
		c.reply(501, "Syntax error in parameters or arguments.")
		return
	}
	if err := c.srv.cfg.Root.Chmod(name, fs.FileMode(mode)); err != nil {
		c.fileErr("SITE CHMOD", err)
		return
	}
	c.reply(200, "SITE CHMOD command ok.")
}

// siteUMASK shows or sets the umask this session's STOR and MKD use.
func (c *session) siteUMASK(arg string) {
	arg = strings.TrimSpace(arg)
	if arg == "" {
		c.reply(200, fmt.Sprintf("Your current UMASK is %04o", c.umask))
		return
	}
	m, err := strconv.ParseUint(arg, 8, 32)
	if err != nil || m > 0o777 {
		c.reply(501, "SITE UMASK needs an octal mask (SITE UMASK 022).")
		return
	}
	c.umask = fs.FileMode(m)
	c.reply(200, fmt.Sprintf("UMASK set to %04o", c.umask))
}

// setTime parses "YYYYMMDDHHMMSS[.sss] PATH" (MDTM's set form, a vsftpd
// extension, and MFMT) and sets PATH's modification time. ok is false when
// arg does not have that form, so MDTM can treat it as a plain path.
func (c *session) setTime(arg string) (name string, t time.Time, ok bool) {
	stamp, p, found := strings.Cut(arg, " ")
	if !found || p == "" {
		return "", time.Time{}, false
	}
	digits, _, _ := strings.Cut(stamp, ".")
	if len(digits) != 14 || strings.Trim(digits, "0123456789") != "" {
		return "", time.Time{}, false
	}
	t, err := time.Parse("20060102150405", digits)
	if err != nil {
		return "", time.Time{}, false
	}
	return p, t, true
}

// changeTime sets p's modification time; it answers errors itself.
func (c *session) changeTime(p string, t time.Time) bool {
	if !c.srv.cfg.AllowUpload {
		c.reply(550, "Permission denied.")
		return false
	}
	_, name, err := c.resolve(p)
	if err != nil {
		c.reply(501, "Syntax error in parameters or arguments.")
		return false
	}
	if err := c.srv.cfg.Root.Chtimes(name, t, t); err != nil {
		c.reply(550, "Could not set file modification time"+escapeNote(err)+".")
		return false
	}
	return true
}

// cmdMDTM answers the time of a file; "MDTM YYYYMMDDHHMMSS PATH" sets it
// (vsftpd; ncftpput -m keeps source times with it), unless the whole
// argument is itself the name of a file.
func (c *session) cmdMDTM(arg string) {
	if p, t, ok := c.setTime(arg); ok && !c.listExists(arg) {
		if c.changeTime(p, t) {
			c.reply(213, "File modification time set.")
		}
		return
	}
	if fi, ok := c.regularFile(arg, "file modification time"); ok {
		c.reply(213, fi.ModTime().UTC().Format("20060102150405"))
	}
}

// cmdMFMT is draft-somers-ftp-mfxx's way to set a time (rclone and lftp
// use it to keep modification times).
func (c *session) cmdMFMT(arg string) {
	p, t, ok := c.setTime(arg)
	if !ok {
		c.reply(501, "MFMT needs YYYYMMDDHHMMSS and a path.")
		return
	}
	if c.changeTime(p, t) {
		c.reply(213, "Modify="+t.Format("20060102150405")+"; "+p)
	}
}
