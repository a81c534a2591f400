package ftp

import (
	"fmt"
	"io/fs"
	"strings"
)

// mlsxFactNames are the RFC 3659 facts this server can give, in the order
// they appear; OPTS MLST picks a subset (all by default).
var mlsxFactNames = []string{"type", "size", "modify", "perm", "unix.mode"}

// featMLST is the MLST line of FEAT: every fact, "*" on those selected.
func featMLST(selected map[string]bool) string {
	var b strings.Builder
	b.WriteString("MLST ")
	for _, f := range mlsxFactNames {
		b.WriteString(f)
		if selected == nil || selected[f] {
			b.WriteByte('*')
		}
		b.WriteByte(';')
	}
	return b.String()
}

// optsMLST answers "OPTS MLST fact;fact;" (RFC 3659 7.9): the facts the
// server knows become the selection, others are ignored, and the reply
// names what was selected.
func (c *session) optsMLST(list string) {
	sel := map[string]bool{}
	var names []string
	for _, want := range strings.Split(strings.TrimSpace(list), ";") {
		for _, f := range mlsxFactNames {
			if strings.EqualFold(want, f) && !sel[f] {
				sel[f] = true
				names = append(names, f)
			}
		}
	}
	c.mlstFacts = sel
	text := "MLST OPTS"
	if len(names) > 0 {
		text += " " + strings.Join(names, ";") + ";"
	}
	c.reply(200, text)
}

// mlsxLine is an RFC 3659 entry: the selected facts, a space, the name.
// target is where fi points if it is a symlink ("" if unknown).
func (c *session) mlsxLine(fi fs.FileInfo, name, target string) string {
	var b strings.Builder
	on := func(f string) bool { return c.mlstFacts == nil || c.mlstFacts[f] }
	if on("type") {
		fmt.Fprintf(&b, "type=%s;", mlsxType(fi, target))
	}
	if on("size") {
		fmt.Fprintf(&b, "size=%d;", fi.Size())
	}
	if on("modify") {
		fmt.Fprintf(&b, "modify=%s;", fi.ModTime().UTC().Format("20060102150405"))
	}
	if on("perm") {
		fmt.Fprintf(&b, "perm=%s;", c.permFact(fi))
	}
	if on("unix.mode") {
		fmt.Fprintf(&b, "unix.mode=%04o;", fi.Mode().Perm())
	}
	b.WriteByte(' ')
	b.WriteString(name)
	return b.String()
}

// permFact says what this session may really do with an entry (RFC 3659
// 7.5.5): what the server's own file access allows, and nothing that
// changes files unless uploads are on. Clients copy it into local modes
// (lftp mirror makes a file without "w" read-only), so "r" alone where
// writing works would be a lie with consequences.
func (c *session) permFact(fi fs.FileInfo) string {
	r, w, x := accessFor(fi)
	up := c.srv.cfg.AllowUpload
	var p strings.Builder
	if fi.IsDir() {
		if up && w && x {
			p.WriteString("cmp") // create files, make dirs, purge entries
		}
		if up {
			p.WriteString("df") // delete, rename: decided by the parent
		}
		if x {
			p.WriteString("e")
		}
		if r && x {
			p.WriteString("l")
		}
		return p.String()
	}
	if up && w {
		p.WriteString("a")
	}
	if up {
		p.WriteString("df")
	}
	if r {
		p.WriteString("r")
	}
	if up && w {
		p.WriteString("w")
	}
	return p.String()
}

// mlsxType is the type fact. A symlink is "OS.unix=slink:target" as in
// RFC 3659's own example and pure-ftpd (lftp, FileZilla and most parsers
// read the target from it), or "OS.unix=symlink" when the target is
// unknown or holds what would end the fact or the facts (";", a space, a
// line end). Called "file", a link made lftp's mirror fetch the file it
// points to as a file of the link's size and report a short transfer, and
// a link to a directory failed outright.
//
// A FIFO, socket or device is OS.unix=fifo, socket, blk or chr: called
// "file", lftp's mirror made an empty file of a FIFO; as a type it does not
// know, lftp leaves the entry out.
func mlsxType(fi fs.FileInfo, target string) string {
	m := fi.Mode()
	switch {
	case m.IsDir():
		return "dir"
	case m.IsRegular():
		return "file"
	case m&fs.ModeNamedPipe != 0:
		return "OS.unix=fifo"
	case m&fs.ModeSocket != 0:
		return "OS.unix=socket"
	case m&fs.ModeCharDevice != 0:
		return "OS.unix=chr"
	case m&fs.ModeDevice != 0:
		return "OS.unix=blk"
	case m&fs.ModeSymlink != 0 && (target == "" || strings.ContainsAny(target, "; \r\n")):
		return "OS.unix=symlink"
	case m&fs.ModeSymlink != 0:
		return "OS.unix=slink:" + target
	}
	return "file" // fs.ModeIrregular: what the OS did not say, as before
}
