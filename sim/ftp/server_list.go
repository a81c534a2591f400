package ftp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"sort"
	"strings"
	"time"
)

// listFlags are the ls-style options a LIST, NLST or STAT argument may
// start with. RFC 959 gives these commands a pathname and nothing else;
// the flags are a Unix convention that clients (lftp, ncftp, ftplib's
// "LIST -la") rely on, so they are accepted the way vsftpd does: only
// in words at the start of the argument, and only when the argument is
// not itself a name that exists.
type listFlags struct {
	all bool // -a: also "." and ".."
}

// splitListArg takes ls-style option words off the front of a LIST, NLST
// or STAT argument and returns the path, exactly as sent: runs of spaces,
// tabs, a leading space or a word starting with "-" inside it stay, since
// they are part of some real name. exists reports whether a path names
// something; a path that exists is never taken apart ("LIST -la" lists a
// file named "-la" if there is one). "--" ends the options.
func splitListArg(arg string, exists func(string) bool) (listFlags, string) {
	var fl listFlags
	for strings.HasPrefix(arg, "-") && !exists(arg) {
		word, rest, _ := strings.Cut(arg, " ")
		if word == "--" {
			return fl, rest
		}
		if !isOptionWord(word) {
			break
		}
		if strings.ContainsRune(word, 'a') {
			fl.all = true
		}
		arg = rest
	}
	return fl, arg
}

// isOptionWord: "-" and then letters or digits, as ls options are.
func isOptionWord(w string) bool {
	if len(w) < 2 || w[0] != '-' {
		return false
	}
	for _, r := range w[1:] {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '1') {
			return false
		}
	}
	return true
}

// listTarget is what a listing command names: one directory (all of it or
// the names that match pattern) or one file.
type listTarget struct {
	dir     string      // root-relative directory to read
	pattern string      // path.Match pattern on names in dir; "" for all
	file    fs.FileInfo // non-nil: list just this entry
	given   string      // the path as the client sent it
	prefix  string      // what NLST puts before each name ("DIR/")
}

// errNotDir is MLSD's refusal of a path that names a file.
var errNotDir = errors.New("not a directory")

// listTarget resolves a listing path. With glob, a last component with
// wildcards (*, ?, [...]) that names nothing is a pattern on the names in
// its directory; the directory part itself is a plain path, so a pattern
// never reaches past one directory inside the root.
func (c *session) listTarget(p string, glob bool) (listTarget, error) {
	_, name, err := c.resolve(p)
	if err != nil {
		return listTarget{}, err
	}
	t := listTarget{given: p}
	fi, err := c.srv.cfg.Root.Stat(name)
	switch {
	case err == nil && fi.IsDir():
		t.dir = name
		if p != "" && p != "." {
			t.prefix = strings.TrimSuffix(p, "/") + "/"
		}
		return t, nil
	case err == nil:
		t.file = fi
		return t, nil
	case !glob || !errors.Is(err, fs.ErrNotExist):
		return listTarget{}, err
	}
	slash := strings.LastIndexByte(p, '/')
	dirPart, pattern := p[:slash+1], p[slash+1:]
	if !hasGlobMeta(pattern) || hasGlobMeta(dirPart) {
		return listTarget{}, err
	}
	if _, perr := path.Match(pattern, ""); perr != nil {
		return listTarget{}, err // a malformed pattern is just a missing name
	}
	_, dname, derr := c.resolve(dirPart)
	if derr != nil {
		return listTarget{}, derr
	}
	if dfi, derr := c.srv.cfg.Root.Stat(dname); derr != nil || !dfi.IsDir() {
		return listTarget{}, err
	}
	t.dir, t.pattern, t.prefix = dname, pattern, dirPart
	return t, nil
}

func hasGlobMeta(s string) bool { return strings.ContainsAny(s, "*?[") }

// listExists is splitListArg's test: does p name anything in the root?
func (c *session) listExists(p string) bool {
	_, name, err := c.resolve(p)
	if err != nil {
		return false
	}
	_, err = c.srv.cfg.Root.Stat(name)
	return err == nil
}

