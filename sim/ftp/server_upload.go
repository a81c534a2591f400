package ftp

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"path"
	"strings"
	"syscall"
)

// uploadPrefix starts the name of an upload in progress. No command can
// name such a file and no listing shows one: another session can neither
// read an upload before it is complete nor write into it.
const uploadPrefix = ".ftplab-upload-"

func isUploadTemp(name string) bool { return strings.HasPrefix(name, uploadPrefix) }

// errUploadTemp: a client path names an upload in progress. It reads as
// "no such file", which is what the name is to every client.
var errUploadTemp = fmt.Errorf("a name reserved for uploads in progress: %w", os.ErrNotExist)

// checkReserved refuses a path with an upload temporary in it.
func checkReserved(name string) error {
	for _, part := range strings.Split(name, "/") {
		if isUploadTemp(part) {
			return errUploadTemp
		}
	}
	return nil
}

// anonymousWrites are what --anonymous-upload lets anonymous do: make new
// files and directories, as vsftpd's anon_upload_enable and
// anon_mkdir_write_enable. Changing or removing what exists (APPE, DELE,
// RMD, RNFR, STOR over a file) stays with named users.
var anonymousWrites = map[string]bool{"STOR": true, "STOU": true, "MKD": true, "XMKD": true}

// mayWrite says whether this session may run the write command verb.
func (c *session) mayWrite(verb string) bool {
	if c.anonymous() {
		cfg := c.srv.cfg
		return cfg.AnonymousUpload && (cfg.AnonymousOtherWrite || anonymousWrites[verb])
	}
	return c.srv.cfg.AllowUpload
}

func (c *session) anonymous() bool { return c.user == "anonymous" || c.user == "ftp" }

// cmdSTOR receives a file. STOR writes to a temporary name in the same
// directory and renames on success, so a broken upload never looks
// complete. APPE and a resumed STOR (REST n) write into the file itself:
// the part already there is the client's earlier upload. STOU takes a
// name that does not exist yet.
func (c *session) cmdSTOR(arg string, kind storeKind) {
	u, ok := c.planUpload(arg, kind)
	if !ok {
		return
	}
	defer u.dir.Close()
	opening, ok := c.openUpload(u)
	if !ok {
		return
	}
	defer u.finish()
	c.transfer(u.verb+" "+arg, opening, "Transfer complete.", func(conn net.Conn) (int64, error) {
		return c.receiveUpload(u, conn)
	})
}

// upload is one STOR, APPE or STOU from its checks to its commit.
type upload struct {
	verb    string
	kind    storeKind
	offset  int64       // REST offset: where a resumed STOR writes
	inPlace bool        // writes into the file itself (APPE, resume)
	dir     *os.Root    // the target's directory, held open
	base    string      // the target's name in dir
	old     fs.FileInfo // the file being replaced, when exists
	exists  bool
	target  string   // the name written: base, a temporary, or STOU's
	f       *os.File // open for writing once openUpload succeeds
	// made: this upload created target, so it goes if the upload fails.
	made      bool
	committed bool
}

// planUpload checks what a store command asks for and holds the target's
// directory open. It replies and returns false when the upload cannot
// start.
func (c *session) planUpload(arg string, kind storeKind) (*upload, bool) {
	u := &upload{verb: [...]string{"STOR", "APPE", "STOU"}[kind], kind: kind, offset: c.rest}
	c.rest = 0
	if u.offset > 0 && !c.binary && kind == storeNew {
		// An offset counts file bytes, the client counts wire bytes: in
		// TYPE A they differ, so resuming would corrupt (vsftpd refuses
		// the same way).
		c.reply(550, "No support for resume of ASCII transfer.")
		return nil, false
	}
	if kind == storeUnique {
		u.offset = 0
		if arg == "" {
			arg = "ftplab.upload"
		}
	}
	u.inPlace = kind == storeAppend || u.offset > 0
	_, name, err := c.resolve(arg)
	if err != nil || name == "." {
		c.reply(553, "Could not create file.")
		return nil, false
	}
	if nameTooLong(name) {
		c.reply(553, fmt.Sprintf("Could not create file: a name is longer than %d bytes.", maxNameBytes))
		return nil, false
	}
	// The directory is held open, so the upload ends in it (and its
	// temporary is removed from it) even if it is renamed meanwhile.
	if u.dir, err = c.srv.cfg.Root.OpenRoot(path.Dir(name)); err != nil {
		c.uploadErr(u.verb, err)
		return nil, false
	}
	u.base = path.Base(name)
	if !c.checkUploadTarget(u) {
		u.dir.Close()
		return nil, false
	}
	return u, true
}

