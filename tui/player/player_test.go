package player

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/sim/trace"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata")

func updating() bool { return *update }

// lesson runs a lesson's scenario and returns it as a replay with the
// lesson's words and questions.
func lesson(t testing.TB, name string) Session {
	t.Helper()
	l, err := lessons.Find(name)
	if err != nil {
		t.Fatal(err)
	}
	run, err := sim.Run(context.Background(), l.Scenario, sim.Options{Title: l.Title})
	if err != nil {
		t.Fatal(err)
	}
	return Session{Header: run.Header, Events: run.Events, Guide: lessonGuide{l}}
}

// lessonGuide asks the lesson, as the real guide in internal/play does
// (which this package's tests cannot import: it imports the player).
type lessonGuide struct{ l *lessons.Lesson }

func (g lessonGuide) Narration(i int, evs []trace.Event) string { return g.l.Narration(i, evs) }
func (g lessonGuide) FormattedNarration(i int, evs []trace.Event, width int, paint func(string, Markup) string) string {
	return lessons.Format(g.l.Narration(i, evs), width, "\n", func(s string, st lessons.Style) string {
		return paint(s, Markup{Strong: st.Strong, Emphasis: st.Emphasis, Code: st.Code})
	})
}
func (g lessonGuide) Question(i int, evs []trace.Event) *Question {
	if p := g.l.PredictionAt(i, evs); p != nil {
		return &Question{Question: p.Question, Choices: p.Choices, Answer: p.Answer, Explain: p.Explain}
	}
	return nil
}

// narrationOnly keeps a guide's words and drops its questions.
type narrationOnly struct{ Guide }

func (narrationOnly) Question(int, []trace.Event) *Question { return nil }
func (n narrationOnly) FormattedNarration(i int, evs []trace.Event, width int, paint func(string, Markup) string) string {
	return n.Guide.(MarkdownGuide).FormattedNarration(i, evs, width, paint)
}

// sized is a player on s at a size.
func sized(s Session, o Options, w, h int) *Player {
	p := New(s, o)
	p.SetSize(w, h)
	return p
}

// seekTo puts the player at the first event matching ok, at rest.
func seekTo(p *Player, ok func(e trace.Event) bool) {
	for i, e := range p.s.Events {
		if ok(e) {
			p.step(i - p.tr.i)
			p.tr.frame = animFrames
			return
		}
	}
}

func press(p *Player, keys ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		case "left":
			msg = tea.KeyPressMsg{Code: tea.KeyLeft}
		case "esc":
			msg = tea.KeyPressMsg{Code: tea.KeyEscape}
		case "end":
			msg = tea.KeyPressMsg{Code: tea.KeyEnd}
		default:
			msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
		}
		_, cmd = p.Update(msg)
	}
	return cmd
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if updating() {
		os.WriteFile(path, []byte(got), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden screen (go test -update rewrites it):\n%s", name, got)
	}
}

// screen renders plain text (no colour) and checks the frame's size.
func screen(t *testing.T, p *Player) string {
	t.Helper()
	out := p.Render()
	lines := strings.Split(out, "\n")
	if len(lines) != p.h {
		t.Errorf("%d lines, want %d", len(lines), p.h)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > p.w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i, w, p.w, ansi.Strip(l))
		}
	}
	return ansi.Strip(out)
}

