package player

import "testing"

// TestStatusReports: OnStatus hears each step, only when something
// changed, and hears the end.
func TestStatusReports(t *testing.T) {
	var got []Status
	s := lesson(t, "passive")
	s.Guide = narrationOnly{s.Guide}
	p := New(s, Options{NoColor: true, OnStatus: func(st Status) { got = append(got, st) }})
	n := len(steps(s.Events)) // the transport's own packets are not steps
	press(p, "right", "right")
	if len(got) != 2 {
		t.Fatalf("two steps gave %d reports, want 2: %+v", len(got), got)
	}
	if last := got[1]; last.Step != 3 || last.Steps != n || last.Title != s.Header.Title || last.Finished {
		t.Errorf("after two steps: %+v, want step 3/%d, not finished", last, n)
	}
	press(p, "?", "?") // the help overlay moves nothing: no report
	if len(got) != 2 {
		t.Errorf("the help overlay reported %+v", got[2:])
	}
	press(p, "end")
	if last := got[len(got)-1]; last.Step != n || !last.Finished {
		t.Errorf("at the end: %+v, want step %d/%d finished", last, n, n)
	}
}
