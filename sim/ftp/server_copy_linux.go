package ftp

import (
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// The direct copy: a binary RETR or STOR between a plain TCP socket and a
// file moves its bytes with sendfile(2) (file to socket) or splice(2)
// through a pipe (socket to file), as vsftpd's blocking sendfile and read
// do, on a thread of its own. A RETR makes the socket blocking for the
// copy and sends up to 1 GiB a call, which waits inside the kernel for
// room in the socket buffer; a STOR waits in poll(2) on that one socket
// when it is empty. Go's own sendfile and splice wait in the runtime's
// network poller instead: every wait is an epoll wakeup, a
// hand-off to another thread and often a spinning thread (strace -c -f of
// one 1 GiB RETR on a busy 2-core machine: 814 sendfile, 301 EAGAIN, 683
// epoll_pwait, 688 futex, 1271 nanosleep; vsftpd: one sendfile). Each
// direct copy holds an OS thread while it waits, so only directSlots of
// them run at once; the rest take Go's path.

// directCopies counts the copies that took the direct path (for tests).
var directCopies atomic.Int64

// directSlots bounds the transfers holding a thread (in sendfile or poll).
var directSlots = make(chan struct{}, 128)

// directWait is how long one poll(2) waits before the loop looks again at
// the stall limit and at whether the connection was closed (ABOR, the
// server stopping): the most a Close waits for the copy to let go.
const directWait = 50 * time.Millisecond

// directPipeSize is the splice pipe of a STOR: the most one splice moves
// (Go's own is the same, /proc/sys/fs/pipe-max-size by default).
const directPipeSize = 1 << 20

// directFileChunk is the most one splice from the pipe writes into the
// file. Each write takes its own trip through ext4's write path (write
// begin and end, delayed-allocation reservations, page-cache folios sized
// to the write): 256 KiB writes took a sixth less server CPU per GiB than
// 32 KiB ones (1 GiB curl uploads, 15 alternating rounds, medians 668 vs
// 809 CPU-ms, vsftpd 806) and ran faster (1618 vs 1415 MB/s, vsftpd 1312;
// whole 1 MiB pipes the same as 256 KiB: 1693 vs 1703). An earlier
// round on another VM found whole-pipe writes uneven, but there they came
// with an SO_RCVLOWAT of a pipe's worth (since dropped) and were not
// measured apart. 256 KiB rather than 1 MiB: the two measured alike, and
// the smaller is the smaller step from the size that ran even there.
const directFileChunk = 256 << 10

// directYield is how often a direct copy passes through the scheduler:
// well inside the runtime's 10 ms before it preempts a running goroutine.
const directYield = 2 * time.Millisecond

var errDirectClosed = fmt.Errorf("direct copy: %w", net.ErrClosed)

func errStalled(limit time.Duration) error {
	return fmt.Errorf("data connection stalled for %v: %w", limit, os.ErrDeadlineExceeded)
}

// closeData closes a data connection that a transfer may be using. A
// RETR's direct copy may be inside a blocking sendfile(2), which Close
// does not wake (Go closes the socket only once the call returns):
// shutdown(2) does, and the copy fails at once. The peer sees the same
// FIN as it would from Close.
func closeData(d io.Closer) error {
	if tc, ok := d.(*net.TCPConn); ok {
		tc.CloseWrite()
	}
	return d.Close()
}

// directCopy runs the copy if it is one of the two it knows (dst the bare
// *net.TCPConn and src the file, or the reverse) and a slot is free;
// handled says whether it did. stall is the stall limit (DataTimeout).
func directCopy(conn net.Conn, dst io.Writer, src io.Reader, file *os.File, stall time.Duration) (n int64, err error, handled bool) {
	tc, ok := conn.(*net.TCPConn)
	if !ok || file == nil {
		return 0, nil, false
	}
	send := dst == io.Writer(tc) && src == io.Reader(file)
	recv := src == io.Reader(tc) && dst == io.Writer(file)
	if !send && !recv {
		return 0, nil, false
	}
	select {
	case directSlots <- struct{}{}:
		defer func() { <-directSlots }()
	default:
		return 0, nil, false
	}
	rc, err := tc.SyscallConn()
	if err != nil {
		return 0, nil, false
	}
	fc, err := file.SyscallConn()
	if err != nil {
		return 0, nil, false
	}
	ffd, flags := -1, 0
	fc.Control(func(fd uintptr) {
		ffd = int(fd)
		flags, _ = unix.FcntlInt(fd, unix.F_GETFL, 0)
	})
	if recv && flags&unix.O_APPEND != 0 {
		return 0, nil, false // splice(2) refuses a file opened O_APPEND (APPE)
	}
	defer runtime.KeepAlive(file)
	directCopies.Add(1)
	w := &directWaiter{rc: rc, stall: stall, last: time.Now()}
	if send {
		rerr := rc.Write(func(sfd uintptr) bool {
			n, err = w.sendFile(int(sfd), ffd)
			return true
		})
		if err == nil {
			err = rerr
		}
		return n, err, true
	}
	p, err := newDirectPipe()
	if err != nil {
		return 0, nil, false
	}
	defer p.close()
	rerr := rc.Read(func(sfd uintptr) bool {
		n, err = w.receiveFile(int(sfd), ffd, p)
		return true
	})
	if err == nil {
		err = rerr
	}
	return n, err, true
}

// directWaiter waits for one socket and keeps the stall limit.
type directWaiter struct {
	rc interface {
		Control(func(fd uintptr)) error
	}
	stall time.Duration
	last  time.Time // the last progress
	// yielded is the last pass through the scheduler (see turn).
	yielded time.Time
}

// progress notes that bytes moved.
func (w *directWaiter) progress() { w.last = time.Now() }

// turn comes before each call: it passes through the scheduler, and says
// whether the connection was closed meanwhile. A goroutine that only ever
// makes system calls looks to the runtime like one running without a
// break: after 10 ms the monitor takes its P away in every call, each
// time waking another thread to look for work (strace of a 1 GiB STOR:
// splice on four threads, 2,400 monitor wakeups, 5,000 epoll_pwait).
// A Gosched every call costs as much again in futex wakeups; one every
// few milliseconds keeps the P.
func (w *directWaiter) turn() error {
	if now := time.Now(); now.Sub(w.yielded) > directYield {
		runtime.Gosched()
		w.yielded = now
	}
	if w.closed() {
		return errDirectClosed
	}
	return nil
}

// closed says whether the connection has been closed meanwhile: Control
// fails once Close has begun.
func (w *directWaiter) closed() bool { return w.rc.Control(func(uintptr) {}) != nil }

// wait blocks until the socket is ready for events or directWait
// passes; it fails once the stall limit has passed with no progress
// (os.ErrDeadlineExceeded) or the connection is closed. The caller tries
// its call again either way (ready or timed out).
func (w *directWaiter) wait(sfd int, events int16) error {
	if w.closed() {
		return errDirectClosed
	}
	if time.Since(w.last) > w.stall {
		return errStalled(w.stall)
	}
	fds := []unix.PollFd{{Fd: int32(sfd), Events: events}}
	if _, err := unix.Poll(fds, int(directWait/time.Millisecond)); err != nil && err != unix.EINTR {
		return os.NewSyscallError("poll", err)
	}
	return nil // ready, timed out, or an error the next call reports
}

// sendFile sends the file from its position to its end. The socket is
// blocking meanwhile, with a send timeout of directWait: one call sends
// up to 1 GiB unless the peer stops reading for that long (then the
// loop looks at the stall limit and at Close, and goes on) or closeData
// shuts the socket down (ABOR, the server stopping: the call fails at
// once with EPIPE). Nothing else reads or writes the data socket during a
// RETR, and it is non-blocking again before the copy returns.
func (w *directWaiter) sendFile(sfd, ffd int) (int64, error) {
	if err := unix.SetNonblock(sfd, false); err != nil {
		return 0, os.NewSyscallError("fcntl", err)
	}
	defer unix.SetNonblock(sfd, true)
	timeout := unix.NsecToTimeval(int64(directWait))
	if err := unix.SetsockoptTimeval(sfd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &timeout); err != nil {
		return 0, os.NewSyscallError("setsockopt", err)
	}
	defer unix.SetsockoptTimeval(sfd, unix.SOL_SOCKET, unix.SO_SNDTIMEO, &unix.Timeval{})
	var total int64
	for {
		if w.closed() {
			return total, errDirectClosed
		}
		n, err := unix.Sendfile(sfd, ffd, nil, 1<<30)
		if n > 0 {
			total += int64(n)
			w.progress()
		}
		switch {
		case err == nil && n == 0:
			return total, nil // the end of the file
		case err == nil || err == unix.EINTR:
		case err == unix.EAGAIN: // directWait passed with nothing sent
			if time.Since(w.last) > w.stall {
				return total, errStalled(w.stall)
			}
		default:
			return total, os.NewSyscallError("sendfile", err)
		}
	}
}

// receiveFile splices the socket into the file until the peer's FIN.
func (w *directWaiter) receiveFile(sfd, ffd int, p directPipe) (int64, error) {
	var total int64
	for {
		if err := w.turn(); err != nil {
			return total, err
		}
		in, err := unix.Splice(sfd, nil, p.w, nil, directPipeSize, unix.SPLICE_F_NONBLOCK|unix.SPLICE_F_MOVE)
		switch {
		case err == nil && in == 0:
			return total, nil // the peer's FIN
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			if err := w.wait(sfd, unix.POLLIN); err != nil {
				return total, err
			}
			continue
		case err != nil:
			return total, os.NewSyscallError("splice", err)
		}
		for in > 0 {
			out, err := unix.Splice(p.r, nil, ffd, nil, min(int(in), directFileChunk), unix.SPLICE_F_MOVE)
			if out > 0 {
				in -= out
				total += out
				w.progress()
			}
			if err != nil && err != unix.EINTR {
				return total, fmt.Errorf("%w: %w", errLocalFile, os.NewSyscallError("splice", err))
			}
		}
	}
}

// directPipe is the pipe a STOR's bytes pass through.
type directPipe struct{ r, w int }

func newDirectPipe() (directPipe, error) {
	var fds [2]int
	if err := unix.Pipe2(fds[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return directPipe{}, err
	}
	// Best effort: a smaller pipe only means more calls.
	unix.FcntlInt(uintptr(fds[0]), unix.F_SETPIPE_SZ, directPipeSize)
	return directPipe{r: fds[0], w: fds[1]}, nil
}

func (p directPipe) close() {
	unix.Close(p.r)
	unix.Close(p.w)
}