// maxSortedNames bounds the names a listing holds to sort them. A larger
// directory is listed in the order the file system returns it, so a
// listing's memory stays bounded (a batch of names and a write buffer)
// whatever the directory holds: 20 listings of 20,000 names at once held
// about 200 MB when each kept its lines; clients sort for themselves.
var maxSortedNames = 4096 // a variable so a test can make it small

// readBatch is how many directory entries are read at a time.
const readBatch = 256

// dirLister streams one listing: entries are read in batches and each is
// formatted and written as it comes, so a listing never holds more than
// the names (to sort them), not a FileInfo or a line per entry.
type dirLister struct {
	t    listTarget
	all  bool
	root *os.Root // the directory being listed, opened as a root
	dir  *os.File
}

// openListing opens t before any reply, so errors come before the 150.
func (c *session) openListing(t listTarget, all bool) (*dirLister, error) {
	l := &dirLister{t: t, all: all}
	if t.file != nil {
		return l, nil
	}
	r, err := c.srv.cfg.Root.OpenRoot(t.dir)
	if err != nil {
		return nil, err
	}
	d, err := r.Open(".")
	if err != nil {
		r.Close()
		return nil, err
	}
	l.root, l.dir = r, d
	return l, nil
}

func (l *dirLister) Close() {
	if l.dir != nil {
		l.dir.Close()
		l.root.Close()
	}
}

// each calls emit for every entry in order, with the name shown for it.
// The FileInfo emit gets is valid only until emit returns.
func (l *dirLister) each(c *session, emit func(fi fs.FileInfo) error) error {
	if l.t.file != nil {
		return emit(l.t.file)
	}
	if l.all && l.t.pattern == "" {
		for _, dot := range []string{".", ".."} {
			fi, err := c.dotInfo(l.t.dir, dot)
			if err != nil {
				continue
			}
			if err := emit(fi); err != nil {
				return err
			}
		}
	}
	var names []string
	sorted := true
	stat := newEntryStat(l)
	flush := func(batch []string) error {
		for _, n := range batch {
			fi, err := stat.lstat(n)
			if err != nil {
				continue // gone since the directory was read
			}
			if err := emit(fi); err != nil {
				return err
			}
		}
		return nil
	}
	for {
		batch, err := l.dir.Readdirnames(readBatch)
		kept := batch[:0]
		for _, n := range batch {
			if isUploadTemp(n) {
				continue // an upload in progress: nobody's business
			}
			if l.t.pattern == "" || matchName(l.t.pattern, n) {
				kept = append(kept, n)
			}
		}
		if sorted {
			names = append(names, kept...)
			if len(names) > maxSortedNames {
				sorted = false
				if ferr := flush(names); ferr != nil {
					return ferr
				}
				names = nil
			}
		} else if ferr := flush(kept); ferr != nil {
			return ferr
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return fmt.Errorf("%w: %v", errLocalFile, err)
		}
	}
	sort.Strings(names)
	return flush(names)
}

// matchName matches as a shell does: a leading dot must be matched by a
// dot, so "*" does not pick up dotfiles (nor an upload in progress, whose
// temporary name starts with one).
func matchName(pattern, name string) bool {
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(pattern, ".") {
		return false
	}
	ok, _ := path.Match(pattern, name)
	return ok
}

// dotInfo is "." or ".." of dir as a listing entry; ".." of the root is
// the root itself, since nothing above it is shown.
func (c *session) dotInfo(dir, dot string) (fs.FileInfo, error) {
	p := dir
	if dot == ".." {
		p = path.Dir(dir)
		if dir == "." || p == "" {
			p = "."
		}
	}
	fi, err := c.srv.cfg.Root.Stat(p)
	if err != nil {
		return nil, err
	}
	return renamedInfo{fi, dot}, nil
}