func TestGoldenScreens(t *testing.T) {
	isDrop := func(e trace.Event) bool { return e.Kind == trace.Verdict && e.Verdict == "drop" }
	isTimeout := func(e trace.Event) bool { return e.Kind == trace.Timeout }
	isResult := func(e trace.Event) bool { return e.Kind == trace.Result }
	isRewrite := func(e trace.Event) bool { return e.Kind == trace.Rewrite }
	tests := []struct {
		lesson string
		at     string
		seek   func(trace.Event) bool
	}{
		{"active-client-firewall", "start", nil},
		{"active-client-firewall", "drop", isDrop},
		{"active-client-firewall", "timeout", isTimeout},
		{"active-client-firewall", "end", isResult},
		{"ftp-helper", "rewrite", isRewrite},
		{"server-nat", "timeout", isTimeout},
	}
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		for _, tt := range tests {
			name := fmt.Sprintf("%s-%s-%dx%d", tt.lesson, tt.at, size[0], size[1])
			t.Run(name, func(t *testing.T) {
				p := sized(lesson(t, tt.lesson), Options{NoColor: true}, size[0], size[1])
				p.tr.frame = animFrames
				if tt.seek != nil {
					seekTo(p, tt.seek)
				}
				golden(t, name, screen(t, p))
			})
		}
	}
}

func TestPredictionAskedAndAnswered(t *testing.T) {
	p := New(lesson(t, "active-client-firewall"), Options{NoColor: true})
	for k := 0; k < 100 && p.q.asking == nil; k++ {
		press(p, "right")
	}
	if p.q.asking == nil {
		t.Fatal("stepping through the lesson never asked its prediction")
	}
	before := p.tr.i
	golden(t, "prediction-80x24", screen(t, p))
	press(p, "right") // before an answer: the player says so and stays
	if p.q.asking == nil || p.tr.i != before || !strings.Contains(screen(t, p), "answer first: press 1-") {
		t.Errorf("a step key before the answer must stay on the question and say to answer first:\n%s", screen(t, p))
	}
	press(p, "1") // wrong
	if !strings.Contains(screen(t, p), "Not quite: it is 2.") {
		t.Errorf("a wrong answer must be told the right one:\n%s", screen(t, p))
	}
	press(p, "right") // any key: see it happen
	if p.q.asking != nil || p.tr.i != before+1 || p.s.Events[p.tr.i].Kind != trace.SYN {
		t.Errorf("after answering, the player should show the SYN the question was about (i=%d %s)", p.tr.i, p.s.Events[p.tr.i].Kind)
	}
}

func TestKeys(t *testing.T) {
	p := New(lesson(t, "passive"), Options{NoColor: true})
	n := len(p.s.Events)
	press(p, "right", "right", "right")
	if p.tr.i != 3 {
		t.Errorf("three steps: i=%d, want 3", p.tr.i)
	}
	press(p, "left")
	if p.tr.i != 2 {
		t.Errorf("back: i=%d, want 2", p.tr.i)
	}
	press(p, "end")
	if p.tr.i != n-1 {
		t.Errorf("end: i=%d, want %d", p.tr.i, n-1)
	}
	press(p, "g")
	if p.tr.i != 0 {
		t.Errorf("start: i=%d, want 0", p.tr.i)
	}
	press(p, "5")
	if want := (n - 1) / 2; p.tr.i != want {
		t.Errorf("seek 50%%: i=%d, want %d", p.tr.i, want)
	}
	press(p, "?")
	if !strings.Contains(screen(t, p), "seek 0-90%") {
		t.Error("? should show the full help")
	}
	if cmd := press(p, "q"); cmd == nil || cmd() != tea.Quit() {
		t.Error("q should quit")
	}
}

// TestIdleMeansNoTicks: at rest, nothing asks for another frame.
func TestIdleMeansNoTicks(t *testing.T) {
	p := New(lesson(t, "passive"), Options{NoColor: true})
	cmd := press(p, "right")
	if cmd == nil {
		t.Fatal("a step should animate")
	}
	for k := 0; k < animFrames+2 && cmd != nil; k++ {
		_, cmd = p.Update(cmd())
	}
	if cmd != nil {
		t.Error("after the animation the player still schedules ticks")
	}
	if _, cmd := p.Update(tea.WindowSizeMsg{Width: 100, Height: 30}); cmd != nil {
		t.Error("a resize at rest must not start ticking")
	}
}

