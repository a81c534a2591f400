package player

import (
	"strings"
	"testing"
)

// TestFollowTheTeacher: under a lead the player goes to the teacher's
// step and no key runs ahead of it; back and the inspector still work;
// a release frees it.
func TestFollowTheTeacher(t *testing.T) {
	s := lesson(t, "passive")
	s.Guide = narrationOnly{s.Guide}
	p := New(s, Options{NoColor: true})
	p.Update(FollowMsg{Step: 5})
	if p.tr.i != 4 {
		t.Fatalf("following step 5: at %d, want 4", p.tr.i+1)
	}
	if !strings.Contains(screen(t, p), "teacher at 5") {
		t.Error("the title does not say the teacher leads")
	}
	for _, k := range []string{"right", "end", "9", "p"} {
		press(p, k)
		if p.tr.i != 4 || p.tr.playing {
			t.Errorf("%s under the lead: at step %d (playing %v), want 5", k, p.tr.i+1, p.tr.playing)
		}
	}
	press(p, "left", "left")
	if p.tr.i != 2 {
		t.Errorf("back twice: at step %d, want 3", p.tr.i+1)
	}
	press(p, "right")
	if p.tr.i != 3 {
		t.Errorf("catching up: at step %d, want 4", p.tr.i+1)
	}
	press(p, "i")
	if !p.inspect {
		t.Error("the inspector does not open under the lead")
	}
	p.Update(FollowMsg{Step: 8})
	if p.tr.i != 7 {
		t.Errorf("the teacher at 8: at step %d", p.tr.i+1)
	}
	p.Update(FollowMsg{})
	press(p, "right")
	if p.tr.i != 8 {
		t.Errorf("released: a step went to %d, want 9", p.tr.i+1)
	}
}

// TestFollowStopsAtAQuestion: the lead does not skip a prediction.
func TestFollowStopsAtAQuestion(t *testing.T) {
	p := New(lesson(t, "active-client-firewall"), Options{NoColor: true})
	p.Update(FollowMsg{Step: len(p.s.Events)})
	if p.q.asking == nil {
		t.Fatalf("a lead to the end skipped the questions (at step %d)", p.tr.i+1)
	}
}