// renamedInfo is a FileInfo shown under another name.
type renamedInfo struct {
	fs.FileInfo
	name string
}

func (r renamedInfo) Name() string { return r.name }

// prepareListing parses a LIST/NLST/STAT argument and opens what it names.
// "." and ".." (for -a) are for the ls-style listings: in NLST they would
// be names for a client's mget to fetch.
func (c *session) prepareListing(arg string, dots bool) (*dirLister, error) {
	fl, p := splitListArg(arg, c.listExists)
	t, err := c.listTarget(p, true)
	if err != nil {
		return nil, err
	}
	return c.openListing(t, fl.all && dots)
}

func (c *session) cmdLIST(arg string) {
	now := c.srv.cfg.Clock.Now()
	c.listing("LIST", arg, func(b []byte, l *dirLister, fi fs.FileInfo) []byte { return l.appendLsEntry(b, fi, now) })
}

// appendLsEntry appends LIST's (and STAT's) line for an entry: the `ls -l`
// line, and " -> target" after a symlink's name, as ls -l and vsftpd do:
// lftp and other ls parsers read the target from it (lftp's mirror makes
// the link on its side), and a learner reading the listing sees where the
// link points.
func (l *dirLister) appendLsEntry(b []byte, fi fs.FileInfo, now time.Time) []byte {
	b = appendLsLine(b, fi, now)
	if target, ok := l.linkTarget(fi); ok {
		b = append(append(b, " -> "...), target...)
	}
	return b
}

// linkTarget is where a symlink the listing read points, when that is a
// place in the served tree: a target that is absolute or climbs above the
// root names the host's file system, which a client cannot reach (RETR
// refuses it) and should not learn, so it is not shown. Only entries read
// from a directory can be links: a path named on its own is listed as
// what it points to.
func (l *dirLister) linkTarget(fi fs.FileInfo) (string, bool) {
	if fi.Mode()&fs.ModeSymlink == 0 || l.root == nil {
		return "", false
	}
	target, err := l.root.Readlink(fi.Name())
	if err != nil {
		return "", false // gone or changed since it was read: the name alone
	}
	if j := path.Join(l.t.dir, target); path.IsAbs(target) || j == ".." || strings.HasPrefix(j, "../") {
		return "", false
	}
	return target, true
}

// cmdNLST lists names. For a directory other than the current one each
// name carries the directory as the client gave it ("NLST tree" gives
// "tree/a"), as vsftpd, proftpd and pure-ftpd do, so that a client's
// "mget tree" can RETR what it gets back.
func (c *session) cmdNLST(arg string) {
	c.listing("NLST", arg, func(b []byte, l *dirLister, fi fs.FileInfo) []byte {
		if l.t.file != nil {
			return append(b, l.t.given...)
		}
		return append(append(b, l.t.prefix...), fi.Name()...)
	})
}

func (c *session) listing(verb, arg string, format func([]byte, *dirLister, fs.FileInfo) []byte) {
	l, err := c.prepareListing(arg, verb == "LIST")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		// Like vsftpd: a missing path (or a pattern that matches
		// nothing) is an empty listing; other errors come before 150.
		l = nil
	case err != nil:
		c.fileErr(verb, err)
		return
	}
	c.streamListing(verb, arg, l, func(b []byte, fi fs.FileInfo) []byte { return format(b, l, fi) })
}

// cmdMLSD lists a directory in RFC 3659 form. Its argument is a path and
// only a path (no options, no wildcards), and it must be a directory: a
// missing one or a file is refused before any data moves (550), not
// answered with an empty or odd listing.
func (c *session) cmdMLSD(arg string) {
	t, err := c.listTarget(arg, false)
	if err == nil && t.file != nil {
		err = errNotDir
	}
	var l *dirLister
	if err == nil {
		l, err = c.openListing(t, false)
	}
	switch {
	case errors.Is(err, errNotDir):
		c.reply(550, "MLSD: not a directory (MLST gives one entry).")
		return
	case err != nil:
		c.fileErr("MLSD", err)
		return
	}
	c.streamListing("MLSD", arg, l, func(b []byte, fi fs.FileInfo) []byte {
		target, _ := l.linkTarget(fi)
		return append(b, c.mlsxLine(l.linkedSize(fi), fi.Name(), target)...)
	})
}

