package ftp

import (
	"errors"
	"fmt"
	"strings"
	"syscall"
)

// Errors that are the server's, not the client's: a full disk is not a
// broken data connection, and running out of file descriptors is not "no
// such file". Each gets the reply that tells the client to try later.

var errNoSpace = errors.New("no space left on the server")

// errNotRegular: RETR of a FIFO, device, socket or directory.
var errNotRegular = errors.New("not a regular file")

// localErr marks a full disk or quota (while writing an upload) so the
// reply is 452, not 426.
func localErr(err error) error {
	if errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT) {
		return fmt.Errorf("%w: %v", errNoSpace, err)
	}
	return err
}

// outOfResources reports the server running short of descriptors or
// memory.
func outOfResources(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) || errors.Is(err, syscall.ENOMEM)
}

// resourceErr answers a command the server could not do for want of
// resources (451, try again), or else 550.
func (c *session) resourceErr(verb string, err error) {
	if outOfResources(err) {
		c.srv.logf("%s: %v", verb, err)
		c.reply(451, verb+": the server is out of resources (open files); try again later.")
		return
	}
	c.reply(550, verb+": failed.")
}

// oneLine keeps a reply line one line: a CR or LF from a file name (STAT
// lists names on the control channel) would end the reply early and let
// the rest pass for another reply. They are shown as '?', as ls -q does.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r", "?", "\n", "?").Replace(s)
}
