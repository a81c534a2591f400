package capture

import (
	"fmt"
	"net/netip"
	"testing"
	"time"
)

// seg is a payload segment of the server's direction for these tests.
func seg(n int, seq uint32, size, wire int) segment {
	return segment{n: n, at: time.Unix(0, int64(n)*int64(time.Second)), src: netip.MustParseAddrPort("10.0.0.2:40000"), dst: netip.MustParseAddrPort("10.0.0.1:50000"),
		ack: true, seq: seq, payload: make([]byte, size), length: wire}
}

func summary(cs []chunk) string {
	s := ""
	for _, c := range cs {
		kind := "data"
		if c.gap {
			kind = "gap"
			if c.cut {
				kind = "cut"
			}
		}
		s += fmt.Sprintf("%s %d @%d; ", kind, c.n, c.pkt)
	}
	return s
}

func TestStream(t *testing.T) {
	var isn uint32 = 0xFFFFF000 // the stream wraps past 2^32 after 4095 bytes
	tests := []struct {
		name string
		segs []segment
		want string
	}{
		{"in order across the wrap", []segment{seg(2, isn+1, 3000, 3000), seg(3, isn+3001, 3000, 3000)}, "data 3000 @2; data 3000 @3; "},
		{"out of order", []segment{seg(2, isn+3001, 3000, 3000), seg(3, isn+1, 3000, 3000)}, "data 3000 @3; data 3000 @3; "},
		{"retransmission counted once", []segment{seg(2, isn+1, 3000, 3000), seg(3, isn+1, 3000, 3000), seg(4, isn+3001, 10, 10)}, "data 3000 @2; data 10 @4; "},
		{"partial overlap", []segment{seg(2, isn+1, 3000, 3000), seg(3, isn+2001, 2000, 2000)}, "data 3000 @2; data 1000 @3; "},
		{"a hole", []segment{seg(2, isn+1, 1000, 1000), seg(3, isn+5001, 1000, 1000)}, "data 1000 @2; gap 4000 @3; data 1000 @3; "},
		{"snap length", []segment{seg(2, isn+1, 100, 1460), seg(3, isn+1461, 100, 1460)}, "data 100 @2; cut 1360 @2; data 100 @3; cut 1360 @3; "},
		{"a hole filled later", []segment{seg(2, isn+1001, 1000, 1000), seg(3, isn+1, 1000, 1000)}, "data 1000 @3; data 1000 @3; "},
		{"past 2 GiB in steps", []segment{seg(2, isn+1, 10, 10), seg(3, isn+1+1<<30, 10, 10), seg(4, isn+1+2<<30, 10, 10), seg(5, isn+1+3<<30, 10, 10), seg(6, isn+1, 10, 10)}, ""},
	}
	for _, tt := range tests {
		f := &conn{a: netip.MustParseAddrPort("10.0.0.1:50000"), b: netip.MustParseAddrPort("10.0.0.2:40000"), keep: true}
		d := &f.dir[1]
		syn := seg(1, isn, 0, 0)
		syn.syn = true
		d.add(syn, f, 1)
		for _, s := range tt.segs {
			d.add(s, f, 1)
		}
		got := summary(d.stream())
		if tt.name == "past 2 GiB in steps" {
			// Four steps of 1 GiB: the last one's raw sequence number is the
			// first one's again, 4 GiB on (not 0 bytes back).
			total := int64(0)
			for _, c := range d.stream() {
				total += c.n
			}
			if total != 4<<30+10 {
				t.Errorf("%s: %d bytes by sequence, want %d (%s)", tt.name, total, int64(4<<30+10), got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.name, got, tt.want)
		}
	}
}
