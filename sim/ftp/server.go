package ftp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"sync"
	"time"
)

// ServerConfig sets up a Server. The zero value of each field is a sensible
// default except Root, which is required.
type ServerConfig struct {
	Network  Network  // nil: OSNetwork{}
	Clock    Clock    // nil: SystemClock
	Observer Observer // may be nil
	// Root confines every file the server touches (os.Root refuses escapes
	// through "..", absolute paths and symlinks).
	Root        *os.Root
	Anonymous   bool              // USER anonymous or ftp, any password
	Users       map[string]string // name -> password
	AllowUpload bool              // named users may STOR APPE DELE MKD RMD RNFR/RNTO; else 550
	// AnonymousUpload lets anonymous make new files and directories (STOR
	// of a new name, MKD), as vsftpd's anon_upload_enable and
	// anon_mkdir_write_enable. Replacing, appending, resuming, deleting
	// and renaming need AnonymousOtherWrite as well.
	AnonymousUpload bool
	// AnonymousOtherWrite lets anonymous write like a named user (vsftpd
	// anon_other_write_enable): for netem, where the learner is anonymous.
	AnonymousOtherWrite bool
	// PasvMinPort..PasvMaxPort is the passive range (vsftpd pasv_min_port,
	// pasv_max_port). Ports are picked at random from it, as vsftpd does, so
	// another client cannot guess the next one and connect first. 0,0 lets
	// the network choose.
	PasvMinPort, PasvMaxPort int
	// PasvSequential tries passive ports in order from the last one handed
	// out instead: for netem, where runs must be deterministic.
	PasvSequential bool
	// PasvAddress is advertised in 227 replies (vsftpd pasv_address); empty
	// means the control connection's local address.
	PasvAddress string
	// ActiveFromPort is the local port of active data connections: 20 by
	// convention (netem), 0 on the OS where 20 needs privileges.
	ActiveFromPort int
	MaxConns       int // sessions at once; beyond: 421. 0: 64
	// MaxConnsPerIP bounds the sessions from one address (an IPv6 /64),
	// vsftpd's max_per_ip. 0: a quarter of MaxConns, so a few addresses
	// cannot fill the server; <0: no bound.
	MaxConnsPerIP int
	// LoginTimeout is how long a connection has to log in, from when the
	// connection is accepted; then 421. 0: 30 s; <0: none (the idle
	// timeout only).
	LoginTimeout time.Duration
	// MaxLoginFails hangs up after that many failed PASS on one
	// connection (vsftpd max_login_fails). 0: 3; <0: never.
	MaxLoginFails int
	IdleTimeout   time.Duration // control connection idle limit; 0: 5 min
	DataTimeout   time.Duration // data connection setup and stall limit; 0: 1 min
	// FailedLoginDelay slows password guessing per address: each failed
	// PASS waits this long times the address's failures in the last minute
	// (at most 5), and checks from an address with failures are spaced as
	// far apart, over all its connections. 0: 300 ms; <0: none.
	FailedLoginDelay time.Duration
	TLS              *tls.Config // non-nil offers AUTH TLS (RFC 4217)
	// DataTLSWithoutReuse accepts a PROT P data connection that does a TLS
	// handshake of its own. By default it must resume the control
	// connection's session (vsftpd require_ssl_reuse), which needs session
	// tickets on.
	DataTLSWithoutReuse bool
	// RequireTLS refuses USER before AUTH TLS and data connections
	// without PROT P (vsftpd's force_local_logins_ssl and
	// force_local_data_ssl, for anonymous too).
	RequireTLS bool
	Logf       func(format string, args ...any)
}

// Server is an FTP server. It serves any number of listeners until Close.
type Server struct {
	cfg ServerConfig

	mu        sync.Mutex
	closed    bool
	listeners map[net.Listener]struct{}
	sessions  map[*session]struct{}
	perIP     map[netip.Addr]int // sessions per addrKey
	gate      loginGate
	nextPasv  int
	wg        sync.WaitGroup
}