// sliceFeed hands out events one Next at a time and counts the asks.
type sliceFeed struct {
	evs    []trace.Event
	asked  int
	closed bool
}

func (f *sliceFeed) Next() (trace.Event, error) {
	f.asked++
	if len(f.evs) == 0 {
		return trace.Event{}, io.EOF
	}
	e := f.evs[0]
	f.evs = f.evs[1:]
	return e, nil
}

func (f *sliceFeed) Close() error { f.closed = true; return nil }

// TestLiveSession: the player asks its feed for one event at a time, only
// when the learner steps past the last one it has, and stops at EOF.
func TestLiveSession(t *testing.T) {
	full := lesson(t, "passive")
	f := &sliceFeed{evs: full.Events[:3]}
	want := len(steps(full.Events[:3])) // the handshake's syn-ack is a packet, not a step
	p := New(Session{Header: full.Header, Feed: f}, Options{NoColor: true})
	cmd := p.Init()
	for k := 0; k < 10 && cmd != nil; k++ {
		msg := cmd()
		stepsBefore := len(p.s.Events)
		_, cmd = p.Update(msg)
		if _, ok := msg.(feedMsg); ok {
			if f.asked != len(p.ev.all) {
				t.Fatalf("%d asks for %d events: the player asked ahead", f.asked, len(p.ev.all))
			}
			if len(p.s.Events) > stepsBefore { // a packet asks for the next event itself; a step waits for the learner
				cmd = p.forward()
			}
		}
	}
	if len(p.s.Events) != want || !p.feedDone || p.feedErr != nil {
		t.Errorf("live: got %d steps, done=%v err=%v; want %d, true, nil", len(p.s.Events), p.feedDone, p.feedErr, want)
	}
	press(p, "q")
	if !f.closed {
		t.Error("quitting must close the feed")
	}
}

func BenchmarkView(b *testing.B) {
	p := sized(lesson(b, "ftp-helper"), Options{}, 120, 40)
	seekTo(p, func(e trace.Event) bool { return e.Kind == trace.Segment && e.Channel == trace.Data })
	p.tr.frame = animFrames / 2 // mid-animation
	var buf bytes.Buffer
	for b.Loop() {
		p.tr.frame = (p.tr.frame + 1) % animFrames // a new frame each time, as the animation draws
		buf.Reset()
		buf.WriteString(p.Render())
	}
}

// BenchmarkViewStep: the first frame of a new step, which composes the
// whole screen (narration, transcript, timeline) once.
func BenchmarkViewStep(b *testing.B) {
	p := sized(lesson(b, "ftp-helper"), Options{}, 120, 40)
	p.s.Guide = narrationOnly{p.s.Guide}
	for b.Loop() {
		if !p.step(1) {
			p.step(-len(p.s.Events))
		}
		_ = p.Render()
	}
}

// TestFramesMatchAFreshScreen: a frame drawn from the kept screen (only
// the connection rows redrawn) is the screen composed from scratch.
func TestFramesMatchAFreshScreen(t *testing.T) {
	for _, name := range []string{"active-client-firewall", "client-nat", "tls-blinds-helper"} {
		for _, size := range [][2]int{{80, 24}, {120, 40}} {
			p := sized(lesson(t, name), Options{}, size[0], size[1])
			p.s.Guide = narrationOnly{p.s.Guide}
			for p.step(1) {
				for _, f := range []int{0, animFrames / 3, animFrames - 1, animFrames} {
					p.tr.frame = f
					kept := p.Render()
					p.scr.text = ""
					if fresh := p.Render(); kept != fresh {
						t.Fatalf("%s %dx%d step %d frame %d: kept frame differs from a fresh one:\n%s\n---\n%s", name, size[0], size[1], p.tr.i, f, ansi.Strip(kept), ansi.Strip(fresh))
					}
				}
			}
		}
	}
}

