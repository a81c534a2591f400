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
	verb := [...]string{"STOR", "APPE", "STOU"}[kind]
	offset := c.rest
	c.rest = 0
	if offset > 0 && !c.binary && kind == storeNew {
		// An offset counts file bytes, the client counts wire bytes: in
		// TYPE A they differ, so resuming would corrupt (vsftpd refuses
		// the same way).
		c.reply(550, "No support for resume of ASCII transfer.")
		return
	}
	if kind == storeUnique {
		offset = 0
		if arg == "" {
			arg = "ftplab.upload"
		}
	}
	inPlace := kind == storeAppend || offset > 0
	_, name, err := c.resolve(arg)
	if err != nil || name == "." {
		c.reply(553, "Could not create file.")
		return
	}
	if nameTooLong(name) {
		c.reply(553, fmt.Sprintf("Could not create file: a name is longer than %d bytes.", maxNameBytes))
		return
	}
	root := c.srv.cfg.Root
	// The directory is held open, so the upload ends in it (and its
	// temporary is removed from it) even if it is renamed meanwhile.
	dir, err := root.OpenRoot(path.Dir(name))
	if err != nil {
		c.uploadErr(verb, err)
		return
	}
	defer dir.Close()
	base := path.Base(name)
	old, err := dir.Lstat(base)
	exists := err == nil && kind != storeUnique
	switch {
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		c.uploadErr(verb, err)
		return
	case exists && !old.Mode().IsRegular():
		// A directory, FIFO, device or link: never opened (a FIFO would
		// block the session in open(2)), never replaced.
		c.reply(553, "Could not create file: not a regular file.")
		return
	case (exists || offset > 0) && c.anonymous() && !c.srv.cfg.AnonymousOtherWrite:
		c.reply(553, "Could not create file: anonymous may not replace files.")
		return
	case offset > 0 && (!exists || offset > old.Size()):
		// A resume continues what is there; a gap would be a sparse
		// file of any size the client names (REST 1 TiB).
		c.reply(554, "Restart offset beyond the end of the file.")
		return
	}
	if exists && !inPlace {
		// STOR replaces the file only if it could be written in place,
		// as vsftpd (which truncates it) would: a read-only file or
		// another user's stays.
		w, err := dir.OpenFile(base, os.O_WRONLY|syscall.O_NONBLOCK, 0)
		if err != nil {
			c.uploadErr(verb, err)
			return
		}
		w.Close()
	}
	perm := 0o666 &^ c.umask
	target := base
	opening := "Ok to send data."
	var f *os.File
	switch {
	case kind == storeUnique:
		// The name is taken with O_EXCL, so two STOUs never share one;
		// it is removed again if the upload fails.
		for i := 0; i < 100; i++ {
			target = base
			if i > 0 {
				target = fmt.Sprintf("%s.%d", base, i)
			}
			f, err = dir.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL|syscall.O_NONBLOCK, perm)
			if !errors.Is(err, fs.ErrExist) {
				break
			}
		}
		opening = "FILE: " + target // RFC 1123 4.1.2.9
	case kind == storeAppend:
		f, err = dir.OpenFile(base, os.O_WRONLY|os.O_CREATE|os.O_APPEND|syscall.O_NONBLOCK, perm)
	case inPlace:
		if f, err = dir.OpenFile(base, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			if _, err = f.Seek(offset, io.SeekStart); err != nil {
				f.Close()
			}
		}
	default:
		var b [6]byte
		rand.Read(b[:])
		target = uploadPrefix + hex.EncodeToString(b[:])
		f, err = dir.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	}
	if err != nil {
		c.uploadErr(verb, err)
		return
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		f.Close() // swapped for something else since the Lstat
		c.reply(553, "Could not create file: not a regular file.")
		return
	}
	// A file this upload made (a temporary, STOU's name, or APPE to a new
	// name) goes if the upload fails.
	made := !inPlace || !exists
	committed := false
	defer func() {
		f.Close()
		if !committed && made {
			dir.Remove(target)
		}
	}()
	c.transfer(verb+" "+arg, opening, "Transfer complete.", func(conn net.Conn) (int64, error) {
		var n int64
		if c.binary {
			n, err = c.copyData(conn, f, conn, f) // *os.File.ReadFrom: splice(2) from a TCP socket
		} else {
			bw := bufio.NewWriterSize(f, 64<<10)
			text := &fromNetASCII{w: bw}
			n, err = c.copyData(conn, text, conn, f)
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
			f.Close()
			if made {
				dir.Remove(target)
			}
			return n, localErr(err)
		}
		if exists && !inPlace {
			keepModeAndOwner(f, old)
		}
		if err := f.Close(); err != nil {
			return n, localErr(fmt.Errorf("%w: %v", errLocalFile, err))
		}
		if kind == storeNew && !inPlace {
			if err := dir.Rename(target, base); err != nil {
				return n, fmt.Errorf("%w: %v", errLocalFile, err)
			}
		}
		committed = true
		return n, nil
	})
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