// NewServer checks the configuration and returns a server.
func NewServer(cfg ServerConfig) (*Server, error) {
	if cfg.Root == nil {
		return nil, errors.New("ftp server: no root directory")
	}
	if cfg.PasvMinPort < 0 || cfg.PasvMaxPort > 65535 || cfg.PasvMinPort > cfg.PasvMaxPort ||
		(cfg.PasvMinPort == 0) != (cfg.PasvMaxPort == 0) {
		return nil, fmt.Errorf("ftp server: bad passive range %d-%d", cfg.PasvMinPort, cfg.PasvMaxPort)
	}
	if cfg.RequireTLS && cfg.TLS == nil {
		return nil, errors.New("ftp server: RequireTLS without a TLS config")
	}
	if cfg.TLS != nil && cfg.TLS.SessionTicketsDisabled && !cfg.DataTLSWithoutReuse {
		return nil, errors.New("ftp server: TLS session tickets are off, so no data connection can resume the control connection's session: turn them on or set DataTLSWithoutReuse")
	}
	if cfg.Network == nil {
		cfg.Network = OSNetwork{}
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.MaxConns == 0 {
		cfg.MaxConns = 64
	}
	if cfg.IdleTimeout == 0 {
		cfg.IdleTimeout = 5 * time.Minute
	}
	if cfg.DataTimeout == 0 {
		cfg.DataTimeout = time.Minute
	}
	if cfg.MaxConnsPerIP == 0 {
		cfg.MaxConnsPerIP = max(cfg.MaxConns/4, 1)
	}
	if cfg.LoginTimeout == 0 {
		cfg.LoginTimeout = 30 * time.Second
	}
	if cfg.MaxLoginFails == 0 {
		cfg.MaxLoginFails = 3
	}
	if cfg.FailedLoginDelay == 0 {
		cfg.FailedLoginDelay = 300 * time.Millisecond
	}
	return &Server{
		cfg:       cfg,
		listeners: map[net.Listener]struct{}{},
		sessions:  map[*session]struct{}{},
		perIP:     map[netip.Addr]int{},
		nextPasv:  cfg.PasvMinPort,
	}, nil
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("ftp server closed")

// Serve accepts control connections on l until ctx ends or Close is called,
// then waits for its sessions to end.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		l.Close()
		return ErrServerClosed
	}
	s.listeners[l] = struct{}{}
	s.mu.Unlock()
	s.cfg.Observer.emit(Event{Kind: EvListen, Channel: Control, Local: l.Addr().String()})

	stop := context.AfterFunc(ctx, func() { s.Close() })
	defer stop()
	var backoff time.Duration
	for {
		conn, err := l.Accept()
		if ne, ok := err.(interface{ Temporary() bool }); ok && ne.Temporary() && !s.isClosed() {
			// Out of file descriptors and the like: wait and go on, as
			// net/http does, rather than stop serving everyone.
			backoff = min(max(2*backoff, 5*time.Millisecond), time.Second)
			s.logf("accept: %v; retrying in %v", err, backoff)
			time.Sleep(backoff)
			continue
		}
		backoff = 0
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			delete(s.listeners, l)
			s.mu.Unlock()
			l.Close()
			s.wg.Wait()
			if closed {
				return ErrServerClosed
			}
			return err
		}
		s.cfg.Observer.emit(Event{Kind: EvAccept, Channel: Control, Local: conn.LocalAddr().String(), Remote: conn.RemoteAddr().String()})
		sess, over := s.admit(conn)
		if sess == nil {
			// Over a cap: say so and hang up (vsftpd does the same).
			local, remote := conn.LocalAddr().String(), conn.RemoteAddr().String()
			s.cfg.Observer.emit(Event{Kind: EvReply, Channel: Control, Local: local, Remote: remote, Text: over})
			conn.SetWriteDeadline(time.Now().Add(time.Second))
			io.WriteString(conn, over+"\r\n")
			conn.Close()
			s.cfg.Observer.emit(Event{Kind: EvClose, Channel: Control, Local: local, Remote: remote})
			continue
		}
		go func() {
			defer s.wg.Done()
			sess.serve()
			s.mu.Lock()
			delete(s.sessions, sess)
			if s.perIP[sess.key]--; s.perIP[sess.key] <= 0 {
				delete(s.perIP, sess.key)
			}
			s.mu.Unlock()
		}()
	}
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// admit starts a session for conn, or says which cap refuses it.
func (s *Server) admit(conn net.Conn) (*session, string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := addrKey(conn.RemoteAddr())
	switch {
	case s.closed || len(s.sessions) >= s.cfg.MaxConns:
		return nil, "421 Too many connections."
	case s.cfg.MaxConnsPerIP > 0 && s.perIP[key] >= s.cfg.MaxConnsPerIP:
		s.logf("refused a connection from %s: %d sessions from that address already", conn.RemoteAddr(), s.perIP[key])
		return nil, "421 Too many connections from your address."
	case s.cfg.FailedLoginDelay > 0 && s.gate.throttled(key, time.Now()):
		return nil, "421 Too many failed logins from your address; try again later."
	}
	sess := newSession(s, conn)
	sess.key = key
	s.sessions[sess] = struct{}{}
	s.perIP[key]++
	s.wg.Add(1)
	return sess, ""
}

// Close stops every listener and session and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		s.wg.Wait()
		return nil
	}
	s.closed = true
	for l := range s.listeners {
		l.Close()
	}
	for sess := range s.sessions {
		sess.abort()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}