// longSession is a replay of the passive lesson with its data transfer cut
// into n segments, as a long recorded session would hold them.
func longSession(b testing.TB, n int) Session {
	s := lesson(b, "passive")
	s.Guide = nil
	var evs []trace.Event
	for _, e := range s.Events {
		if e.Kind == trace.Segment && e.Channel == trace.Data {
			seg := e
			seg.Bytes = 1460
			for k := 0; k < n; k++ {
				evs = append(evs, seg)
			}
			continue
		}
		evs = append(evs, e)
	}
	for k := range evs {
		evs[k].Seq = k
	}
	s.Events = evs
	return s
}

// BenchmarkViewLongTrace: a frame in the middle of a 200k-event replay
// costs what a frame of a short lesson costs (nothing per frame walks the
// whole trace).
func BenchmarkViewLongTrace(b *testing.B) {
	p := sized(longSession(b, 200_000), Options{}, 120, 40)
	p.step(len(p.s.Events) / 2)
	p.tr.frame = animFrames / 2
	for b.Loop() {
		p.tr.frame = (p.tr.frame + 1) % animFrames // a new frame each time, as the animation draws
		_ = p.Render()
	}
}

// TestProgressMatchesAFreshFold: the state kept between frames, moved
// forward, back and by jumps, is always what a fresh walk from the first
// event gives.
func TestProgressMatchesAFreshFold(t *testing.T) {
	for _, name := range []string{"active-client-firewall", "ftp-helper", "tls-blinds-helper"} {
		s := lesson(t, name)
		kept := newProgress()
		n := len(s.Events)
		for _, i := range []int{0, 1, 2, n / 2, n/2 + 1, 3, n - 1, n - 1, 0, n / 3, n - 2} {
			got := kept.at(s.Events, i)
			want := newProgress().at(s.Events, i)
			if !reflect.DeepEqual(got.lines, want.lines) {
				t.Errorf("%s at %d: transcript %v, want %v", name, i, got.lines, want.lines)
			}
			if !reflect.DeepEqual(got.fold.Conns, want.fold.Conns) {
				t.Errorf("%s at %d: stage differs", name, i)
			}
		}
	}
}

// TestSYNStopsAtTheFirstBox: a SYN is drawn travelling as far as the box
// whose verdict comes next, never to a host it has not reached; a verdict
// that lets it pass sends it on.
func TestSYNStopsAtTheFirstBox(t *testing.T) {
	for _, tt := range []struct {
		lesson string
		event  func(trace.Event) bool
		want   func(glyph, box, width int) bool
		what   string
	}{
		{"active-client-firewall", func(e trace.Event) bool { return e.Kind == trace.SYN && e.Channel == trace.Data },
			func(g, box, _ int) bool { return g == box+1 }, "rests just before client-fw (the server dials leftwards)"},
		{"passive-server-firewall", func(e trace.Event) bool { return e.Kind == trace.SYN && e.Channel == trace.Data },
			func(g, box, _ int) bool { return g == box-1 }, "rests just before server-fw"},
		{"passive-server-firewall", func(e trace.Event) bool { return e.Kind == trace.Verdict && e.Verdict == "accept" },
			func(g, box, w int) bool { return g > w-12 }, "after ACCEPT, reaches the server"},
	} {
		p := sized(lesson(t, tt.lesson), Options{NoColor: true}, 80, 24)
		p.s.Guide = narrationOnly{p.s.Guide}
		seekTo(p, tt.event)
		cur := p.s.Events[p.tr.i]
		stg := stage{width: 80, header: p.s.Header}
		box := stg.boxCenters()[p.s.Header.Topology.Boxes[0].Name]
		var row []rune
		for _, l := range strings.Split(ansi.Strip(p.Render()), "\n") {
			if (strings.Contains(l, p.names.of(p.s.Events, cur.Conn)) || strings.Contains(l, " SYN ")) && strings.ContainsRune(l, '●') { // the packet may stand on the name
				row = []rune(l)
			}
		}
		g := -1
		for k, r := range row {
			if r == '●' {
				g = k
			}
		}
		if !tt.want(g, box, 80) {
			t.Errorf("%s at %s: the packet is at column %d (box at %d): want it %s\n%s", tt.lesson, cur.Kind, g, box, tt.what, string(row))
		}
	}
}

