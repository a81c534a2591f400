package netem

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"ftplab/sim/trace"
)

// TestRejectTypesAndSourcePorts: a rule can match the source port (an
// egress filter on the server), and a Reject answers with a reset or an
// ICMP error, which the dialer sees as different errors.
func TestRejectTypesAndSourcePorts(t *testing.T) {
	for _, tt := range []struct {
		name  string
		rule  Rule
		laddr string
		errno error // nil: the dial times out (a drop)
		ok    bool
	}{
		{"reset", Rule{Dir: Out, SrcPorts: PortRange{20, 20}, Action: Reject}, "198.51.100.21:20", syscall.ECONNREFUSED, false},
		{"port unreachable", Rule{Dir: Out, SrcPorts: PortRange{20, 20}, Action: Reject, RejectWith: ICMPPortUnreachable}, "198.51.100.21:20", syscall.ECONNREFUSED, false},
		{"admin prohibited", Rule{Dir: Out, SrcPorts: PortRange{20, 20}, Action: Reject, RejectWith: ICMPAdminProhibited}, "198.51.100.21:20", syscall.EHOSTUNREACH, false},
		{"drop", Rule{Dir: Out, SrcPorts: PortRange{20, 20}, Action: Drop}, "198.51.100.21:20", nil, false},
		{"another source port passes", Rule{Dir: Out, SrcPorts: PortRange{20, 20}, Action: Drop}, "198.51.100.21:0", nil, true},
	} {
		w, c, s, r := newWorld(t, "192.0.2.10")
		w.AddFirewall("server", Firewall{Name: "server-fw", Rules: []Rule{tt.rule}})
		l, _ := c.Listen(context.Background(), ":2001")
		go func() {
			if a, err := l.Accept(); err == nil {
				a.Close()
			}
		}()
		conn, err := s.Dial(context.Background(), tt.laddr, "192.0.2.10:2001")
		switch {
		case tt.ok:
			if err != nil {
				t.Errorf("%s: %v", tt.name, err)
			} else {
				conn.Close()
			}
		case tt.errno == nil:
			var ne net.Error
			if !errors.As(err, &ne) || !ne.Timeout() {
				t.Errorf("%s: %v, want a timeout", tt.name, err)
			}
		case !errors.Is(err, tt.errno):
			t.Errorf("%s: %v, want %v", tt.name, err, tt.errno)
		}
		if v := r.kinds(trace.Verdict); !tt.ok && (len(v) != 1 || v[0].Box != "server-fw") {
			t.Errorf("%s: verdicts %+v", tt.name, v)
		}
		l.Close()
		w.Close()
	}
}

// TestNATRefusesUnforwarded: a NAT told to refuse answers an unforwarded
// port with a RST; by default it drops.
func TestNATRefusesUnforwarded(t *testing.T) {
	for _, refuse := range []bool{false, true} {
		w := New(Options{})
		srv, _ := w.AddHost(HostConfig{Name: "server", Addr: "10.0.0.21"})
		cli, _ := w.AddHost(HostConfig{Name: "client", Addr: "192.0.2.10"})
		w.AddNAT("server", NAT{Public: "198.51.100.21", RefuseUnforwarded: refuse, Forward: []Forward{{Ports: PortRange{21, 21}, To: "10.0.0.21"}}})
		l, _ := srv.Listen(context.Background(), ":30000")
		_, err := cli.Dial(context.Background(), "", "198.51.100.21:30000")
		var ne net.Error
		if refuse && !errors.Is(err, syscall.ECONNREFUSED) || !refuse && !(errors.As(err, &ne) && ne.Timeout()) {
			t.Errorf("refuse=%v: %v", refuse, err)
		}
		if d := w.Topology().Boxes[0].Rules; refuse != (d[len(d)-1] == "other ports: refused (RST)") {
			t.Errorf("refuse=%v: box listed as %q", refuse, d)
		}
		l.Close()
		w.Close()
	}
}

// TestHelperFollowsItsPorts: a helper attached for 21 ignores a control
// connection to 2121; attached for 2121 it reads it.
func TestHelperFollowsItsPorts(t *testing.T) {
	for _, tt := range []struct {
		ports   []int
		expects int
	}{{nil, 1}, {[]int{21}, 0}, {[]int{2121}, 1}, {[]int{21, 2121}, 1}} { // nil: the world's control port
		r := &rec{}
		w := New(Options{Emit: r.add, ControlPort: 2121})
		c, _ := w.AddHost(HostConfig{Name: "client", Addr: "192.0.2.10"})
		s, _ := w.AddHost(HostConfig{Name: "server", Addr: "198.51.100.21"})
		ports := tt.ports
		w.AddFirewall("client", Firewall{ALG: true, ALGPorts: ports, Rules: []Rule{{Dir: In, Action: Drop}}})
		l, _ := s.Listen(context.Background(), ":2121")
		accepted := echo(t, l)
		conn, err := c.Dial(context.Background(), "", "198.51.100.21:2121")
		if err != nil {
			t.Fatal(err)
		}
		<-accepted
		io.WriteString(conn, "PORT 192,0,2,10,7,209\r\n")
		bufio.NewReader(conn).ReadString('\n')
		if got := len(r.kinds(trace.Expect)); got != tt.expects {
			t.Errorf("helper for %v, control port 2121: %d expectations, want %d", ports, got, tt.expects)
		}
		conn.Close()
		l.Close()
		w.Close()
	}
}

// TestExpectationExpires: a data connection within the helper's 5 minutes
// is RELATED; one after them is NEW, and a note says the expectation
// expired.
func TestExpectationExpires(t *testing.T) {
	for _, tt := range []struct {
		pause   time.Duration
		related bool
	}{{10 * time.Second, true}, {ExpectLifetime - time.Second, true}, {ExpectLifetime + time.Second, false}} {
		w, c, s, r := newWorld(t, "192.0.2.10")
		w.AddFirewall("client", Firewall{Name: "client-fw", ALG: true, Rules: []Rule{
			{Dir: Out, Action: Accept},
			{Dir: In, States: []State{StateRelated}, Action: Accept},
			{Dir: In, Action: Reject},
		}})
		l, _ := s.Listen(context.Background(), "198.51.100.21:21")
		accepted := echo(t, l)
		conn, _ := c.Dial(context.Background(), "", "198.51.100.21:21")
		<-accepted
		dl, _ := c.Listen(context.Background(), ":2001")
		go func() {
			if a, err := dl.Accept(); err == nil {
				a.Close()
			}
		}()
		io.WriteString(conn, "PORT 192,0,2,10,7,209\r\n")
		bufio.NewReader(conn).ReadString('\n')
		w.Pause("client", tt.pause)
		d, err := s.Dial(context.Background(), "198.51.100.21:20", "192.0.2.10:2001")
		if tt.related != (err == nil) {
			t.Errorf("after %s: dial err %v, want related=%v", tt.pause, err, tt.related)
		}
		if d != nil {
			d.Close()
		}
		expired := false
		for _, n := range r.kinds(trace.Note) {
			expired = expired || strings.Contains(n.Text, "client-fw's FTP helper: the expectation for 192.0.2.10:2001 expired")
		}
		if expired == tt.related {
			t.Errorf("after %s: expiry noted %v", tt.pause, expired)
		}
		dl.Close()
		conn.Close()
		l.Close()
		w.Close()
	}
}
