package lessons

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ftplab/sim"
	"ftplab/sim/trace"
)

// TestPlayerAndHeadlessNarrateAlike plays every lesson three ways: as the
// player does live (seeing only the events so far), as it does a replay
// (all events), and headless (the printed transcript). Each must give the
// same narration, in the same order, and the introduction must come first.
func TestPlayerAndHeadlessNarrateAlike(t *testing.T) {
	ls, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		t.Run(l.Name, func(t *testing.T) {
			s, err := sim.Run(context.Background(), l.Scenario, sim.Options{Title: l.Title})
			if err != nil {
				t.Fatal(err)
			}
			want := texts(l.Narrate(s.Events))
			if l.Intro == "" || len(want) == 0 || want[0] != l.Intro {
				t.Fatalf("the introduction is not the first thing narrated: %q", want)
			}
			var live, replay []string
			for i := range s.Events {
				if n := l.Narration(i, s.Events[:i+1]); n != "" {
					live = append(live, strings.Split(n, "\n\n")...)
				}
				if n := l.Narration(i, s.Events); n != "" {
					replay = append(replay, strings.Split(n, "\n\n")...)
				}
			}
			var out bytes.Buffer
			if err := WriteNarrated(&out, l, s.Events); err != nil {
				t.Fatal(err)
			}
			headless := headlessTexts(out.String())
			for name, got := range map[string][]string{"live": live, "replay": replay, "headless": headless} {
				if strings.Join(got, "\n\n") != strings.Join(plainAll(want), "\n\n") && name == "headless" ||
					strings.Join(got, "\n\n") != strings.Join(want, "\n\n") && name != "headless" {
					t.Errorf("%s narration differs from Narrate:\n got %q\nwant %q", name, got, want)
				}
			}
		})
	}
}

// TestSectionOnEventZeroFollowsTheIntro: a section about the first event
// speaks after the introduction; it never replaces it.
func TestSectionOnEventZeroFollowsTheIntro(t *testing.T) {
	l, err := Parse("t.md", []byte("---\ntitle: T\n---\nThe intro.\n## on start\nStart section speaks for {host}.\n"))
	if err != nil {
		t.Fatal(err)
	}
	evs := []trace.Event{{Kind: trace.Listen, Host: "server", From: "198.51.100.21:21"}, {Kind: trace.Result, Verdict: "ok"}}
	got := texts(l.Narrate(evs))
	want := []string{"The intro.", "Start section speaks for server."}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Narrate = %q, want %q", got, want)
	}
	if n := l.Narration(0, evs); n != "The intro.\n\nStart section speaks for server." {
		t.Errorf("Narration(0) = %q", n)
	}
	var out bytes.Buffer
	WriteNarrated(&out, l, evs)
	if h := headlessTexts(out.String()); strings.Join(h, "|") != strings.Join(want, "|") {
		t.Errorf("headless = %q, want %q", h, want)
	}
}

func texts(ns []Narrated) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i] = n.Text
	}
	return out
}

func plainAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = Plain(s)
	}
	return out
}

// headlessTexts reads the narration back out of WriteNarrated's output:
// the introduction (between the title's underline and the first event),
// then each run of "| " lines.
func headlessTexts(out string) []string {
	lines := strings.Split(out, "\n")
	var got []string
	k := 2
	var intro []string
	for ; k < len(lines) && !strings.HasPrefix(lines[k], "   ") && !strings.HasPrefix(lines[k], "  ?"); k++ {
		intro = append(intro, lines[k])
	}
	if s := strings.TrimSpace(strings.Join(intro, "\n")); s != "" {
		got = append(got, s)
	}
	var cur []string
	flush := func() {
		if cur != nil {
			got = append(got, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for ; k < len(lines); k++ {
		if t, ok := strings.CutPrefix(lines[k], "            | "); ok {
			cur = append(cur, t)
			continue
		}
		flush()
	}
	flush()
	return got
}

// TestNarrationMapGolden keeps, per lesson, a map of what is said where:
// each narrated step's event index, the event as the transcript describes
// it, and the words. A change to a lesson or to the simulation that moves a
// sentence to another event shows here; read the diff line by line
// (go test ./lessons -run NarrationMap -update rewrites them).
func TestNarrationMapGolden(t *testing.T) {
	ls, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		t.Run(l.Name, func(t *testing.T) {
			s, err := sim.Run(context.Background(), l.Scenario, sim.Options{Title: l.Title})
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			fmt.Fprintf(&b, "# %s: %d events\n", l.Name, len(s.Events))
			for _, n := range l.Narrate(s.Events) {
				what := "intro"
				if !n.Intro {
					what = "says"
				}
				fmt.Fprintf(&b, "\n[%d] %s  %s\n%s:\n", n.Event, trace.Seconds(s.Events[n.Event].T), trace.Describe(s.Events[n.Event]), what)
				for _, ln := range strings.Split(Plain(n.Text), "\n") { // as headless prints it
					fmt.Fprintf(&b, "    %s\n", ln)
				}
			}
			for i, p := range l.Predictions {
				fmt.Fprintf(&b, "\nprediction %d asked before [%d]: %s\n", i+1, newView(s.Events).first(p.hook), p.Question)
			}
			path := filepath.Join("testdata", "narration", l.Name+".golden")
			if *update {
				os.MkdirAll(filepath.Dir(path), 0o755)
				os.WriteFile(path, b.Bytes(), 0o644)
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("narration map differs from %s (go test -update rewrites it):\n%s", path, b.String())
			}
		})
	}
}
