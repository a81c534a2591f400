package netem

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"ftplab/sim/trace"
)

// fakeWire records what a fault does to its connection: no World, no
// sockets.
type fakeWire struct {
	calls   []string
	waitErr error
}

func (f *fakeWire) Note(text string) { f.calls = append(f.calls, "note "+text) }
func (f *fakeWire) Wait(d time.Duration) error {
	f.calls = append(f.calls, "wait "+d.String())
	return f.waitErr
}
func (f *fakeWire) Reset(reason string) error {
	f.calls = append(f.calls, "reset "+reason)
	return errReset()
}

// plan cuts writes of the given sizes from host "client" on a connection
// carrying faults, as the link does, and lists each piece's size and the
// faults due after it.
func plan(ch trace.Channel, faults []Fault, writes ...int) []string {
	p := newPair(nil, 1, ch, Link{Faults: faults})
	c := &conn{p: p, host: &Host{name: "client"}}
	var out []string
	for _, n := range writes {
		var w []string
		for _, pc := range p.cut(c, n) {
			s := fmt.Sprint(pc.n)
			for _, st := range pc.due {
				s += fmt.Sprintf("+%T", st)
			}
			w = append(w, s)
		}
		out = append(out, strings.Join(w, " "))
	}
	return out
}

// TestCutActsAtTheExactByte: the link cuts writes where the faults act,
// across writes, each fault once, in the order given at the same byte.
func TestCutActsAtTheExactByte(t *testing.T) {
	for _, tt := range []struct {
		name   string
		ch     trace.Channel
		faults []Fault
		writes []int
		want   []string
	}{
		{"none", trace.Data, nil, []int{1000}, []string{"1000"}},
		{"stall then reset in one write", trace.Data, []Fault{Stall{After: 100, For: time.Second}, Reset{After: 300}}, []int{1000},
			[]string{"100+netem.Stall 200+netem.Reset 700"}},
		{"stall across writes", trace.Data, []Fault{Stall{After: 150, For: time.Second}}, []int{100, 100, 100},
			[]string{"100", "50+netem.Stall 50", "100"}},
		{"both at one byte, in order", trace.Data, []Fault{Stall{After: 64, For: time.Second}, Reset{After: 64}}, []int{64, 10},
			[]string{"64+netem.Stall+netem.Reset", "10"}},
		{"stall and reset leave control alone", trace.Control, []Fault{Stall{After: 1, For: time.Second}, Reset{After: 2}}, []int{30},
			[]string{"30"}},
		{"an empty write", trace.Data, []Fault{Reset{After: 5}}, []int{0}, []string{"0"}},
	} {
		if got := plan(tt.ch, tt.faults, tt.writes...); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestStallOnAFakeWire(t *testing.T) {
	s := Stall{After: 64 << 10, For: 10 * time.Second}
	if s.Start(trace.Control) != nil || (Stall{For: time.Second}).Start(trace.Data) != nil {
		t.Error("a stall on a control connection, or one with no point")
	}
	st := s.Start(trace.Data)
	if st.At(0) != 64<<10 || st.At(64<<10-1) != 64<<10 || st.At(64<<10) != -1 {
		t.Errorf("At: %d %d %d", st.At(0), st.At(64<<10-1), st.At(64<<10))
	}
	w := &fakeWire{}
	if err := st.Act(w); err != nil {
		t.Fatal(err)
	}
	want := []string{"note link stalls for 10s after 65536 bytes", "wait 10s", "note link resumes after a stall of 10s"}
	if !reflect.DeepEqual(w.calls, want) {
		t.Errorf("calls %q, want %q", w.calls, want)
	}
	// An end gave up during the wait: no resume, the error goes to the writer.
	gaveUp := errors.New("gave up")
	w = &fakeWire{waitErr: gaveUp}
	if err := st.Act(w); err != gaveUp || len(w.calls) != 2 {
		t.Errorf("err %v, calls %q", err, w.calls)
	}
}

func TestResetOnAFakeWire(t *testing.T) {
	r := Reset{After: 1000}
	if r.Start(trace.Control) != nil || (Reset{}).Start(trace.Data) != nil {
		t.Error("a reset on a control connection, or one with no point")
	}
	st := r.Start(trace.Data)
	if st.At(999) != 1000 || st.At(1000) != -1 {
		t.Errorf("At: %d %d", st.At(999), st.At(1000))
	}
	w := &fakeWire{}
	if err := st.Act(w); err == nil || !reflect.DeepEqual(w.calls, []string{"reset link reset the connection after 1000 bytes"}) {
		t.Errorf("err %v, calls %q", err, w.calls)
	}
}
