package tui

import (
	"context"
	"strings"
	"testing"

	"ftplab/internal/play"
	"ftplab/tui/player"
)

// TestLeadOpensAndFollows: a lead opens the lesson from the menu (or
// from another lesson) and the player follows the teacher's step; a
// release frees it.
func TestLeadOpensAndFollows(t *testing.T) {
	ctx := context.Background()
	m := NewMenu(items(t), func(name string) (player.Session, error) { return play.Lesson(ctx, name) }, opts)
	a := NewApp(m)
	send(t, a, keyMsg("enter")) // the student is in lesson 1
	send(t, a, LeadMsg{Lesson: "passive", Step: 4})
	if m.Playing() != "passive" || !strings.Contains(screen(a), "teacher at 4") || !strings.Contains(screen(a), "step 4/") {
		t.Fatalf("led to passive step 4, the student sees (menu playing %q):\n%s", m.Playing(), screen(a))
	}
	send(t, a, keyMsg("right"))
	if !strings.Contains(screen(a), "step 4/") {
		t.Errorf("a step ran ahead of the teacher:\n%s", screen(a))
	}
	send(t, a, LeadMsg{Lesson: "passive", Step: 6})
	if !strings.Contains(screen(a), "step 6/") {
		t.Errorf("the teacher at 6:\n%s", screen(a))
	}
	send(t, a, LeadMsg{})
	send(t, a, keyMsg("right"))
	if !strings.Contains(screen(a), "step 7/") || strings.Contains(screen(a), "teacher at") {
		t.Errorf("released, a step should go on to 7:\n%s", screen(a))
	}
}

// TestLeadWhileOpening: the teacher steps on while the lesson is still
// opening on the student's side: one player opens, at the latest step,
// and does not run on past it as the live run's events come in.
func TestLeadWhileOpening(t *testing.T) {
	ctx := context.Background()
	m := NewMenu(items(t), func(name string) (player.Session, error) { return play.Lesson(ctx, name) }, opts)
	a := NewApp(m)
	_, opening := a.Update(LeadMsg{Lesson: "passive", Step: 1})
	send(t, a, LeadMsg{Lesson: "passive", Step: 2})
	for _, msg := range run(opening) {
		send(t, a, msg)
	}
	if len(a.stack) != 2 {
		t.Fatalf("%d screens on the stack, want the menu and one player", len(a.stack))
	}
	for range 3 {
		send(t, a, player.FollowMsg{Step: 2}) // as a repeated lead would
	}
	if s := screen(a); !strings.Contains(s, "teacher at 2") || !strings.Contains(s, "step 2/") {
		t.Errorf("want the student at the teacher's step 2:\n%s", s)
	}
}
