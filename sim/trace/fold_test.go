package trace

import "testing"

// TestFold: one connection's life as the fold tells it, with the verdict
// that decided, and the rate of its bytes in virtual time.
func TestFold(t *testing.T) {
	evs := []Event{
		{Kind: SYN, Conn: 2, Channel: Data, Host: "server", From: "s:20", To: "c:2001"},
		{Kind: Verdict, Conn: 2, Box: "server-fw", Verdict: "accept", Rule: "rule 1: accept out"},
		{Kind: Verdict, Conn: 2, Box: "client-fw", Verdict: "drop", Rule: "rule 3: drop in", State: "NEW"},
		{Kind: Retransmit, Conn: 2, Attempt: 1},
		{Kind: Timeout, Conn: 2, Box: "client-fw", Rule: "rule 3: drop in"},
		{Kind: SYN, Conn: 3, Channel: Data, Host: "client", From: "c:5000", To: "s:30000"},
		{Kind: Refused, Conn: 3},
		{Kind: SYN, Conn: 4, Channel: Data, Host: "client", From: "c:5001", To: "s:30001"},
		{Kind: Connected, Conn: 4},
		{Kind: Segment, Conn: 4, Host: "server", Bytes: 1000, T: 1_000_000},
		{Kind: Segment, Conn: 4, Host: "server", Bytes: 1000, T: 2_000_000},
		{Kind: Segment, Conn: 4, Host: "server", Bytes: 1000, T: 3_000_000},
		{Kind: Close, Conn: 4},
		{Kind: Segment, Conn: 99, Bytes: 5}, // no SYN seen: ignored
	}
	f := FoldAll(evs)
	if len(f.Conns) != 3 || f.Conn(99) != nil {
		t.Fatalf("%d connections, conn 99 %v: want 3 and none", len(f.Conns), f.Conn(99))
	}
	d := f.Conn(2)
	if d.Status != StatusDropped || d.Dial != StatusDropped || d.Box != "client-fw" || d.Rule != "rule 3: drop in" || d.State != "NEW" || d.Attempts != 1 {
		t.Errorf("dropped: %+v", d)
	}
	if box, _, ok := d.Blocked(); !ok || box != "client-fw" {
		t.Errorf("dropped conn not blocked by client-fw: %s %v", box, ok)
	}
	if r := f.Conn(3); r.Status != StatusRefused || r.Status.String() != "refused" {
		t.Errorf("nobody listening: %s", r.Status)
	}
	c := f.Conn(4)
	if c.Status != StatusClosed || c.Dial != StatusConnected || c.Bytes != 3000 || c.Rate() != 1000 {
		t.Errorf("transfer: status %s dial %s bytes %d rate %.0f; want closed, connected, 3000, 1000", c.Status, c.Dial, c.Bytes, c.Rate())
	}
	if _, _, ok := c.Blocked(); ok {
		t.Error("a connected conn is not blocked")
	}
}

// TestFoldJoinsMidstream: a capture that starts after a connection's
// handshake gives it a connected event and no SYN; the fold takes it as
// open from there, so its bytes count everywhere the fold is used.
func TestFoldJoinsMidstream(t *testing.T) {
	f := FoldAll([]Event{
		{Kind: Note, Conn: 1, Host: "client", Text: "the capture starts after this control connection's handshake"},
		{Kind: Connected, Conn: 1, Channel: Control, Host: "client", From: "c:40000", To: "s:21", T: 7},
		{Kind: Segment, Conn: 1, Channel: Control, Host: "server", Bytes: 20, Text: "226 Transfer complete.", T: 9},
	})
	c := f.Conn(1)
	if c == nil {
		t.Fatal("the connection joined midstream is not in the fold")
	}
	if !c.Midstream || c.Status != StatusConnected || c.Opened != 7 || c.Bytes != 20 || c.Sender != "server" || c.Dialer != "client" {
		t.Errorf("midstream: %+v", c)
	}
}