// checkUploadTarget looks at what is at the target's name now: what may
// be replaced, appended to or resumed. It replies when the answer is no.
func (c *session) checkUploadTarget(u *upload) bool {
	old, err := u.dir.Lstat(u.base)
	u.old, u.exists = old, err == nil && u.kind != storeUnique
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		c.uploadErr(u.verb, err)
		return false
	case u.exists && !old.Mode().IsRegular():
		// A directory, FIFO, device or link: never opened (a FIFO would
		// block the session in open(2)), never replaced.
		c.reply(553, "Could not create file: not a regular file.")
		return false
	case (u.exists || u.offset > 0) && c.anonymous() && !c.srv.cfg.AnonymousOtherWrite:
		c.reply(553, "Could not create file: anonymous may not replace files.")
		return false
	case u.offset > 0 && (!u.exists || u.offset > old.Size()):
		// A resume continues what is there; a gap would be a sparse
		// file of any size the client names (REST 1 TiB).
		c.reply(554, "Restart offset beyond the end of the file.")
		return false
	}
	if u.exists && !u.inPlace {
		// STOR replaces the file only if it could be written in place,
		// as vsftpd (which truncates it) would: a read-only file or
		// another user's stays.
		w, err := u.dir.OpenFile(u.base, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			c.uploadErr(u.verb, err)
			return false
		}
		w.Close()
	}
	return true
}

// openUpload opens the file the upload writes and returns the 150 text.
// It replies and returns false when it cannot.
func (c *session) openUpload(u *upload) (string, bool) {
	perm := 0o666 &^ c.umask
	u.target = u.base
	opening := "Ok to send data."
	var err error
	switch {
	case u.kind == storeUnique:
		// The name is taken with O_EXCL, so two STOUs never share one;
		// it is removed again if the upload fails.
		for i := 0; i < 100; i++ {
			u.target = u.base
			if i > 0 {
				u.target = fmt.Sprintf("%s.%d", u.base, i)
			}
			u.f, err = u.dir.OpenFile(u.target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NONBLOCK, perm)
			if !errors.Is(err, fs.ErrExist) {
				break
			}
		}
		opening = "FILE: " + u.target // RFC 1123 4.1.2.9
	case u.kind == storeAppend:
		u.f, err = u.dir.OpenFile(u.base, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NONBLOCK, perm)
	case u.inPlace:
		if u.f, err = u.dir.OpenFile(u.base, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			if _, err = u.f.Seek(u.offset, io.SeekStart); err != nil {
				u.f.Close()
			}
		}
	default:
		var b [6]byte
		rand.Read(b[:])
		u.target = uploadPrefix + hex.EncodeToString(b[:])
		u.f, err = u.dir.OpenFile(u.target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	}
	if err != nil {
		c.uploadErr(u.verb, err)
		return "", false
	}
	if fi, err := u.f.Stat(); err != nil || !fi.Mode().IsRegular() {
		u.f.Close() // swapped for something else since the Lstat
		c.reply(553, "Could not create file: not a regular file.")
		return "", false
	}
	// A file this upload made (a temporary, STOU's name, or APPE to a new
	// name) goes if the upload fails.
	u.made = !u.inPlace || !u.exists
	return opening, true
}

// finish closes the file and removes what the upload made unless it was
// committed.
func (u *upload) finish() {
	u.f.Close()
	if !u.committed && u.made {
		u.dir.Remove(u.target)
	}
}

// receiveUpload copies the data connection into the file and commits it.
func (c *session) receiveUpload(u *upload, conn net.Conn) (int64, error) {
	var n int64
	var err error
	if c.binary {
		n, err = c.copyData(conn, u.f, conn, u.f) // *os.File.ReadFrom: splice(2) from a TCP socket
	} else {
		bw := bufio.NewWriterSize(u.f, 64<<10)
		text := &fromNetASCII{w: bw}
		n, err = c.copyData(conn, text, conn, u.f)
		if err == nil {
			err = text.Close()
		}
		if err == nil {
			err = bw.Flush()
		}
	}
	if err != nil {
		// Clean up before the 426 goes out: a client that sees the
		// reply must not find a partial file.
		u.f.Close()
		if u.made {
			u.dir.Remove(u.target)
		}
		return n, localErr(err)
	}
	if u.exists && !u.inPlace {
		keepModeAndOwner(u.f, u.old)
	}
	if err := u.f.Close(); err != nil {
		return n, localErr(fmt.Errorf("%w: %v", errLocalFile, err))
	}
	if u.kind == storeNew && !u.inPlace {
		if err := u.dir.Rename(u.target, u.base); err != nil {
			return n, fmt.Errorf("%w: %v", errLocalFile, err)
		}
	}
	u.committed = true
	return n, nil
}

// uploadErr answers a STOR or APPE that cannot start. Like vsftpd, what
// the file system refuses is 553.
func (c *session) uploadErr(verb string, err error) {
	switch {
	case errors.Is(err, os.ErrPermission):
		c.reply(553, "Could not create file: permission denied.")
	case isEscape(err):
		c.reply(553, "Could not create file: path is outside the served directory.")
	case errors.Is(err, os.ErrNotExist):
		c.reply(553, "Could not create file: no such directory.")
	default:
		c.resourceErr(verb, err)
	}
}
