package ftp

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"path"
	"strconv"
	"strings"
	"time"
)

// peerIP is the control connection's remote address: the only host a data
// connection may go to or come from (RFC 2577).
func (c *session) peerIP() netip.Addr {
	ap, err := netip.ParseAddrPort(c.raw.RemoteAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func (c *session) localIP() netip.Addr {
	ap, err := netip.ParseAddrPort(c.raw.LocalAddr().String())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

// resetData forgets the previous PORT/PASV choice.
func (c *session) resetData() {
	if c.pasv != nil {
		c.pasv.Close()
		c.pasv = nil
	}
	c.active = netip.AddrPort{}
}

func (c *session) cmdPORT(arg string) { c.setActive(arg, "PORT", ParsePORT) }
func (c *session) cmdEPRT(arg string) { c.setActive(arg, "EPRT", ParseEPRT) }

// setActive takes a PORT or EPRT. Like vsftpd, it refuses an address other
// than the control peer's and a privileged port: the bounce attack.
func (c *session) setActive(arg, verb string, parse func(string) (netip.AddrPort, error)) {
	if c.epsvAll {
		// vsftpd answers 550 here; RFC 2428 says to refuse EPRT as well.
		c.reply(550, "Permission denied.")
		return
	}
	ap, err := parse(strings.TrimSpace(arg))
	if err != nil {
		if verb == "EPRT" && strings.Contains(err.Error(), "protocol") {
			c.reply(522, "Network protocol not supported, use (1,2).")
			return
		}
		c.reply(500, "Illegal "+verb+" command.")
		return
	}
	if verb == "EPRT" && ap.Addr().IsUnspecified() && ap.Addr().Is4() == c.peerIP().Is4() {
		// "EPRT |2|::|port|" (lftp in active mode over IPv6): no address
		// is the control peer's, as vsftpd takes it. Never another host.
		ap = netip.AddrPortFrom(c.peerIP(), ap.Port())
	}
	if ap.Addr().Unmap() != c.peerIP() || ap.Port() < 1024 {
		c.reply(500, "Illegal "+verb+" command.")
		return
	}
	c.resetData()
	c.active = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
	if verb == "PORT" {
		c.reply(200, "PORT command successful. Consider using PASV.")
	} else {
		c.reply(200, "EPRT command successful. Consider using EPSV.")
	}
}

func (c *session) cmdPASV(string) {
	if c.epsvAll {
		c.reply(550, "Permission denied.")
		return
	}
	adv := c.localIP()
	if a := c.srv.cfg.PasvAddress; a != "" {
		if ip, err := netip.ParseAddr(a); err == nil {
			adv = ip.Unmap()
		}
	}
	if !adv.Is4() {
		// vsftpd 3.0.3 answers "227 ... (0,0,0,0,p1,p2)" here, an address
		// no client can use; a clear refusal teaches more.
		c.reply(425, "PASV needs IPv4; use EPSV.")
		return
	}
	port, ok := c.listenPassive()
	if !ok {
		return
	}
	c.pauseBeforePassiveReply()
	c.reply(227, Format227(netip.AddrPortFrom(adv, port)))
}

func (c *session) cmdEPSV(arg string) {
	arg = strings.TrimSpace(arg)
	switch {
	case strings.EqualFold(arg, "ALL"):
		c.epsvAll = true
		c.reply(200, "EPSV ALL ok.")
		return
	case arg != "" && arg != "1" && (arg != "2" || c.localIP().Is4()):
		// vsftpd: protocol 1 on either family, 2 only on IPv6.
		c.reply(522, "Bad network protocol.")
		return
	}
	port, ok := c.listenPassive()
	if !ok {
		return
	}
	c.pauseBeforePassiveReply()
	c.reply(229, Format229(port))
}

// passiveReplyPause is how long a 227 or 229 waits on a real socket.
const passiveReplyPause = 100 * time.Microsecond

// pauseBeforePassiveReply lets a moment pass before a 227 or 229 on a real
// socket, for curl. curl 7.88.1 (Debian 12's) sends PASV or EPSV and
// looks at the control socket at once without waiting; a reply that is
// already there (ours came 15 µs after the command) is taken in the same
// step, which then ends before the data connection's first connect is
// made, and nothing makes it until curl's 200 ms happy-eyeballs timer
// fires. vsftpd's reply comes some 150 µs after the command (its
// privileged helper opens the listener), when curl is waiting on the
// socket and connects at once. 200 curl runs of one small RETR each:
// 56 and 59 of 200 waited 200 ms without the pause, 0 of 200 with 50 µs,
// 200 µs or 1 ms (1 GiB RETRs that waited came out a quarter slower:
// 1264 MB/s, 1650 without). One curl fetching 50 files on one
// connection waits 1 s instead (its poll timeout): 11-17 of 50 without
// the pause, 0 with it (TestCurlConnectsAtOnce). Under netem the clock
// is virtual and there is no curl: no pause.
func (c *session) pauseBeforePassiveReply() {
	if _, real := c.raw.(*net.TCPConn); real {
		time.Sleep(passiveReplyPause)
	}
}

// listenPassive opens the passive listener on the next free port of the
// range, on the control connection's local address.
func (c *session) listenPassive() (uint16, bool) {
	c.resetData()
	ip := c.localIP()
	for _, p := range c.srv.pasvCandidates() {
		l, err := c.srv.cfg.Network.Listen(context.Background(), net.JoinHostPort(ip.String(), strconv.Itoa(p)))
		if err != nil {
			continue
		}
		ap, err := netip.ParseAddrPort(l.Addr().String())
		if err != nil {
			l.Close()
			continue
		}
		c.pasv = l
		c.srv.pasvTaken(int(ap.Port()))
		c.srv.cfg.Observer.emit(Event{Kind: EvListen, Channel: Data, Local: l.Addr().String()})
		return ap.Port(), true
	}
	c.reply(425, "Could not open a passive port.")
	return 0, false
}

// openData sets up the data connection for a transfer, answering 150 once
// it is up, or 425 (no PORT/PASV, or the connection failed).
func (c *session) openData(opening string) (net.Conn, bool) {
	if c.srv.cfg.RequireTLS && !c.protP {
		// vsftpd's force_local_data_ssl answers the same.
		c.resetData()
		c.reply(522, "Data connections must be encrypted: PBSZ 0, PROT P first.")
		return nil, false
	}
	var conn net.Conn
	var err error
	switch {
	case c.pasv != nil:
		conn, err = c.acceptPassive()
	case c.active.IsValid():
		conn, err = c.dialActive()
	default:
		c.reply(425, "Use PORT or PASV first.")
		return nil, false
	}
	c.resetData()
	if err != nil {
		c.srv.logf("data connection: %v", err)
		if errors.Is(err, errSecondPassive) {
			c.reply(425, "Two connections came to the passive port; refused both.")
			return nil, false
		}
		c.reply(425, "Failed to establish connection.")
		return nil, false
	}
	c.reply(150, opening)
	if c.protP {
		tc, err := c.dataTLS(conn)
		switch {
		case errors.Is(err, errNoTLSReuse):
			conn.Close()
			c.reply(522, "Data connection must resume the control connection's TLS session.")
			return nil, false
		case err != nil:
			conn.Close()
			c.reply(522, "TLS negotiation on the data connection failed.")
			return nil, false
		}
		conn = tc
	}
	return conn, true
}

// acceptPassive waits for the client's data connection. One from another
// IP is closed and ignored (port stealing); vsftpd does the same.
func (c *session) acceptPassive() (net.Conn, error) {
	l := c.pasv
	untrack := c.track(l)
	defer untrack()
	deadline := time.Now().Add(c.srv.cfg.DataTimeout)
	if d, ok := l.(interface{ SetDeadline(time.Time) error }); ok {
		d.SetDeadline(deadline)
	} else {
		timer := time.AfterFunc(c.srv.cfg.DataTimeout, func() { l.Close() })
		defer timer.Stop()
	}
	for {
		conn, err := l.Accept()
		if err != nil {
			return nil, err
		}
		ap, perr := netip.ParseAddrPort(conn.RemoteAddr().String())
		if perr != nil || ap.Addr().Unmap() != c.peerIP() {
			local, remote := conn.LocalAddr().String(), conn.RemoteAddr().String()
			c.srv.logf("refused a data connection from %s (not the control peer)", remote)
			obs := c.srv.cfg.Observer
			obs.emit(Event{Kind: EvAccept, Channel: Data, Local: local, Remote: remote})
			conn.Close()
			obs.emit(Event{Kind: EvClose, Channel: Data, Local: local, Remote: remote, Err: "refused: not the control peer (port stealing)"})
			continue
		}
		c.srv.cfg.Observer.emit(Event{Kind: EvAccept, Channel: Data, Local: conn.LocalAddr().String(), Remote: conn.RemoteAddr().String()})
		if err := c.refuseSecondPassive(l, conn); err != nil {
			conn.Close()
			return nil, err
		}
		return conn, nil
	}
}

// dialActive connects to the client's PORT/EPRT address, by convention from
// port 20, before any 150 is sent (as vsftpd does).
func (c *session) dialActive() (net.Conn, error) {
	laddr := net.JoinHostPort(c.localIP().String(), strconv.Itoa(c.srv.cfg.ActiveFromPort))
	raddr := c.active.String()
	obs := c.srv.cfg.Observer
	obs.emit(Event{Kind: EvDial, Channel: Data, Local: laddr, Remote: raddr})
	ctx, cancel := context.WithTimeout(context.Background(), c.srv.cfg.DataTimeout)
	defer cancel()
	conn, err := c.srv.cfg.Network.Dial(ctx, laddr, raddr)
	if err != nil {
		obs.emit(Event{Kind: EvDialFailed, Channel: Data, Local: laddr, Remote: raddr, Err: err.Error()})
		return nil, err
	}
	obs.emit(Event{Kind: EvConnected, Channel: Data, Local: conn.LocalAddr().String(), Remote: conn.RemoteAddr().String()})
	return conn, nil
}

// finish closes the data connection and sends the final reply.
func (c *session) finish(conn net.Conn, cmd string, n int64, err error, ok226 string) {
	local, remote := conn.LocalAddr().String(), conn.RemoteAddr().String()
	end := Event{Kind: EvTransferEnd, Channel: Data, Local: local, Remote: remote, Text: cmd, Bytes: n}
	if err != nil {
		end.Err = err.Error()
	}
	c.srv.cfg.Observer.emit(end)
	conn.Close()
	c.srv.cfg.Observer.emit(Event{Kind: EvClose, Channel: Data, Local: local, Remote: remote})
	switch {
	case err == nil:
		c.reply(226, ok226)
	case errors.Is(err, errNoSpace):
		c.reply(452, "Insufficient storage space on the server; transfer aborted.")
	case errors.Is(err, errLocalFile):
		c.reply(451, "Failure reading or writing local file.")
	default:
		c.reply(426, "Failure on the data connection; transfer aborted.")
	}
}

var errLocalFile = errors.New("local file error")

// transfer runs one data transfer: opens the connection, moves the bytes
// with move and answers 226/426/451.
func (c *session) transfer(cmd, opening, ok226 string, move func(conn net.Conn) (int64, error)) {
	conn, ok := c.openData(opening)
	if !ok {
		return
	}
	untrack := c.track(conn)
	defer untrack()
	c.srv.cfg.Observer.emit(Event{Kind: EvTransferStart, Channel: Data, Local: conn.LocalAddr().String(), Remote: conn.RemoteAddr().String(), Text: cmd})
	stop := c.watch(conn)
	n, err := move(conn)
	aborted := stop()
	switch {
	case aborted && err != nil:
		// RFC 959: 426 for the transfer, then 226 for the ABOR.
		c.finish(conn, cmd, n, errAborted, ok226)
		c.reply(226, "ABOR successful.")
	case aborted:
		c.finish(conn, cmd, n, nil, ok226)
		c.reply(225, "No transfer to ABOR.")
	default:
		c.finish(conn, cmd, n, err, ok226)
	}
}

var errAborted = errors.New("aborted by ABOR")

func (c *session) cmdRETR(arg string) {
	f, fi, err := c.openForRead(arg)
	if outOfResources(err) {
		c.resourceErr("RETR", err)
		return
	}
	if errors.Is(err, errNotRegular) {
		c.reply(550, "Failed to open file: not a regular file.")
		return
	}
	if err != nil {
		c.reply(550, "Failed to open file"+escapeNote(err)+".")
		return
	}
	defer f.Close()
	offset := c.rest
	c.rest = 0
	if offset > 0 && !c.binary {
		// See cmdSTOR: a TYPE A offset has no one meaning.
		c.reply(550, "No support for resume of ASCII transfer.")
		return
	}
	if offset > 0 {
		if _, err := f.Seek(offset, io.SeekStart); err != nil {
			c.reply(550, "Failed to seek.")
			return
		}
	}
	mode := "ASCII"
	if c.binary {
		mode = "BINARY"
	}
	opening := fmt.Sprintf("Opening %s mode data connection for %s (%d bytes).", mode, path.Base(arg), fi.Size())
	c.transfer("RETR "+arg, opening, "Transfer complete.", func(conn net.Conn) (int64, error) {
		if !c.binary {
			bw := bufio.NewWriterSize(conn, 64<<10)
			n, err := c.copyData(conn, &toNetASCII{w: bw}, f, f)
			if err == nil {
				err = bw.Flush()
			}
			return n, err
		}
		// conn is the *net.TCPConn itself on the OS network, so io.Copy
		// takes its ReaderFrom path: sendfile(2), no copy through user space.
		return c.copyData(conn, conn, f, f)
	})
}

// storeKind is how an upload meets the name it is sent to.
type storeKind int

const (
	storeNew    storeKind = iota // STOR: replace the file, all or nothing
	storeAppend                  // APPE
	storeUnique                  // STOU: a name that does not exist yet
)

// maxNameBytes is the longest name component Linux file systems hold.
// A longer one is refused before any data moves (vsftpd: 553), not after
// the whole upload when the final rename fails.
const maxNameBytes = 255

func nameTooLong(name string) bool {
	for _, part := range strings.Split(name, "/") {
		if len(part) > maxNameBytes {
			return true
		}
	}
	return false
}