func TestWrapIndent(t *testing.T) {
	text := "? The data connection was reset after 96 KiB of a 1 MiB file. What does the server tell the client on the control channel?"
	for _, w := range []int{40, 60, 80} {
		lines := wrapIndent(text, w, 2)
		if len(lines) < 2 {
			t.Fatalf("width %d: %d lines, want a wrap", w, len(lines))
		}
		var words []string
		for i, l := range lines {
			if ansi.StringWidth(l) > w {
				t.Errorf("width %d: line %d is %d wide: %q", w, i, ansi.StringWidth(l), l)
			}
			if i > 0 && (!strings.HasPrefix(l, "  ") || strings.HasPrefix(l, "   ")) {
				t.Errorf("width %d: line %d is not indented by two: %q", w, i, l)
			}
			words = append(words, strings.Fields(l)...)
		}
		if strings.Join(words, " ") != text {
			t.Errorf("width %d: words changed: %q", w, strings.Join(words, " "))
		}
	}
}

// TestEveryLessonFitsEverySize: every step and frame of every lesson, on
// screens from tiny to projector-wide, is exactly the screen's height and
// never wider than it (and does not panic).
func TestEveryLessonFitsEverySize(t *testing.T) {
	all, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range all {
		s := lesson(t, it.Name)
		s.Guide = narrationOnly{s.Guide}
		for _, size := range [][2]int{{40, 12}, {59, 17}, {80, 24}, {200, 60}} {
			for _, present := range []bool{false, true} {
				p := sized(s, Options{Present: present}, size[0], size[1])
				for {
					for _, f := range []int{0, animFrames / 2, animFrames} {
						p.tr.frame = f
						lines := strings.Split(p.Render(), "\n")
						if len(lines) != size[1] {
							t.Fatalf("%s %dx%d step %d: %d lines", it.Name, size[0], size[1], p.tr.i, len(lines))
						}
						for k, l := range lines {
							if ansi.StringWidth(l) > size[0] {
								t.Fatalf("%s %dx%d step %d: line %d is %d wide", it.Name, size[0], size[1], p.tr.i, k, ansi.StringWidth(l))
							}
						}
					}
					if !p.step(1) {
						break
					}
				}
			}
		}
	}
}
func TestGoldenHelpAndMidway(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {120, 40}} {
		p := sized(lesson(t, "active"), Options{NoColor: true}, size[0], size[1])
		seekTo(p, func(e trace.Event) bool { return e.Kind == trace.Segment && strings.HasPrefix(e.Text, "PORT ") })
		golden(t, "active-port-"+itoa(size), screen(t, p))
		press(p, "?")
		golden(t, "help-"+itoa(size), screen(t, p))
	}
}

func itoa(s [2]int) string { return fmt.Sprintf("%dx%d", s[0], s[1]) }

// TestGoldenInspectorAndList: the inspector at the dropped SYN and at the
// helper's rewrite, and the event list filtered to failures, at the three
// sizes (overlay at 80x24, a column beside the stage from 120x40).
func TestGoldenInspectorAndList(t *testing.T) {
	isDrop := func(e trace.Event) bool { return e.Kind == trace.Verdict && e.Verdict == "drop" }
	isRewrite := func(e trace.Event) bool { return e.Kind == trace.Rewrite }
	for _, size := range [][2]int{{80, 24}, {120, 40}, {200, 50}} {
		for _, tt := range []struct {
			lesson, at string
			seek       func(trace.Event) bool
			keys       []string
		}{
			{"active-client-firewall", "inspect-drop", isDrop, []string{"i"}},
			{"ftp-helper", "inspect-rewrite", isRewrite, []string{"i"}},
			{"active-client-firewall", "list-failures", isDrop, []string{"e", "f", "f", "f", "f"}},
		} {
			name := fmt.Sprintf("%s-%s-%s", tt.lesson, tt.at, itoa(size))
			t.Run(name, func(t *testing.T) {
				s := lesson(t, tt.lesson)
				s.Guide = narrationOnly{s.Guide}
				p := sized(s, Options{NoColor: true}, size[0], size[1])
				seekTo(p, tt.seek)
				press(p, tt.keys...)
				golden(t, name, screen(t, p))
			})
		}
	}
}

