package netem

import (
	"bufio"
	"context"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"time"

	"ftplab/sim/trace"
)

func TestSlicerCutsEachWrite(t *testing.T) {
	for _, tt := range []struct {
		name   string
		s      Slicer
		ch     trace.Channel
		writes []int
		want   []string
	}{
		{"every 30 bytes, per write", Slicer{Size: 30}, trace.Data, []int{100, 100}, []string{"30+*netem.slicerState 30+*netem.slicerState 30+*netem.slicerState 10", "30+*netem.slicerState 30+*netem.slicerState 30+*netem.slicerState 10"}},
		{"two pieces", Slicer{Size: 30, Pieces: 2}, trace.Control, []int{100}, []string{"30+*netem.slicerState 70"}},
		{"a write shorter than a piece", Slicer{Size: 30}, trace.Data, []int{20}, []string{"20"}},
		{"exactly one piece", Slicer{Size: 30}, trace.Data, []int{30}, []string{"30"}},
		{"another host's writes", Slicer{Size: 30, From: "server"}, trace.Data, []int{100}, []string{"100"}},
		{"another channel", Slicer{Size: 30, Channel: trace.Control}, trace.Data, []int{100}, []string{"100"}},
		{"no size", Slicer{}, trace.Data, []int{100}, []string{"100"}},
		{"with a stall inside", Slicer{Size: 40}, trace.Data, []int{100}, []string{"40+*netem.slicerState 10+netem.Stall 30+*netem.slicerState 20"}},
	} {
		faults := []Fault{tt.s}
		if strings.Contains(tt.name, "stall") {
			faults = append(faults, Stall{After: 50, For: time.Second})
		}
		if got := plan(tt.ch, faults, tt.writes...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
	st := Slicer{Size: 2}.Start(trace.Control)
	if err := st.Act(&fakeWire{}); err != nil {
		t.Error(err)
	}
}

// TestSlicedPortThroughHelper: a PORT written in two segments, "PO"
// first, as Linux 6.18 handled it. Without a helper the server gets the
// line whole, unread. The client's own firewall drops "PO" before it
// leaves and the rest joins it: it works at once. A helper further on,
// with SACK, drops every copy of "PO": the line never arrives and the
// client's TCP gives up. Without SACK the retransmission after the RTO
// carries the whole line; through a NAT that rewrites it, the control
// connection is reset.
func TestSlicedPortThroughHelper(t *testing.T) {
	for _, tt := range []struct {
		name      string
		fw, nat   bool // client firewall / client NAT
		at        string
		noSACK    bool
		server    string // what the server reads, "" nothing
		segs      []string
		expects   int
		minTime   time.Duration
		clientErr bool
	}{
		{name: "no helper", fw: true, server: "PORT 192.0.2.10", segs: []string{"PO", "RT 192,0,2,10,7,209"}},
		{name: "the client's own firewall", fw: true, at: "client-fw", server: "PORT 192.0.2.10", segs: []string{"PO", "RT 192,0,2,10,7,209", "PORT 192,0,2,10,7,209"}, expects: 1},
		{name: "the server's firewall, SACK", at: "server-fw", segs: []string{"PO", "RT 192,0,2,10,7,209"}, minTime: giveUp, clientErr: true},
		{name: "the server's firewall, no SACK", at: "server-fw", noSACK: true, server: "PORT 192.0.2.10", segs: []string{"PO", "RT 192,0,2,10,7,209", "PORT 192,0,2,10,7,209"}, expects: 1, minTime: minRTO},
		{name: "the client's NAT, no SACK", nat: true, at: "client-nat", noSACK: true, segs: []string{"PO", "RT 192,168,1,10,7,209", "PORT 192,168,1,10,7,209"}, expects: 1, minTime: minRTO, clientErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &rec{}
			w := New(Options{Emit: r.add})
			defer w.Close()
			caddr, port := "192.0.2.10", "PORT 192,0,2,10,7,209"
			if tt.nat {
				caddr, port = "192.168.1.10", "PORT 192,168,1,10,7,209"
			}
			c, _ := w.AddHost(HostConfig{Name: "client", Addr: caddr, NoSACK: tt.noSACK})
			s, _ := w.AddHost(HostConfig{Name: "server", Addr: "198.51.100.21"})
			w.SetLink(Link{Faults: []Fault{Slicer{Size: 2, Pieces: 2, From: "client", Channel: trace.Control}}})
			if tt.fw {
				w.AddFirewall("client", Firewall{Name: "client-fw", ALG: tt.at == "client-fw", Rules: []Rule{{Dir: Out, Action: Accept}}})
			}
			if tt.nat {
				w.AddNAT("client", NAT{Name: "client-nat", Public: "203.0.113.5", ALG: tt.at == "client-nat"})
			}
			if tt.at == "server-fw" {
				w.AddFirewall("server", Firewall{Name: "server-fw", ALG: true})
			}
			l, _ := s.Listen(context.Background(), "198.51.100.21:21")
			defer l.Close()
			accepted := make(chan net.Conn, 1)
			go func() { sc, _ := l.Accept(); accepted <- sc }()
			conn, err := c.Dial(context.Background(), "", "198.51.100.21:21")
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			sc := <-accepted
			defer sc.Close()
			before := w.Elapsed()
			io.WriteString(conn, port+"\r\n")
			got := make(chan string, 1)
			go func() { line, _ := bufio.NewReader(sc).ReadString('\n'); got <- line }()
			if tt.server != "" {
				if line := <-got; !strings.HasPrefix(line, "PORT ") {
					t.Errorf("server read %q", line)
				}
			}
			var segs []string
			for _, e := range r.kinds(trace.Segment) {
				segs = append(segs, e.Text)
			}
			if !reflect.DeepEqual(segs, tt.segs) {
				t.Errorf("segments %q, want %q", segs, tt.segs)
			}
			if n := len(r.kinds(trace.Expect)); n != tt.expects {
				t.Errorf("%d expectations, want %d", n, tt.expects)
			}
			if took := w.Elapsed() - before; took < tt.minTime || (tt.minTime == 0 && took > time.Millisecond) {
				t.Errorf("the line took %s of virtual time, want at least %s", took, tt.minTime)
			}
			if tt.clientErr { // the client's next read fails at once: timed out, or reset
				conn.SetReadDeadline(time.Now().Add(2 * time.Second))
				start := time.Now()
				if _, err := conn.Read(make([]byte, 1)); err == nil || time.Since(start) > time.Second {
					t.Errorf("client read after the line: %v after %s", err, time.Since(start))
				}
			} else {
				// The next command is not cut at its start by what came before.
				io.WriteString(conn, "RETR hello.txt\r\n")
			}
		})
	}
}

func TestPartialAnnouncement(t *testing.T) {
	for _, tt := range []struct {
		fromClient bool
		piece      string
		want       string
	}{
		{true, "PO", "PORT"}, {true, "p", "PORT"}, {true, "PORT 1,2,", "PORT"}, {true, "EPRT |1|", "EPRT"},
		{true, "RE", ""}, {true, "", ""}, {false, "22", "227"}, {false, "229 Entering", "229"}, {false, "2", "227"},
		{false, "PO", ""}, {true, "227 ", ""}, {false, "150 ", ""},
	} {
		got, ok := partialAnnouncement(tt.fromClient, tt.piece)
		if got != tt.want || ok != (tt.want != "") {
			t.Errorf("partialAnnouncement(%v, %q) = %q, %v; want %q", tt.fromClient, tt.piece, got, ok, tt.want)
		}
	}
}
