package ftp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// ClientConfig sets up a Client.
type ClientConfig struct {
	Network  Network  // nil: OSNetwork{}
	Observer Observer // may be nil
	// LocalAddr is the control connection's local end ("ip:port"; "" lets the
	// network choose). The classic explanation uses port 2000.
	LocalAddr string
	// ActivePort is the port the client listens on for its first active
	// transfer (2001 in the classic explanation; 0 lets the network choose).
	// Each later one listens on the next port: a real client takes a fresh
	// port for every PORT, so no two data connections share a 4-tuple (the
	// server's end of the last one may still be in TIME_WAIT).
	ActivePort int
	Mode       Mode // default passive
	// SkipPasvIP dials the control connection's peer instead of the address
	// in a 227 reply, as curl (since 7.74) and Python's ftplib do.
	SkipPasvIP bool
	// FixPasvAddress dials the control connection's peer when a 227 names a
	// private address and the peer is not private, as lftp's
	// ftp:fix-pasv-address does.
	FixPasvAddress bool
	// PASVAfterEPSVFails retries a transfer with PASV when the EPSV data
	// connection cannot be made, as curl does.
	PASVAfterEPSVFails bool
	// PassiveOnPortRefused switches to passive mode for good when the
	// server refuses PORT or EPRT (500 or 501), as lftp does.
	PassiveOnPortRefused bool
	// BeforeTransfer, when set, runs between the PORT/EPRT or PASV/EPSV
	// reply and the data connection's next step (the passive dial, or the
	// transfer command in active mode): a client that pauses there.
	BeforeTransfer func()
	// PortAddress, when set, is announced in PORT/EPRT instead of the
	// client's own address: the FTP bounce attack (RFC 2577).
	PortAddress string
	// EPSVAll sends "EPSV ALL" (RFC 2428) before the first EPSV: a promise
	// to the server, and to any middlebox reading along, that no PORT,
	// PASV or EPRT will follow. Only with Mode EPSV.
	EPSVAll bool
	TLS     *tls.Config // used by AuthTLS
	// Timeout bounds each real-time wait (reply, accept); zero means 30 s.
	Timeout time.Duration
	// MaxListing bounds a LIST or NLST the client keeps in memory; zero
	// means DefaultMaxListing. A longer listing is an error.
	MaxListing int64
}

// ErrPORTNeedsIPv4: PORT's six numbers hold only an IPv4 address (RFC
// 959), so over IPv6 the client cannot even ask; EPRT can (RFC 2428).
var ErrPORTNeedsIPv4 = errors.New("PORT cannot carry an IPv6 address")

// ErrListingTooLong marks a LIST or NLST over ClientConfig.MaxListing.
var ErrListingTooLong = errors.New("listing too long")

// DefaultMaxListing is the largest listing a client keeps by default: a
// server that streams an endless LIST cannot exhaust memory.
const DefaultMaxListing = 64 << 20

// Client is one FTP control connection and the data connections it opens.
type Client struct {
	cfg    ClientConfig
	raw    net.Conn // the socket under any TLS
	conn   net.Conn
	r      *bufio.Reader
	tls    bool // control channel is encrypted and PROT P is on
	all    bool // EPSV ALL was sent
	Banner Reply
	// actives counts the active transfers announced so far.
	actives int
}