// TestEventListMovesThePlayer: selecting a line and pressing enter puts
// the player on that event; the failures filter keeps only failures.
func TestEventListMovesThePlayer(t *testing.T) {
	s := lesson(t, "active-client-firewall")
	s.Guide = narrationOnly{s.Guide}
	p := New(s, Options{NoColor: true})
	press(p, "e", "f", "f", "f", "f") // failures
	idx := p.list.index(p.s.Events)
	if len(idx) == 0 {
		t.Fatal("the failures filter kept nothing in a lesson whose dial is dropped")
	}
	for _, k := range idx {
		if e := p.s.Events[k]; !e.Failed() && !(e.Kind == trace.Result && e.Verdict != "ok") {
			t.Errorf("failures filter kept %s", trace.Describe(e))
		}
	}
	press(p, "down", "enter")
	if p.tr.i != idx[min(1, len(idx)-1)] {
		t.Errorf("enter on the second failure: player at %d, want %d", p.tr.i, idx[1])
	}
	press(p, "/")
	for _, r := range "timed out" {
		p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	press(p, "enter")
	for _, k := range p.list.index(p.s.Events) {
		if !strings.Contains(trace.Describe(p.s.Events[k]), "timed out") {
			t.Errorf("search kept %s", trace.Describe(p.s.Events[k]))
		}
	}
}

// BenchmarkViewEventList: a frame at 200x50 with the event list open, in
// the middle of a 100k-event replay.
func BenchmarkViewEventList(b *testing.B) {
	p := sized(longSession(b, 100_000), Options{}, 200, 50)
	p.step(len(p.s.Events) / 2)
	press(p, "e")
	p.tr.frame = animFrames / 2
	_ = p.Render() // the list's index is built once, when it opens
	for b.Loop() {
		p.tr.frame = (p.tr.frame + 1) % animFrames
		_ = p.Render()
	}
}

// BenchmarkFilter1M: applying a filter (the f key) to a list of a million
// events already loaded.
func BenchmarkFilter1M(b *testing.B) {
	s := longSession(b, 1_000_000)
	l := newEventList()
	l.index(s.Events)
	for b.Loop() {
		l.filter = (l.filter + 1) % len(listFilters)
		l.index(s.Events)
	}
}

// TestLightTheme: the light palette draws the same screen in darker inks
// (the golden keeps the colour codes), and its words are the dark one's.
func TestLightTheme(t *testing.T) {
	isDrop := func(e trace.Event) bool { return e.Kind == trace.Verdict && e.Verdict == "drop" }
	var plain [2]string
	for k, light := range []bool{false, true} {
		p := sized(lesson(t, "active-client-firewall"), Options{Light: light}, 80, 24)
		seekTo(p, isDrop)
		out := p.Render()
		plain[k] = ansi.Strip(out)
		if light {
			golden(t, "light-active-client-firewall-drop-80x24", out)
			if !strings.Contains(out, "38;2;3;105;161") { // the light title ink, #0369A1
				t.Error("the light theme does not use its title colour")
			}
		}
	}
	if plain[0] != plain[1] {
		t.Errorf("the themes differ in more than colour:\n%s\n---\n%s", plain[0], plain[1])
	}
}

// TestRemappedKeys: a key bound by the config steps the player, help says
// so, and a bad override is refused with its reason.
func TestRemappedKeys(t *testing.T) {
	s := lesson(t, "passive")
	s.Guide = narrationOnly{s.Guide}
	p := New(s, Options{NoColor: true, Keys: map[string][]string{"next": {"x"}}})
	before := p.tr.i
	press(p, "x")
	if p.tr.i != before+1 {
		t.Errorf("x bound to next: at %d, want %d", p.tr.i, before+1)
	}
	press(p, "right") // no longer bound
	if p.tr.i != before+1 {
		t.Errorf("right still steps after next was remapped to x")
	}
	if !strings.Contains(screen(t, p), "x step") {
		t.Errorf("help should show the remapped key:\n%s", screen(t, p))
	}
	if err := CheckKeys(map[string][]string{"jump": {"j"}, "next": nil}); err == nil ||
		!strings.Contains(err.Error(), `unknown action "jump"`) || !strings.Contains(err.Error(), `action "next" has no keys`) {
		t.Errorf("bad overrides: %v", err)
	}
}

// TestPresentKeepsTranscriptAndClock: projector mode keeps the control
// transcript (questions refer to it), and a narrow screen shortens the
// title, never the step, the clock or the score.
func TestPresentKeepsTranscriptAndClock(t *testing.T) {
	s := lesson(t, "active-client-firewall")
	s.Guide = narrationOnly{s.Guide}
	p := sized(s, Options{NoColor: true, Present: true}, 80, 24)
	seekTo(p, func(e trace.Event) bool { return e.Kind == trace.Verdict && e.Verdict == "drop" })
	if sc := screen(t, p); !strings.Contains(sc, "── control channel") || !strings.Contains(sc, "C->S PORT 192,0,2,10,7,209") {
		t.Errorf("projector mode should keep the transcript:\n%s", sc)
	}
	p.SetSize(48, 16)
	first := strings.Split(screen(t, p), "\n")[0]
	if !strings.Contains(first, "step 17/30  0.060 s") || !strings.Contains(first, "…") {
		t.Errorf("a narrow title line should keep the step and clock and shorten the title: %q", first)
	}
}

// TestBackOnlyWhenHosted: a player on its own (a replay) offers no way
// "back to the menu"; opened over another screen it does, and esc asks.
func TestBackOnlyWhenHosted(t *testing.T) {
	p := New(lesson(t, "passive"), Options{NoColor: true})
	press(p, "?")
	if strings.Contains(screen(t, p), "menu") {
		t.Error("a player on its own should not offer the menu")
	}
	press(p, "esc") // closes the help
	if cmd := press(p, "esc"); cmd != nil {
		t.Error("esc in a player on its own should do nothing")
	}
	p.Update(HostedMsg{})
	press(p, "?")
	if !strings.Contains(screen(t, p), "m/esc menu") {
		t.Errorf("a hosted player should offer the menu:\n%s", screen(t, p))
	}
	press(p, "esc")
	if cmd := press(p, "esc"); cmd == nil || cmd() != (BackMsg{}) {
		t.Error("esc in a hosted player should ask to go back")
	}
}

// TestPresentUsesTheRoom: on a projector-sized screen the boxes grow a
// line saying what each is; the words of a small screen stay.
func TestPresentUsesTheRoom(t *testing.T) {
	s := lesson(t, "ftp-helper")
	s.Guide = narrationOnly{s.Guide}
	p := sized(s, Options{NoColor: true, Present: true}, 200, 50)
	seekTo(p, func(e trace.Event) bool { return e.Kind == trace.Rewrite })
	sc := screen(t, p)
	golden(t, "present-ftp-helper-rewrite-200x50", sc)
	for _, want := range []string{"FTP client", "FTP server", "for client", "── control channel"} {
		if !strings.Contains(sc, want) {
			t.Errorf("the projector screen lacks %q", want)
		}
	}
}
