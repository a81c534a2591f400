package netem

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"ftplab/sim/trace"
)

// transport lists the events of one connection as "kind host from>to",
// the transport's own and the steps they belong to.
func transport(r *rec, conn int) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, e := range r.ev {
		switch e.Kind {
		case trace.SYN, trace.SYNACK, trace.ACK, trace.Connected, trace.FIN, trace.Close, trace.RST, trace.Reset, trace.Refused:
			if e.Conn == conn {
				out = append(out, fmt.Sprintf("%s %s %s>%s", e.Kind, e.Host, e.From, e.To))
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestHandshakeAndTeardownEvents: through a source NAT the listener's
// SYN-ACK names the addresses it sees (the public one, as the nat event's
// after); the dialer's ACK comes before "connected"; the first end's FIN
// just before its close, the other's when it closes.
func TestHandshakeAndTeardownEvents(t *testing.T) {
	w, c, s, r := newWorld(t, "192.168.1.10")
	if err := w.AddNAT("client", NAT{Name: "client-nat", Public: "203.0.113.5"}); err != nil {
		t.Fatal(err)
	}
	l, err := s.Listen(context.Background(), "198.51.100.21:30000")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		sc, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		_, err = io.ReadAll(sc) // the client's FIN ends it
		sc.Close()
		done <- err
	}()
	conn, err := c.Dial(context.Background(), "192.168.1.10:40000", "198.51.100.21:30000")
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("hello"))
	conn.Close()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	want := strings.Join([]string{
		"syn client 192.168.1.10:40000>198.51.100.21:30000",
		"syn-ack server 198.51.100.21:30000>203.0.113.5:40000",
		"ack client 192.168.1.10:40000>198.51.100.21:30000",
		"connected client 192.168.1.10:40000>198.51.100.21:30000",
		"fin client 192.168.1.10:40000>198.51.100.21:30000",
		"close client 192.168.1.10:40000>198.51.100.21:30000",
		"fin server 198.51.100.21:30000>203.0.113.5:40000",
	}, "\n")
	if got := transport(r, 1); got != want {
		t.Errorf("events\n%s\nwant\n%s", got, want)
	}
	nat := r.kinds(trace.NAT)
	if len(nat) != 1 || nat[0].After != "203.0.113.5:40000" {
		t.Errorf("nat events %+v: the syn-ack's address should be the translation's after", nat)
	}
}

// TestHalfCloseIsAFIN: CloseWrite sends this end's FIN at once; the
// later Close sends no second one.
func TestHalfCloseIsAFIN(t *testing.T) {
	_, c, s, r := newWorld(t, "192.0.2.10")
	l, _ := s.Listen(context.Background(), "198.51.100.21:30000")
	defer l.Close()
	got := make(chan string, 1)
	go func() {
		sc, err := l.Accept()
		if err != nil {
			got <- err.Error()
			return
		}
		b, _ := io.ReadAll(sc)
		sc.Write([]byte("bye"))
		sc.Close()
		got <- string(b)
	}()
	conn, err := c.Dial(context.Background(), "", "198.51.100.21:30000")
	if err != nil {
		t.Fatal(err)
	}
	conn.Write([]byte("hi"))
	conn.(interface{ CloseWrite() error }).CloseWrite()
	io.ReadAll(conn)
	<-got
	conn.Close()
	var fins []string
	for _, e := range r.kinds(trace.FIN) {
		fins = append(fins, e.Host)
	}
	if strings.Join(fins, " ") != "client server" {
		t.Errorf("FINs from %v, want the client's half-close, then the server's", fins)
	}
}

// TestResetIsARSTFromEachEnd: a link reset shows the reset step, then a
// RST from each end, and no FIN after.
func TestResetIsARSTFromEachEnd(t *testing.T) {
	w, c, s, r := newWorld(t, "192.0.2.10")
	w.SetLink(Link{Faults: []Fault{Reset{After: 5000}}})
	l, _ := s.Listen(context.Background(), "198.51.100.21:30000")
	defer l.Close()
	done, accepted := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		sc, err := l.Accept()
		close(accepted)
		if err != nil {
			return
		}
		io.ReadAll(sc)
		sc.Close()
	}()
	conn, _ := c.Dial(context.Background(), "", "198.51.100.21:30000")
	<-accepted // both ends have their sockets: each sends a RST
	for i := 0; i < 10; i++ {
		if _, err := conn.Write(make([]byte, 1000)); err != nil {
			break
		}
	}
	conn.Close()
	<-done
	got := transport(r, 1)
	if !strings.HasSuffix(got, "reset client 192.0.2.10:49152>198.51.100.21:30000\nrst client 192.0.2.10:49152>198.51.100.21:30000\nrst server 198.51.100.21:30000>192.0.2.10:49152") {
		t.Errorf("events\n%s\nwant the reset, then a RST from the client and one from the server, last", got)
	}
}

// TestRefusedIsARSTFromTheHost: a SYN to a port nobody listens on is
// answered by the host's RST, then the dial is refused.
func TestRefusedIsARSTFromTheHost(t *testing.T) {
	_, c, _, r := newWorld(t, "192.0.2.10")
	if _, err := c.Dial(context.Background(), "192.0.2.10:40000", "198.51.100.21:30000"); err == nil {
		t.Fatal("dial to a closed port succeeded")
	}
	want := "syn client 192.0.2.10:40000>198.51.100.21:30000\nrst server 198.51.100.21:30000>192.0.2.10:40000\nrefused client 192.0.2.10:40000>198.51.100.21:30000"
	if got := transport(r, 1); got != want {
		t.Errorf("events\n%s\nwant\n%s", got, want)
	}
}
