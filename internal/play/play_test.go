package play

import (
	"context"
	"errors"
	"io"
	"testing"

	"go.uber.org/goleak"

	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/sim/trace"
	"ftplab/tui/player"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// drain pulls every event of a feed, to its end.
func drain(t *testing.T, f player.Feed) []trace.Event {
	t.Helper()
	var got []trace.Event
	for {
		e, err := f.Next()
		if errors.Is(err, io.EOF) {
			return got
		}
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, e)
	}
}

// TestLessonFeedIsTheRun: a paced lesson, pulled one event at a time,
// gives exactly the events of the same lesson run at full speed, then EOF,
// with the lesson's words attached.
func TestLessonFeedIsTheRun(t *testing.T) {
	const name = "active-client-firewall"
	s, err := Lesson(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Feed.Close()
	got := drain(t, s.Feed)
	l, _ := lessons.Find(name)
	want, err := sim.Run(context.Background(), l.Scenario, sim.Options{Title: l.Title})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want.Events) {
		t.Fatalf("paced run gave %d events, the full-speed run %d", len(got), len(want.Events))
	}
	for i := range got {
		if got[i].Kind != want.Events[i].Kind || got[i].T != want.Events[i].T || got[i].Text != want.Events[i].Text {
			t.Fatalf("event %d: paced %+v, full speed %+v", i, got[i], want.Events[i])
		}
	}
	if s.Header.Title != l.Title || s.Guide == nil {
		t.Errorf("header %q, guide %v: want the lesson's title and words", s.Header.Title, s.Guide)
	}
}

// TestLessonFeedCloses: closing the feed mid-run ends it; nothing is left
// running (goleak checks).
func TestLessonFeedCloses(t *testing.T) {
	s, err := Lesson(context.Background(), "passive")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Feed.Next(); err != nil {
		t.Fatal(err)
	}
	s.Feed.Close()
	for k := 0; k < 10000; k++ {
		if _, err := s.Feed.Next(); err != nil {
			return
		}
	}
	t.Error("a closed feed kept giving events")
}

func TestUnknownLesson(t *testing.T) {
	if _, err := Lesson(context.Background(), "no-such-lesson"); err == nil {
		t.Error("an unknown lesson must be an error")
	}
}