// linkedSize gives a symlink to a file in the tree that file's size and
// time, as proftpd does, keeping the link's type: the size fact is then
// what SIZE and RETR give (both follow the link). Clients that know no
// link type take the entry for a file: rclone 1.60 fetched such a link and
// failed it "corrupted on transfer: sizes differ 9 vs 3" with the link's
// own size.
func (l *dirLister) linkedSize(fi fs.FileInfo) fs.FileInfo {
	if fi.Mode()&fs.ModeSymlink == 0 || l.root == nil {
		return fi
	}
	t, err := l.root.Stat(fi.Name())
	if err != nil || !t.Mode().IsRegular() {
		return fi
	}
	return linkedInfo{fi, t}
}

// linkedInfo is a symlink's FileInfo with its target's size and time.
type linkedInfo struct {
	fs.FileInfo
	target fs.FileInfo
}

func (i linkedInfo) Size() int64        { return i.target.Size() }
func (i linkedInfo) ModTime() time.Time { return i.target.ModTime() }

// streamListing sends a listing over a data connection as it is read.
// A nil l is an empty listing; line appends an entry's line (without
// its CRLF) to a buffer.
func (c *session) streamListing(verb, arg string, l *dirLister, line func([]byte, fs.FileInfo) []byte) {
	if l != nil {
		defer l.Close()
	}
	c.transfer(strings.TrimSpace(verb+" "+arg), "Here comes the directory listing.", "Directory send OK.",
		func(conn net.Conn) (int64, error) {
			w := newLineWriter(conn, c.srv.cfg.DataTimeout)
			if l != nil {
				if err := l.each(c, func(fi fs.FileInfo) error { return w.line(func(b []byte) []byte { return line(b, fi) }) }); err != nil {
					return w.n, err
				}
			}
			return w.n, w.flush()
		})
}

// lineWriter writes CRLF lines to a data connection through a buffer,
// moving the deadline on with every flush: the data timeout limits a
// stall, not how long a big listing may take.
type lineWriter struct {
	conn    net.Conn
	bw      *bufio.Writer
	timeout time.Duration
	n       int64
}

func newLineWriter(conn net.Conn, timeout time.Duration) *lineWriter {
	w := &lineWriter{conn: conn, timeout: timeout}
	w.bw = bufio.NewWriterSize(deadlineWriter{w}, 32<<10)
	return w
}

// line writes the line that appendLine appends, and its CRLF. It is
// appended into the buffer's free space: no copy of it is made, unless it
// does not fit.
func (w *lineWriter) line(appendLine func([]byte) []byte) error {
	b := append(appendLine(w.bw.AvailableBuffer()), '\r', '\n')
	k, err := w.bw.Write(b)
	w.n += int64(k)
	return err
}

func (w *lineWriter) flush() error { return w.bw.Flush() }

type deadlineWriter struct{ w *lineWriter }

func (d deadlineWriter) Write(p []byte) (int, error) {
	d.w.conn.SetWriteDeadline(time.Now().Add(d.w.timeout))
	return d.w.conn.Write(p)
}

// statPath answers "STAT path" with the listing on the control channel
// (RFC 959; vsftpd does the same), line by line as it is read.
func (c *session) statPath(arg string) {
	l, err := c.prepareListing(arg, true)
	if err != nil {
		c.fileErr("STAT", err)
		return
	}
	defer l.Close()
	now := c.srv.cfg.Clock.Now()
	c.send("213-Status follows:")
	l.each(c, func(fi fs.FileInfo) error {
		c.send(" " + string(l.appendLsEntry(nil, fi, now)))
		return nil
	})
	c.send("213 End of status")
}
