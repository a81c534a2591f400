package ftp

import "time"

// handshakeDeadline bounds the AUTH TLS handshake.
func (c *session) handshakeDeadline() time.Time {
	return time.Now().Add(c.srv.cfg.DataTimeout)
}
