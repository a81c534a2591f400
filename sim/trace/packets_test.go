package trace_test

import (
	"fmt"
	"strings"
	"testing"

	"ftplab/sim/trace"
)

// flagsOf lists each packet as "who FLAGS len" for a compact comparison.
func flagsOf(pks []trace.Packet) string {
	var out []string
	for _, p := range pks {
		who := "A"
		if !p.FromDialer {
			who = "B"
		}
		out = append(out, fmt.Sprintf("%s:%s:%d", who, p.Flags, len(p.Payload)))
	}
	return strings.Join(out, " | ")
}

func ev(kind trace.Kind, host, from, to string, more ...func(*trace.Event)) trace.Event {
	e := trace.Event{Kind: kind, Conn: 1, Channel: trace.Data, Host: host, From: from, To: to}
	for _, m := range more {
		m(&e)
	}
	return e
}

func withBytes(n int64) func(*trace.Event) { return func(e *trace.Event) { e.Bytes = n } }

// TestPacketsFromTheTransportEvents: a 1.1 trace's own syn-ack, ack and
// fins make the handshake and a four-way close, each at its event; the
// same connection without them (1.0) gets them synthesized at connected
// and close.
func TestPacketsFromTheTransportEvents(t *testing.T) {
	const a, b = "192.0.2.10:49152", "198.51.100.21:30000"
	v11 := []trace.Event{
		ev(trace.SYN, "client", a, b),
		ev(trace.SYNACK, "server", b, a),
		ev(trace.ACK, "client", a, b),
		ev(trace.Connected, "client", a, b),
		ev(trace.Segment, "server", b, a, withBytes(3000)),
		ev(trace.Close, "server", b, a),
		ev(trace.FIN, "server", b, a),
		ev(trace.FIN, "client", a, b),
	}
	pks, err := trace.Packets(trace.Header{}, v11)
	if err != nil {
		t.Fatal(err)
	}
	want := "A:SYN:0 | B:SYN, ACK:0 | A:ACK:0 | B:ACK:1460 | B:ACK:1460 | A:ACK:0 | B:PSH, ACK:80 | A:ACK:0 | B:FIN, ACK:0 | A:ACK:0 | A:FIN, ACK:0 | B:ACK:0"
	if got := flagsOf(pks); got != want {
		t.Errorf("1.1 packets\n got %s\nwant %s", got, want)
	}
	for _, p := range pks {
		if k := v11[p.Event].Kind; (p.Flags&trace.FlagSYN != 0 && p.Flags&trace.FlagACK != 0 && k != trace.SYNACK) || (p.Flags&trace.FlagFIN != 0 && k != trace.FIN) {
			t.Errorf("packet [%s] belongs to a %s event", p.Flags, k)
		}
	}
	last := pks[len(pks)-1] // the dialer's FIN acknowledged: relative numbers count the SYN and the FINs
	if last.RelSeq != 3002 || last.RelAck != 2 {
		t.Errorf("last ACK seq %d ack %d (relative), want 3002 and 2", last.RelSeq, last.RelAck)
	}

	var v10 []trace.Event
	for _, e := range v11 {
		if !e.Kind.Transport() {
			v10 = append(v10, e)
		}
	}
	pks, err = trace.Packets(trace.Header{}, v10)
	if err != nil {
		t.Fatal(err)
	}
	want = "A:SYN:0 | B:SYN, ACK:0 | A:ACK:0 | B:ACK:1460 | B:ACK:1460 | A:ACK:0 | B:PSH, ACK:80 | A:ACK:0 | B:FIN, ACK:0 | A:FIN, ACK:0 | B:ACK:0"
	if got := flagsOf(pks); got != want {
		t.Errorf("1.0 packets\n got %s\nwant %s", got, want)
	}
}

// TestPacketsMidCapture: a connection a capture joined after its
// handshake (no SYN) has its packets from its "connected" on, and no
// handshake.
func TestPacketsMidCapture(t *testing.T) {
	const a, b = "10.0.0.1:40000", "10.0.0.2:21"
	events := []trace.Event{
		ev(trace.Note, "", "", ""),
		ev(trace.Connected, "client", a, b),
		ev(trace.Segment, "client", a, b, func(e *trace.Event) { e.Channel, e.Text, e.Bytes = trace.Control, "NOOP", 6 }),
		ev(trace.Segment, "server", b, a, func(e *trace.Event) { e.Channel, e.Text, e.Bytes = trace.Control, "200 NOOP ok.", 14 }),
	}
	pks, err := trace.Packets(trace.Header{Source: "import"}, events)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := flagsOf(pks), "A:PSH, ACK:6 | B:PSH, ACK:14"; got != want {
		t.Errorf("mid-capture packets %s, want %s", got, want)
	}
	if string(pks[0].Payload) != "NOOP\r\n" || pks[0].RelSeq != 1 || pks[1].RelAck != 7 {
		t.Errorf("first packet %q seq %d; second ack %d", pks[0].Payload, pks[0].RelSeq, pks[1].RelAck)
	}
}

// TestPacketsRefusedByRST: a 1.1 trace's rst before "refused" is the
// listener's RST/ACK, sequence 0, acknowledging the SYN; "refused" adds
// none.
func TestPacketsRefusedByRST(t *testing.T) {
	const a, b = "192.0.2.10:49152", "198.51.100.21:30000"
	pks, err := trace.Packets(trace.Header{}, []trace.Event{
		ev(trace.SYN, "client", a, b),
		ev(trace.RST, "server", b, a),
		ev(trace.Refused, "client", a, b),
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := flagsOf(pks); got != "A:SYN:0 | B:RST, ACK:0" {
		t.Fatalf("packets %s", got)
	}
	if pks[1].Seq != 0 || pks[1].Ack != pks[0].Seq+1 || pks[1].Event != 1 {
		t.Errorf("RST seq %d ack %d (SYN seq %d), event %d", pks[1].Seq, pks[1].Ack, pks[0].Seq, pks[1].Event)
	}
}
