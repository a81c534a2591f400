package ftp

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// resolve turns a client path into a path inside the root. The virtual
// path is cleaned against the working directory, so ".." can never climb
// above "/"; os.Root then refuses what cleaning cannot see (symlinks that
// point outside).
func (c *session) resolve(arg string) (virtual, name string, err error) {
	if strings.ContainsRune(arg, 0) {
		return "", "", fmt.Errorf("NUL in path")
	}
	p := arg
	if !strings.HasPrefix(p, "/") {
		p = path.Join(c.cwd, p)
	}
	virtual = path.Clean("/" + p)
	name = strings.TrimPrefix(virtual, "/")
	if name == "" {
		name = "."
	}
	if err := checkReserved(name); err != nil {
		return "", "", err
	}
	return virtual, name, nil
}

func (c *session) cmdPWD(string) {
	c.reply(257, quote257(c.cwd)+" is the current directory")
}

// quote257 puts a path in a 257 reply as RFC 959 (appendix II) says: in
// double quotes, with each quote inside doubled, every other byte as is.
// (strconv.Quote, used before, wrote Go escapes such as \xff and \" that
// name a directory that does not exist.)
func quote257(p string) string {
	return `"` + strings.ReplaceAll(p, `"`, `""`) + `"`
}

func (c *session) cmdCWD(arg string) {
	v, name, err := c.resolve(arg)
	if err != nil {
		c.reply(501, "Syntax error in parameters or arguments.")
		return
	}
	fi, err := c.srv.cfg.Root.Stat(name)
	if err != nil || !fi.IsDir() {
		c.reply(550, "Failed to change directory"+escapeNote(err)+".")
		return
	}
	c.cwd = v
	c.reply(250, "Directory successfully changed.")
}

// regularFile stats a regular file for SIZE and MDTM, answering the error
// itself (failure names what could not be had).
func (c *session) regularFile(arg, failure string) (fs.FileInfo, bool) {
	_, name, err := c.resolve(arg)
	if err != nil {
		c.reply(501, "Syntax error in parameters or arguments.")
		return nil, false
	}
	fi, err := c.srv.cfg.Root.Stat(name)
	if outOfResources(err) {
		c.resourceErr("Could not get "+failure, err)
		return nil, false
	}
	if err != nil || !fi.Mode().IsRegular() {
		c.reply(550, "Could not get "+failure+escapeNote(err)+".")
		return nil, false
	}
	return fi, true
}

func (c *session) cmdSIZE(arg string) {
	if fi, ok := c.regularFile(arg, "file size"); ok {
		c.reply(213, strconv.FormatInt(fi.Size(), 10))
	}
}

func (c *session) cmdREST(arg string) {
	n, err := strconv.ParseInt(strings.TrimSpace(arg), 10, 64)
	if err != nil || n < 0 {
		c.reply(501, "REST needs a non-negative byte offset.")
		return
	}
	c.rest = n
	c.reply(350, fmt.Sprintf("Restart position accepted (%d).", n))
}

func (c *session) cmdDELE(arg string) {
	_, name, err := c.resolve(arg)
	if err != nil {
		c.reply(501, "Syntax error in parameters or arguments.")
		return
	}
	if fi, err := c.srv.cfg.Root.Lstat(name); err != nil || fi.IsDir() {
		c.reply(550, "Delete operation failed.")
		return
	}
	if err := c.srv.cfg.Root.Remove(name); err != nil {
		c.fileErr("Delete", err)
		return
	}
	c.reply(250, "Delete operation successful.")
}

func (c *session) cmdMKD(arg string) {
	v, name, err := c.resolve(arg)
	if err != nil || name == "." {
		c.reply(550, "Create directory operation failed.")
		return
	}
	if err := c.srv.cfg.Root.Mkdir(name, 0o777&^c.umask); err != nil {
		c.reply(550, "Create directory operation failed.")
		return
	}
	c.reply(257, quote257(v)+" created")
}

func (c *session) cmdRMD(arg string) {
	_, name, err := c.resolve(arg)
	if err != nil || name == "." {
		c.reply(550, "Remove directory operation failed.")
		return
	}
	if fi, err := c.srv.cfg.Root.Lstat(name); err != nil || !fi.IsDir() {
		c.reply(550, "Remove directory operation failed.")
		return
	}
	if err := c.srv.cfg.Root.Remove(name); err != nil {
		c.reply(550, "Remove directory operation failed.")
		return
	}
	c.reply(250, "Remove directory operation successful.")
}

