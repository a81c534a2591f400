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

// TestSlicedPortThroughHelper: a PORT written in two segments, "PO" first.
// Without a helper the server gets the line whole and nobody parses it; a
// helper drops the partial "PO", the client retransmits the whole line
// after its RTO, and the helper then expects the data connection.
func TestSlicedPortThroughHelper(t *testing.T) {
	const port = "PORT 192,0,2,10,7,209"
	for _, alg := range []bool{false, true} {
		w, c, s, r := newWorld(t, "192.0.2.10")
		w.SetLink(Link{Faults: []Fault{Slicer{Size: 2, Pieces: 2, From: "client", Channel: trace.Control}}})
		w.AddFirewall("client", Firewall{Name: "client-fw", ALG: alg, Rules: []Rule{{Dir: Out, Action: Accept}, {Dir: In, Action: Drop}}})
		l, _ := s.Listen(context.Background(), "198.51.100.21:21")
		accepted := make(chan net.Conn, 1)
		go func() { sc, _ := l.Accept(); accepted <- sc }()
		conn, err := c.Dial(context.Background(), "", "198.51.100.21:21")
		if err != nil {
			t.Fatal(err)
		}
		sc := <-accepted
		before := w.Elapsed()
		io.WriteString(conn, port+"\r\n")
		line, _ := bufio.NewReader(sc).ReadString('\n')
		if line != port+"\r\n" {
			t.Errorf("alg=%v: server read %q", alg, line)
		}
		var segs []string
		for _, e := range r.kinds(trace.Segment) {
			segs = append(segs, e.Text)
		}
		want := []string{"PO", "RT 192,0,2,10,7,209"}
		if alg {
			want = append(want, port)
		}
		if !reflect.DeepEqual(segs, want) {
			t.Errorf("alg=%v: segments %q, want %q", alg, segs, want)
		}
		expects, notes := r.kinds(trace.Expect), r.kinds(trace.Note)
		if alg {
			if len(expects) != 1 || len(notes) != 2 || !strings.Contains(notes[0].Text, "client-fw's FTP helper drops the segment: a partial PORT") {
				t.Errorf("with the helper: expects %+v, notes %+v", expects, notes)
			}
			if took := w.Elapsed() - before; took < minRTO {
				t.Errorf("the retransmission took %s, want at least %s", took, minRTO)
			}
		} else if len(expects) != 0 || len(notes) != 0 {
			t.Errorf("without a helper: expects %+v, notes %+v", expects, notes)
		}
		// The next command is not cut at its start by what came before.
		io.WriteString(conn, "RETR hello.txt\r\n")
		if line, _ := bufio.NewReader(sc).ReadString('\n'); line != "RETR hello.txt\r\n" {
			t.Errorf("next line %q", line)
		}
		conn.Close()
		sc.Close()
		l.Close()
		w.Close()
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
