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