func (c *session) cmdRNFR(arg string) {
	_, name, err := c.resolve(arg)
	if err != nil || name == "." {
		c.reply(550, "RNFR command failed.")
		return
	}
	if _, err := c.srv.cfg.Root.Lstat(name); err != nil {
		c.reply(550, "RNFR command failed.")
		return
	}
	c.renameSrc = name
	c.reply(350, "Ready for RNTO.")
}

func (c *session) cmdRNTO(arg string) {
	src := c.renameSrc
	c.renameSrc = ""
	if src == "" {
		c.reply(503, "RNFR required first.")
		return
	}
	_, name, err := c.resolve(arg)
	if err != nil || name == "." {
		c.reply(550, "Rename failed.")
		return
	}
	if err := c.srv.cfg.Root.Rename(src, name); err != nil {
		c.reply(550, "Rename failed.")
		return
	}
	c.reply(250, "Rename successful.")
}

// appendLsLine appends lsLine's line to b. A listing formats one per
// entry, so it appends into the write buffer rather than building strings
// (fmt made 10 allocations an entry, this 4 with os.Root's Lstat; with
// entryStat, 2).
func appendLsLine(b []byte, fi fs.FileInfo, now time.Time) []byte {
	b = appendLsMode(b, fi.Mode())
	b = append(b, "    1 ftp      ftp  "...)
	size := fi.Size()
	for w := decimalWidth(size); w < 10; w++ {
		b = append(b, ' ')
	}
	b = strconv.AppendInt(b, size, 10)
	b = append(b, ' ')
	t := fi.ModTime()
	if now.Sub(t) > 180*24*time.Hour || t.After(now.Add(time.Hour)) {
		b = t.AppendFormat(b, "Jan _2  2006")
	} else {
		b = t.AppendFormat(b, "Jan _2 15:04")
	}
	b = append(b, ' ')
	return append(b, fi.Name()...)
}

// appendLsMode is the mode column: Go's FileMode.String with the type
// letter ls and its parsers expect ("l", not Go's "L", for a symlink).
func appendLsMode(b []byte, m fs.FileMode) []byte {
	if m&^(fs.ModePerm|fs.ModeDir) == 0 { // the common case, without a string
		if m.IsDir() {
			b = append(b, 'd')
		} else {
			b = append(b, '-')
		}
		const rwx = "rwxrwxrwx"
		for i := range 9 {
			if m&(1<<uint(8-i)) != 0 {
				b = append(b, rwx[i])
			} else {
				b = append(b, '-')
			}
		}
		return b
	}
	mode := m.String()
	switch {
	case m.IsDir():
		mode = "d" + mode[1:]
	case m&fs.ModeSymlink != 0:
		mode = "l" + mode[1:]
	}
	return append(b, mode...)
}

// decimalWidth is how many characters strconv gives n.
func decimalWidth(n int64) int {
	w := 1
	if n < 0 {
		w, n = 2, -n
	}
	for ; n >= 10; n /= 10 {
		w++
	}
	return w
}

func (c *session) cmdMLST(arg string) {
	v, name, err := c.resolve(arg)
	if err != nil {
		c.reply(501, "Syntax error in parameters or arguments.")
		return
	}
	fi, err := c.srv.cfg.Root.Stat(name)
	if err != nil {
		c.fileErr("MLST", err)
		return
	}
	c.replyLines(250, "Listing "+v, []string{c.mlsxLine(fi, v, "")}, "End")
}

// readable opens a regular file for RETR.
func (c *session) openForRead(arg string) (*os.File, fs.FileInfo, error) {
	_, name, err := c.resolve(arg)
	if err != nil {
		return nil, nil, err
	}
	// Only a regular file is opened: open(2) of a FIFO blocks until a
	// writer comes, and a device may do anything. O_NONBLOCK keeps a
	// FIFO swapped in after the Stat from blocking; fstat then refuses it.
	if fi, err := c.srv.cfg.Root.Stat(name); err != nil {
		return nil, nil, err
	} else if !fi.Mode().IsRegular() {
		return nil, nil, fmt.Errorf("%s: %w", name, errNotRegular)
	}
	f, err := c.srv.cfg.Root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	fi, err := f.Stat()
	if err != nil || !fi.Mode().IsRegular() {
		f.Close()
		if err == nil {
			err = fmt.Errorf("%s: %w", name, errNotRegular)
		}
		return nil, nil, err
	}
	return f, fi, nil
}

// escapeNote explains a refusal that os.Root made because the path leads
// outside the root (through a symlink: ".." was cleaned away before).
func escapeNote(err error) string {
	if isEscape(err) {
		return ": path is outside the served directory"
	}
	return ""
}

// isEscape reports os.Root's refusal; its error value is not exported, so
// the text is all there is to go by.
func isEscape(err error) bool {
	return err != nil && strings.Contains(err.Error(), "escapes from parent")
}