// Dial opens the control connection to addr and reads the server's greeting.
func Dial(ctx context.Context, addr string, cfg ClientConfig) (*Client, error) {
	if cfg.Network == nil {
		cfg.Network = OSNetwork{}
	}
	if cfg.Mode == "" {
		cfg.Mode = ModePassive
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if _, err := ParseMode(string(cfg.Mode)); err != nil {
		return nil, err
	}
	cfg.Observer.emit(Event{Kind: EvDial, Channel: Control, Local: cfg.LocalAddr, Remote: addr})
	conn, err := cfg.Network.Dial(ctx, cfg.LocalAddr, addr)
	if err != nil {
		cfg.Observer.emit(Event{Kind: EvDialFailed, Channel: Control, Local: cfg.LocalAddr, Remote: addr, Err: err.Error()})
		return nil, err
	}
	c := &Client{cfg: cfg, raw: conn, conn: conn, r: bufio.NewReader(conn)}
	cfg.Observer.emit(Event{Kind: EvConnected, Channel: Control, Local: conn.LocalAddr().String(), Remote: conn.RemoteAddr().String()})
	rep, err := c.readReply()
	if err != nil {
		conn.Close()
		return nil, err
	}
	if rep.Code != 220 {
		conn.Close()
		return nil, &ReplyError{Command: "greeting", Reply: rep}
	}
	c.Banner = rep
	return c, nil
}

// Close drops the control connection without QUIT. Under TLS it closes the
// socket itself, without a close_notify alert, as many clients do.
func (c *Client) Close() error {
	err := c.raw.Close()
	c.cfg.Observer.emit(Event{Kind: EvClose, Channel: Control, Local: c.conn.LocalAddr().String(), Remote: c.conn.RemoteAddr().String()})
	return err
}

// Quit says goodbye, waits briefly for the server to close its end (so the
// server is the side that closes first, as with vsftpd) and closes.
func (c *Client) Quit() error {
	_, err := c.Cmd("QUIT")
	if err == nil {
		// Servers close right after 221; a live, paced run may hold that
		// close for as long as the learner reads, so wait the full timeout.
		c.conn.SetReadDeadline(time.Now().Add(c.cfg.Timeout))
		io.Copy(io.Discard, c.r)
	}
	cerr := c.Close()
	if err != nil {
		return err
	}
	return cerr
}

// Cmd sends one command line and reads its reply, whatever the code.
func (c *Client) Cmd(line string) (Reply, error) {
	if err := c.send(line); err != nil {
		return Reply{}, err
	}
	return c.readReply()
}

// expect sends a command and fails unless the reply code is one of want.
func (c *Client) expect(line string, want ...int) (Reply, error) {
	rep, err := c.Cmd(line)
	if err != nil {
		return rep, err
	}
	for _, w := range want {
		if rep.Code == w || (w < 10 && rep.Code/100 == w) {
			return rep, nil
		}
	}
	return rep, &ReplyError{Command: verb(line), Reply: rep}
}

func (c *Client) send(line string) error {
	if strings.ContainsAny(line, "\r\n") {
		return fmt.Errorf("command %q: contains a line break", line)
	}
	c.cfg.Observer.emit(Event{Kind: EvCommand, Channel: Control, Local: c.conn.LocalAddr().String(), Remote: c.conn.RemoteAddr().String(), Text: line})
	c.conn.SetWriteDeadline(time.Now().Add(c.cfg.Timeout))
	_, err := io.WriteString(c.conn, line+"\r\n")
	return err
}

func (c *Client) readReply() (Reply, error) {
	c.conn.SetReadDeadline(time.Now().Add(c.cfg.Timeout))
	local, remote := c.conn.LocalAddr().String(), c.conn.RemoteAddr().String()
	return ReadReply(c.r, func(l string) {
		c.cfg.Observer.emit(Event{Kind: EvReply, Channel: Control, Local: local, Remote: remote, Text: l})
	})
}

// Login sends USER and, when asked for it, PASS.
func (c *Client) Login(user, pass string) error {
	rep, err := c.expect("USER "+user, 230, 331)
	if err != nil || rep.Code == 230 {
		return err
	}
	_, err = c.expect("PASS "+pass, 230)
	return err
}

// AuthTLS upgrades the control channel (RFC 4217) and protects data
// connections (PBSZ 0, PROT P).
func (c *Client) AuthTLS() error {
	if c.cfg.TLS == nil {
		return errors.New("AUTH TLS: the client has no TLS config")
	}
	if _, err := c.expect("AUTH TLS", 234); err != nil {
		return err
	}
	c.cfg.TLS = resumingTLS(c.cfg.TLS, c.raw.RemoteAddr())
	tc := tls.Client(c.conn, c.cfg.TLS)
	tc.SetDeadline(time.Now().Add(c.cfg.Timeout))
	if err := tc.Handshake(); err != nil {
		return fmt.Errorf("AUTH TLS: handshake: %w", err)
	}
	c.conn = tc
	c.r = bufio.NewReader(tc)
	if _, err := c.expect("PBSZ 0", 200); err != nil {
		return err
	}
	if _, err := c.expect("PROT P", 200); err != nil {
		return err
	}
	c.tls = true
	return nil
}

// List runs LIST and returns the listing's bytes.
func (c *Client) List(path string) ([]byte, error) {
	var b strings.Builder
	_, err := c.transfer(withArg("LIST", path), c.readListing(&b, "LIST"))
	return []byte(b.String()), err
}

// NameList runs NLST and returns the names.
func (c *Client) NameList(path string) ([]string, error) {
	var b strings.Builder
	_, err := c.transfer(withArg("NLST", path), c.readListing(&b, "NLST"))
	if err != nil {
		return nil, err
	}
	return strings.FieldsFunc(b.String(), func(r rune) bool { return r == '\r' || r == '\n' }), nil
}

// Retrieve downloads name into w (TYPE I).
func (c *Client) Retrieve(name string, w io.Writer) (int64, error) {
	if _, err := c.expect("TYPE I", 200); err != nil {
		return 0, err
	}
	return c.transfer("RETR "+name, func(d net.Conn) (int64, error) { return io.Copy(w, d) })
}

// Store uploads r as name (TYPE I).
func (c *Client) Store(name string, r io.Reader) (int64, error) {
	if _, err := c.expect("TYPE I", 200); err != nil {
		return 0, err
	}
	return c.transfer("STOR "+name, func(d net.Conn) (int64, error) {
		n, err := io.Copy(d, r)
		if cerr := d.Close(); err == nil {
			err = cerr
		}
		return n, err
	})
}

// readListing copies a listing into b, at most MaxListing bytes.
func (c *Client) readListing(b *strings.Builder, verb string) func(net.Conn) (int64, error) {
	limit := c.cfg.MaxListing
	if limit <= 0 {
		limit = DefaultMaxListing
	}
	return func(d net.Conn) (int64, error) {
		n, err := io.Copy(b, io.LimitReader(d, limit+1))
		if err == nil && n > limit {
			return n, fmt.Errorf("%s: %w: longer than %d bytes (the client's limit)", verb, ErrListingTooLong, limit)
		}
		return n, err
	}
}

func withArg(cmd, arg string) string {
	if arg == "" {
		return cmd
	}
	return cmd + " " + arg
}

func verb(line string) string {
	v, _, _ := strings.Cut(line, " ")
	return strings.ToUpper(v)
}

// transfer opens a data connection the configured way, sends cmd, moves the
// data with move and reads the final reply.
func (c *Client) transfer(cmd string, move func(net.Conn) (int64, error)) (int64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.Timeout)
	defer cancel()
	var data net.Conn
	if c.cfg.Mode.Passive() {
		// Passive: dial first, then send the command, as curl and ftplib do.
		d, err := c.dialPassive(ctx, c.cfg.Mode == ModeEPSV)
		var de *dataDialError
		if err != nil && c.cfg.Mode == ModeEPSV && c.cfg.PASVAfterEPSVFails && errors.As(err, &de) {
			d, err = c.dialPassive(ctx, false)
		}
		if err != nil {
			return 0, err
		}
		data = d
		rep, err := c.Cmd(cmd)
		if err != nil {
			data.Close()
			return 0, err
		}
		if rep.Code != 125 && rep.Code != 150 {
			data.Close()
			return 0, &ReplyError{Command: verb(cmd), Reply: rep}
		}
	} else {
		l, err := c.announceActive(ctx)
		var re *ReplyError
		if err != nil && c.cfg.PassiveOnPortRefused && errors.As(err, &re) && (re.Reply.Code == 500 || re.Reply.Code == 501) {
			c.cfg.Mode = ModePassive
			cancel()
			return c.transfer(cmd, move)
		}
		if err != nil {
			return 0, err
		}
		if c.cfg.BeforeTransfer != nil {
			c.cfg.BeforeTransfer()
		}
		rep, err := c.Cmd(cmd)
		if err != nil {
			l.Close()
			return 0, err
		}
		if rep.Code != 125 && rep.Code != 150 {
			l.Close()
			return 0, &ReplyError{Command: verb(cmd), Reply: rep}
		}
		data, err = c.accept(l)
		l.Close()
		if err != nil {
			return 0, err
		}
	}
	rawData := data
	if c.tls {
		data = tls.Client(data, c.cfg.TLS)
	}
	local, remote := data.LocalAddr().String(), data.RemoteAddr().String()
	c.cfg.Observer.emit(Event{Kind: EvTransferStart, Channel: Data, Local: local, Remote: remote, Text: cmd})
	data.SetDeadline(time.Now().Add(c.cfg.Timeout))
	n, moveErr := move(data)
	rawData.Close() // an upload's move already closed data (close_notify, FIN)
	end := Event{Kind: EvTransferEnd, Channel: Data, Local: local, Remote: remote, Text: cmd, Bytes: n}
	if moveErr != nil {
		end.Err = moveErr.Error()
	}
	c.cfg.Observer.emit(end)
	c.cfg.Observer.emit(Event{Kind: EvClose, Channel: Data, Local: local, Remote: remote})
	rep, err := c.readReply()
	if err != nil {
		if errors.Is(moveErr, ErrListingTooLong) {
			return n, moveErr // the reason, not the silence after it
		}
		return n, err
	}
	if rep.Code/100 != 2 {
		return n, &ReplyError{Command: verb(cmd), Reply: rep}
	}
	return n, moveErr
}

