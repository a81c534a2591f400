package play

import (
	"context"
	"strings"
	"testing"

	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// TestLessonShowsItsListing: a lesson whose client lists hands the player
// the listing, placed at the paced run's close of the data connection
// that carried it; its get's line is the sandbox's only.
func TestLessonShowsItsListing(t *testing.T) {
	s, err := Lesson(context.Background(), "two-channels")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Feed.Close()
	evs := drain(t, s.Feed)
	if len(s.Received) != 1 || s.Received[0].Command != "ls" || !strings.Contains(s.Received[0].Text, " hello.txt\r\n") {
		t.Fatalf("received %+v, want the lesson's listing only", s.Received)
	}
	rc := s.Received[0]
	if e := evs[rc.At]; e.Kind != trace.Close || e.Conn != rc.Conn || e.Channel != trace.Data {
		t.Errorf("the listing is placed at %s, want the close of data #%d", trace.Describe(e), rc.Conn)
	}
}

// TestSandboxHandsOnWhatWasReceived: a sandbox run gives the player every
// command's answer, the get's included.
func TestSandboxHandsOnWhatWasReceived(t *testing.T) {
	s, err := Sandbox(context.Background())(scenario.Scenario{Mode: "active", Script: []string{"nlst", "get hello.txt"}}, "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(s.Received) != 2 || s.Received[0].Text != "hello.txt\r\n" || !strings.Contains(s.Received[1].Text, "the same as the server's hello.txt") {
		t.Errorf("received %+v", s.Received)
	}
}
