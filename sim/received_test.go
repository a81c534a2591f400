package sim

import (
	"context"
	"strings"
	"testing"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// TestReceived: each command's answer is kept with the event by which it
// had all arrived, as the client got it (a hostile name's bytes included).
func TestReceived(t *testing.T) {
	hostile := "\x1b]0;pwned\x07x.txt"
	for _, tc := range []struct {
		name string
		sc   scenario.Scenario
		want []string // per command: a piece its text must hold ("" none expected)
		kind []trace.Kind
	}{
		{"passive ls then get", scenario.Scenario{Mode: ftp.ModePassive, Script: []string{"ls", "get hello.txt"}},
			[]string{" hello.txt\r\n", "4134 bytes received, sha256 4c605b02fdbc46d2…: the same as the server's hello.txt"},
			[]trace.Kind{trace.Close, trace.Close}},
		{"active nlst", scenario.Scenario{Mode: ftp.ModeActive, Script: []string{"nlst"}},
			[]string{"hello.txt\r\n"}, []trace.Kind{trace.Close}},
		{"a hostile name, kept as sent", scenario.Scenario{Mode: ftp.ModePassive, Script: []string{"put " + hostile, "ls"}},
			[]string{"3136 bytes sent", " " + hostile + "\r\n"}, []trace.Kind{trace.Segment, trace.Close}},
		{"a 550 gets nothing", scenario.Scenario{Mode: ftp.ModePassive, Script: []string{"get nosuch.txt"}, Expect: "fail"}, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Run(context.Background(), tc.sc, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(s.Received) != len(tc.want) {
				t.Fatalf("%d received, want %d: %+v", len(s.Received), len(tc.want), s.Received)
			}
			last := -1
			for k, rc := range s.Received {
				if !strings.Contains(rc.Text, tc.want[k]) {
					t.Errorf("%s: %q lacks %q", rc.Command, rc.Text, tc.want[k])
				}
				e := s.Events[rc.Event]
				if e.Kind != tc.kind[k] || rc.Event <= last {
					t.Errorf("%s: at event %d (%s), want a %s after %d", rc.Command, rc.Event, trace.Describe(e), tc.kind[k], last)
				}
				if e.Kind != trace.Segment && e.Conn != rc.Conn {
					t.Errorf("%s: at an event of conn %d, its data came on %d", rc.Command, e.Conn, rc.Conn)
				}
				// Nothing of it may show before its bytes were on the wire.
				var moved int64
				for _, x := range s.Events[:rc.Event+1] {
					if x.Kind == trace.Segment && x.Conn == rc.Conn {
						moved += x.Bytes
					}
				}
				if moved != rc.Bytes {
					t.Errorf("%s: %d bytes by event %d, the client counts %d", rc.Command, moved, rc.Event, rc.Bytes)
				}
				last = rc.Event
			}
		})
	}
}

// TestReceivedBeforeAReset: a reset throws away what the client had not
// read yet (as TCP does), so how much a get got varies; it is never more
// than the wire carried by the reset, and says the transfer failed.
func TestReceivedBeforeAReset(t *testing.T) {
	sc := scenario.Scenario{Mode: ftp.ModePassive, FileSize: 256 << 10, ResetAfter: 96 << 10, Script: []string{"get hello.txt"}, Expect: "fail"}
	for range 5 {
		s, err := Run(context.Background(), sc, Options{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Received) == 0 {
			continue // nothing read before the reset: nothing to show
		}
		rc := s.Received[0]
		if e := s.Events[rc.Event]; e.Kind != trace.Reset {
			t.Errorf("shown at %s, want the reset", trace.Describe(e))
		}
		if rc.Bytes <= 0 || rc.Bytes > 96<<10 || !strings.HasSuffix(rc.Text, "before the transfer failed (the server's hello.txt has 262144 bytes)") {
			t.Errorf("%d bytes: %q", rc.Bytes, rc.Text)
		}
	}
}