// dataDialError is a data connection that could not be made.
type dataDialError struct{ error }

func (e *dataDialError) Unwrap() error { return e.error }

// dialPassive asks for a passive port (EPSV, or PASV) and dials it.
func (c *Client) dialPassive(ctx context.Context, epsv bool) (net.Conn, error) {
	peerHost, _, err := net.SplitHostPort(c.conn.RemoteAddr().String())
	if err != nil {
		return nil, err
	}
	target := ""
	if c.cfg.Mode == ModeEPSV && c.cfg.EPSVAll && !c.all {
		if _, err := c.expect("EPSV ALL", 200); err != nil {
			return nil, err
		}
		c.all = true
	}
	if epsv {
		rep, err := c.Cmd("EPSV")
		if err != nil {
			return nil, err
		}
		if rep.Code == 229 {
			port, err := Parse229(rep.String())
			if err != nil {
				return nil, err
			}
			target = net.JoinHostPort(peerHost, strconv.Itoa(int(port)))
		} else if rep.Code != 500 && rep.Code != 502 {
			return nil, &ReplyError{Command: "EPSV", Reply: rep}
		}
		// 500/502: the server has no EPSV; fall back to PASV as curl does.
	}
	if target == "" {
		rep, err := c.expect("PASV", 227)
		if err != nil {
			return nil, err
		}
		ap, err := Parse227(rep.String())
		if err != nil {
			return nil, err
		}
		target = ap.String()
		peer, _ := netip.ParseAddr(peerHost)
		if c.cfg.SkipPasvIP || (c.cfg.FixPasvAddress && ap.Addr().IsPrivate() && !peer.IsPrivate()) {
			target = net.JoinHostPort(peerHost, strconv.Itoa(int(ap.Port())))
		}
	}
	localHost, _, err := net.SplitHostPort(c.conn.LocalAddr().String())
	if err != nil {
		return nil, err
	}
	if c.cfg.BeforeTransfer != nil {
		c.cfg.BeforeTransfer()
	}
	laddr := net.JoinHostPort(localHost, "0")
	c.cfg.Observer.emit(Event{Kind: EvDial, Channel: Data, Local: laddr, Remote: target})
	d, err := c.cfg.Network.Dial(ctx, laddr, target)
	if err != nil {
		c.cfg.Observer.emit(Event{Kind: EvDialFailed, Channel: Data, Local: laddr, Remote: target, Err: err.Error()})
		return nil, &dataDialError{fmt.Errorf("data connection to %s: %w", target, err)}
	}
	c.cfg.Observer.emit(Event{Kind: EvConnected, Channel: Data, Local: d.LocalAddr().String(), Remote: d.RemoteAddr().String()})
	return d, nil
}

