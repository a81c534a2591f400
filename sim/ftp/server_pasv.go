package ftp

import (
	"errors"
	"math/rand/v2"
	"net"
	"time"
)

// pasvCandidates lists the passive ports to try ([0]: the network chooses),
// each port of the range once, wrapping around. By default the list starts
// at a random port, so the port a PASV gets cannot be told from the ones
// handed out before (vsftpd picks at random too); with PasvSequential it
// starts after the last one handed out.
func (s *Server) pasvCandidates() []int {
	if s.cfg.PasvMinPort == 0 {
		return []int{0}
	}
	n := s.cfg.PasvMaxPort - s.cfg.PasvMinPort + 1
	// math/rand/v2's global source is ChaCha8 seeded from the OS: the
	// next start cannot be worked out from the ports seen so far.
	start := rand.IntN(n)
	if s.cfg.PasvSequential {
		s.mu.Lock()
		start = s.nextPasv - s.cfg.PasvMinPort
		s.mu.Unlock()
	}
	ports := make([]int, n)
	for i := range ports {
		ports[i] = s.cfg.PasvMinPort + (start+i)%n
	}
	return ports
}

// pasvTaken records the port a passive listener got, so that in sequential
// mode the next one is tried after it.
func (s *Server) pasvTaken(port int) {
	if s.cfg.PasvMinPort == 0 || !s.cfg.PasvSequential {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n := s.cfg.PasvMaxPort - s.cfg.PasvMinPort + 1
	s.nextPasv = s.cfg.PasvMinPort + (port-s.cfg.PasvMinPort+1)%n
}

// secondConnWait is how long a passive port stays open after its first
// connection to catch a second one already on its way. A connection that
// was queued before the first was taken is found at once; the wait only
// bounds the look.
const secondConnWait = time.Millisecond

var errSecondPassive = errors.New("a second connection came to the passive port")

// refuseSecondPassive looks for a second connection to the passive port
// after first. Only one client was told the port, so a second one means
// someone else found it (from the same address, since other addresses are
// refused anyway): both are closed, since nothing tells which is the
// owner, and the transfer gets 425 instead of going to a stranger.
func (c *session) refuseSecondPassive(l net.Listener, first net.Conn) error {
	d, ok := l.(interface{ SetDeadline(time.Time) error })
	if !ok {
		return nil
	}
	d.SetDeadline(time.Now().Add(secondConnWait))
	second, err := l.Accept()
	if err != nil {
		return nil // none came: the usual case
	}
	local, remote := second.LocalAddr().String(), second.RemoteAddr().String()
	obs := c.srv.cfg.Observer
	obs.emit(Event{Kind: EvAccept, Channel: Data, Local: local, Remote: remote})
	second.Close()
	obs.emit(Event{Kind: EvClose, Channel: Data, Local: local, Remote: remote, Err: "refused: a second connection to the passive port (port stealing)"})
	c.srv.logf("refused two data connections to passive port %s, from %s and %s (port stealing?)", local, first.RemoteAddr(), remote)
	return errSecondPassive
}
