package ftp

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"
)

// sessionTLS holds one FTP session's TLS configs. The control connection
// always does a full handshake, and every session ticket it (or a data
// connection) issues carries this session's random tag. A PROT P data
// connection must resume with such a ticket: a thief on the data port
// (from the same address, behind the same NAT) can do a TLS handshake of
// its own, but it cannot hold a ticket of the victim's control connection.
// This is vsftpd's require_ssl_reuse.
type sessionTLS struct {
	control, data *tls.Config
}

// tagPrefix starts the Extra entry that names the FTP session, so it can
// be told from other entries (SessionState.Extra is shared).
const tagPrefix = "ftplab-ftp-session:"

func newSessionTLS(base *tls.Config) *sessionTLS {
	tag := make([]byte, len(tagPrefix)+16)
	copy(tag, tagPrefix)
	rand.Read(tag[len(tagPrefix):])
	// Tickets are sealed with base's keys, shared by every clone: a
	// clone would otherwise make keys of its own.
	wrap := func(cs tls.ConnectionState, ss *tls.SessionState) ([]byte, error) {
		ss.Extra = append(ss.Extra, tag)
		return base.EncryptTicket(cs, ss)
	}
	control := base.Clone()
	control.WrapSession = wrap
	control.UnwrapSession = func([]byte, tls.ConnectionState) (*tls.SessionState, error) {
		return nil, nil // no resumption: the session's tickets are all new
	}
	data := base.Clone()
	data.WrapSession = wrap
	data.UnwrapSession = func(identity []byte, cs tls.ConnectionState) (*tls.SessionState, error) {
		ss, err := base.DecryptTicket(identity, cs)
		if err != nil || ss == nil {
			return nil, nil
		}
		for _, e := range ss.Extra {
			if bytes.Equal(e, tag) {
				return ss, nil
			}
		}
		return nil, nil // another session's ticket: a full handshake, refused after
	}
	return &sessionTLS{control: control, data: data}
}

// prefixConn reads prefix before the connection: the bytes the plaintext
// reader had already taken when AUTH TLS came (a client may send its
// ClientHello in the same packet as the command).
type prefixConn struct {
	net.Conn
	r io.Reader
}

func (p *prefixConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// startTLS runs the control connection's handshake after 234. Bytes that
// came after "AUTH TLS" are handed to TLS, never run as commands.
func (c *session) startTLS() error {
	c.tlsConf = newSessionTLS(c.srv.cfg.TLS)
	conn := c.conn
	if n := c.r.Buffered(); n > 0 {
		early, _ := c.r.Peek(n)
		conn = &prefixConn{Conn: c.conn, r: io.MultiReader(bytes.NewReader(bytes.Clone(early)), c.conn)}
	}
	tc := tls.Server(conn, c.tlsConf.control)
	tc.SetDeadline(c.handshakeDeadline())
	if err := tc.Handshake(); err != nil {
		return err
	}
	tc.SetDeadline(time.Time{})
	c.conn = tc
	c.r = bufio.NewReaderSize(tc, maxCommandLine+2)
	c.secure = true
	return nil
}

var errNoTLSReuse = errors.New("the data connection did not resume the control connection's TLS session")

// dataTLS runs a PROT P data connection's handshake and, unless the
// config allows fresh sessions, requires it to resume this session's.
func (c *session) dataTLS(conn net.Conn) (net.Conn, error) {
	tc := tls.Server(conn, c.tlsConf.data)
	tc.SetDeadline(time.Now().Add(c.srv.cfg.DataTimeout))
	if err := tc.Handshake(); err != nil {
		return nil, err
	}
	if !tc.ConnectionState().DidResume && !c.srv.cfg.DataTLSWithoutReuse {
		c.srv.logf("refused a TLS data connection from %s: %v (port stealing?)", conn.RemoteAddr(), errNoTLSReuse)
		return nil, errNoTLSReuse
	}
	return tc, nil
}
