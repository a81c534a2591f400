package ftp

import (
	"errors"
	"net"
	"strings"
	"sync/atomic"
	"time"
)

// The control channel is read by one goroutine per session, one line per
// request: the session asks for the next line when it is ready for it, so
// nothing is read ahead of AUTH TLS, and during a transfer it can ask early
// and so hear ABOR while the data still flows (RFC 959 4.1.3).

type lineResult struct {
	line string
	err  error
}

type controlReader struct {
	reqs    chan struct{}   // one request: read one line
	lines   chan lineResult // its answer
	quit    chan struct{}   // closed when the session ends
	done    chan struct{}   // closed when the reader has returned
	pending bool            // a request is out (session goroutine only)
	busy    atomic.Bool     // a transfer is running: idle time does not count
}

func (c *session) startReader() {
	c.ctl = &controlReader{
		reqs: make(chan struct{}, 1), lines: make(chan lineResult),
		quit: make(chan struct{}), done: make(chan struct{}),
	}
	go c.readLines()
}

// stopReader ends the reader; the control connection must be closed first
// so a read in progress returns.
func (c *session) stopReader() {
	close(c.ctl.quit)
	<-c.ctl.done
}

func (c *session) readLines() {
	defer close(c.ctl.done)
	for {
		select {
		case <-c.ctl.reqs:
		case <-c.ctl.quit:
			return
		}
		line, err := c.readIdle()
		select {
		case c.ctl.lines <- lineResult{line, err}:
		case <-c.ctl.quit:
			return
		}
	}
}

// readIdle reads one line within IdleTimeout; while a transfer runs the
// silence is expected, so the wait goes on.
func (c *session) readIdle() (string, error) {
	for {
		c.conn.SetReadDeadline(c.readDeadline())
		line, err := c.readCommand()
		var ne net.Error
		if err != nil && errors.As(err, &ne) && ne.Timeout() && c.ctl.busy.Load() {
			continue
		}
		return line, err
	}
}

// request asks the reader for the next line unless a request is out.
func (c *session) request() {
	if !c.ctl.pending {
		c.ctl.reqs <- struct{}{}
		c.ctl.pending = true
	}
}

// nextLine waits for the next control line.
func (c *session) nextLine() (string, error) {
	c.request()
	r := <-c.ctl.lines
	c.ctl.pending = false
	return r.line, r.err
}

// watch listens on the control channel while a transfer runs on data. ABOR
// closes data at once; a control connection that drops does too (nobody is
// left to tell). Any other line waits until the transfer is over. The
// returned function ends the watch and says whether ABOR came.
func (c *session) watch(data net.Conn) (stop func() (aborted bool)) {
	c.ctl.busy.Store(true)
	c.request()
	var (
		quit    = make(chan struct{})
		done    = make(chan struct{})
		aborted bool
		got     *lineResult
	)
	go func() {
		defer close(done)
		select {
		case r := <-c.ctl.lines:
			got = &r
			if r.err != nil {
				if !errors.Is(r.err, errLineTooLong) && !errors.Is(r.err, errBadLine) {
					closeData(data)
				}
				return
			}
			if verb, _, _ := strings.Cut(r.line, " "); strings.EqualFold(verb, "ABOR") {
				local, remote := c.addrs()
				c.srv.cfg.Observer.emit(Event{Kind: EvCommand, Channel: Control, Local: local, Remote: remote, Text: r.line})
				aborted = true
				closeData(data)
			}
		case <-quit:
		}
	}()
	return func() bool {
		close(quit)
		<-done
		c.ctl.busy.Store(false)
		// Idle time counts from the end of the transfer, for a read that
		// may still be waiting.
		c.conn.SetReadDeadline(time.Now().Add(c.srv.cfg.IdleTimeout))
		if got != nil {
			c.ctl.pending = false
			if !aborted {
				c.stashed = got
			}
		}
		return aborted
	}
}