// announceActive listens for the server's data connection and tells the
// server where (EPRT or PORT).
func (c *Client) announceActive(ctx context.Context) (net.Listener, error) {
	localHost, _, err := net.SplitHostPort(c.conn.LocalAddr().String())
	if err != nil {
		return nil, err
	}
	port := c.cfg.ActivePort
	if port != 0 {
		port += c.actives % 1000 // a fresh port each time, within a small range
	}
	l, err := c.cfg.Network.Listen(ctx, net.JoinHostPort(localHost, strconv.Itoa(port)))
	if err != nil {
		return nil, fmt.Errorf("listen for active data: %w", err)
	}
	c.actives++
	c.cfg.Observer.emit(Event{Kind: EvListen, Channel: Data, Local: l.Addr().String()})
	lap, err := netip.ParseAddrPort(l.Addr().String())
	if err != nil {
		l.Close()
		return nil, fmt.Errorf("listen for active data: %w", err)
	}
	ip := lap.Addr().Unmap()
	if c.cfg.PortAddress != "" {
		if ip, err = netip.ParseAddr(c.cfg.PortAddress); err != nil {
			l.Close()
			return nil, fmt.Errorf("port address %q is not an IP address", c.cfg.PortAddress)
		}
	}
	announce := netip.AddrPortFrom(ip, lap.Port())
	if c.cfg.Mode == ModeEPRT {
		rep, err := c.Cmd("EPRT " + FormatEPRT(announce))
		if err == nil && rep.Code == 200 {
			return l, nil
		}
		if err != nil || (rep.Code != 500 && rep.Code != 502) || !ip.Is4() {
			l.Close()
			if err == nil {
				err = &ReplyError{Command: "EPRT", Reply: rep}
			}
			return nil, err
		}
		// The server has no EPRT: fall back to PORT as curl does.
	}
	if !ip.Is4() {
		l.Close()
		return nil, fmt.Errorf("%w: %s (use eprt)", ErrPORTNeedsIPv4, ip)
	}
	if _, err := c.expect("PORT "+FormatPORT(announce), 200); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// accept waits for the server's active data connection.
func (c *Client) accept(l net.Listener) (net.Conn, error) {
	type result struct {
		conn net.Conn
		err  error
	}
	ch := make(chan result, 1)
	go func() {
		conn, err := l.Accept()
		ch <- result{conn, err}
	}()
	select {
	case r := <-ch:
		if r.err != nil {
			return nil, r.err
		}
		c.cfg.Observer.emit(Event{Kind: EvAccept, Channel: Data, Local: r.conn.LocalAddr().String(), Remote: r.conn.RemoteAddr().String()})
		return r.conn, nil
	case <-time.After(c.cfg.Timeout):
		l.Close()
		if r := <-ch; r.conn != nil {
			r.conn.Close()
		}
		return nil, fmt.Errorf("no data connection from the server within %s", c.cfg.Timeout)
	}
}

// resumingTLS makes sure data connections can resume the control
// connection's TLS session, as servers with vsftpd's require_ssl_reuse
// (ours included) insist: a session cache, and a ServerName, since the
// cache is keyed by it (else by host and port, which differ on data).
func resumingTLS(cfg *tls.Config, server net.Addr) *tls.Config {
	if cfg.ClientSessionCache != nil && cfg.ServerName != "" {
		return cfg
	}
	cfg = cfg.Clone()
	if cfg.ClientSessionCache == nil {
		cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	}
	if cfg.ServerName == "" {
		if host, _, err := net.SplitHostPort(server.String()); err == nil {
			cfg.ServerName = host
		}
	}
	return cfg
}
