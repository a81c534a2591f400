package tui

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ftplab/sim/trace"
)

// updating reports -update (the flag is teatest's, shared with our goldens).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
}

func lesson(t testing.TB, name string) Session {
	t.Helper()
	s, err := OpenLesson(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// seekTo puts the player at the first event matching ok, at rest.
func seekTo(p *Player, ok func(e trace.Event) bool) {
	for i, e := range p.s.Events {
		if ok(e) {
			p.step(i - p.i)
			p.frame = animFrames
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
				p := NewPlayer(lesson(t, tt.lesson), Options{NoColor: true, Width: size[0], Height: size[1]})
				p.frame = animFrames
				if tt.seek != nil {
					seekTo(p, tt.seek)
				}
				golden(t, name, screen(t, p))
			})
		}
	}
}

func TestPredictionAskedAndAnswered(t *testing.T) {
	p := NewPlayer(lesson(t, "active-client-firewall"), Options{NoColor: true})
	for k := 0; k < 100 && p.asking == nil; k++ {
		press(p, "right")
	}
	if p.asking == nil {
		t.Fatal("stepping through the lesson never asked its prediction")
	}
	before := p.i
	golden(t, "prediction-80x24", screen(t, p))
	press(p, "1") // wrong
	if !strings.Contains(screen(t, p), "Not quite: it is 2.") {
		t.Errorf("a wrong answer must be told the right one:\n%s", screen(t, p))
	}
	press(p, "right") // any key: see it happen
	if p.asking != nil || p.i != before+1 || p.s.Events[p.i].Kind != trace.SYN {
		t.Errorf("after answering, the player should show the SYN the question was about (i=%d %s)", p.i, p.s.Events[p.i].Kind)
	}
}

func TestKeys(t *testing.T) {
	p := NewPlayer(lesson(t, "passive"), Options{NoColor: true})
	n := len(p.s.Events)
	press(p, "right", "right", "right")
	if p.i != 3 {
		t.Errorf("three steps: i=%d, want 3", p.i)
	}
	press(p, "left")
	if p.i != 2 {
		t.Errorf("back: i=%d, want 2", p.i)
	}
	press(p, "end")
	if p.i != n-1 {
		t.Errorf("end: i=%d, want %d", p.i, n-1)
	}
	press(p, "g")
	if p.i != 0 {
		t.Errorf("start: i=%d, want 0", p.i)
	}
	press(p, "5")
	if want := (n - 1) / 2; p.i != want {
		t.Errorf("seek 50%%: i=%d, want %d", p.i, want)
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
	p := NewPlayer(lesson(t, "passive"), Options{NoColor: true})
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

func TestLiveSession(t *testing.T) {
	full := lesson(t, "passive")
	ch := make(chan trace.Event, len(full.Events))
	released := 0
	p := NewPlayer(Session{Header: full.Header, Live: ch, Release: func() { released++ }}, Options{NoColor: true})
	cmd := p.Init()
	for _, e := range full.Events[:3] {
		ch <- e
	}
	close(ch)
	for k := 0; k < 10 && cmd != nil; k++ {
		msg := cmd()
		_, cmd = p.Update(msg)
		if _, ok := msg.(liveMsg); ok {
			cmd = p.forward()
		}
	}
	if len(p.s.Events) != 3 || !p.liveDone {
		t.Errorf("live: got %d events, done=%v; want 3, true", len(p.s.Events), p.liveDone)
	}
	if released == 0 {
		t.Error("the gate was never released")
	}
}

func TestMenuOpensAndReturns(t *testing.T) {
	items, err := LessonItems()
	if err != nil {
		t.Fatal(err)
	}
	m := NewMenu(items, func(name string) (Session, error) { return OpenLesson(context.Background(), name) }, Options{NoColor: true})
	golden(t, "menu-80x24", ansi.Strip(m.View().Content))
	m.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if m.player == nil {
		t.Fatal("enter should open the selected lesson")
	}
	_, cmd := m.Update(tea.KeyPressMsg{Code: tea.KeyEscape})
	if cmd == nil {
		t.Fatal("esc in the player should go back")
	}
	m.Update(cmd())
	if m.player != nil {
		t.Error("after esc the menu should show again")
	}
}

func BenchmarkView(b *testing.B) {
	p := NewPlayer(lesson(b, "ftp-helper"), Options{Width: 120, Height: 40})
	seekTo(p, func(e trace.Event) bool { return e.Kind == trace.Segment && e.Channel == trace.Data })
	p.frame = animFrames / 2 // mid-animation
	var buf bytes.Buffer
	for b.Loop() {
		p.frame = (p.frame + 1) % animFrames // a new frame each time, as the animation draws
		buf.Reset()
		buf.WriteString(p.Render())
	}
}

// BenchmarkViewStep: the first frame of a new step, which composes the
// whole screen (narration, transcript, timeline) once.
func BenchmarkViewStep(b *testing.B) {
	p := NewPlayer(lesson(b, "ftp-helper"), Options{Width: 120, Height: 40})
	p.s.Predict = nil
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
			p := NewPlayer(lesson(t, name), Options{Width: size[0], Height: size[1]})
			p.s.Predict = nil
			for p.step(1) {
				for _, f := range []int{0, animFrames / 3, animFrames - 1, animFrames} {
					p.frame = f
					kept := p.Render()
					p.scr.text = ""
					if fresh := p.Render(); kept != fresh {
						t.Fatalf("%s %dx%d step %d frame %d: kept frame differs from a fresh one:\n%s\n---\n%s", name, size[0], size[1], p.i, f, ansi.Strip(kept), ansi.Strip(fresh))
					}
				}
			}
		}
	}
}

func TestSandbox(t *testing.T) {
	s := NewSandbox(context.Background(), Options{NoColor: true})
	for _, k := range []tea.KeyPressMsg{{Code: tea.KeyF1}, {Code: tea.KeyF2}} { // passive -> epsv; client firewall on
		s.Update(k)
	}
	if s.sc.Mode != "epsv" || s.sc.Firewall != "client" {
		t.Fatalf("knobs: mode %s firewall %s", s.sc.Mode, s.sc.Firewall)
	}
	s.Update(tea.KeyPressMsg{Code: tea.KeyF1}) // -> eprt
	s.Update(tea.KeyPressMsg{Code: tea.KeyF1}) // -> active
	for _, r := range "get hello.txt" {
		s.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	s.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
	if s.player == nil {
		t.Fatalf("enter should run the command and open the player (err %v)", s.err)
	}
	s.player.step(len(s.player.s.Events))
	if !strings.Contains(screen(t, s.player), "425 Failed to establish connection.") {
		t.Errorf("active behind a client firewall should end in 425:\n%s", screen(t, s.player))
	}
	_, cmd := s.Update(tea.KeyPressMsg{Code: 'm', Text: "m"})
	s.Update(cmd())
	if s.player != nil {
		t.Error("m in the player should come back to the sandbox")
	}
	s.Update(tea.KeyPressMsg{Code: tea.KeyF3})
	s.Update(tea.KeyPressMsg{Code: tea.KeyF4})
	if s.sc.Firewall != "both" || !s.sc.OpenPasv {
		t.Errorf("F3/F4: firewall %s open %v", s.sc.Firewall, s.sc.OpenPasv)
	}
}

// TestLiveLessonIsPaced: with a live lesson nothing happens on the network
// until the player releases it, one event per step.
func TestLiveLessonIsPaced(t *testing.T) {
	s, err := LiveLesson(context.Background(), "active-client-firewall")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	p := NewPlayer(s, Options{NoColor: true})
	cmd := p.Init()
	if cmd == nil {
		t.Fatal("a live player must ask for the first event")
	}
	p.Update(cmd())
	if len(p.s.Events) != 1 || p.i != 0 {
		t.Fatalf("after one release: %d events, at %d", len(p.s.Events), p.i)
	}
	for k := 0; k < 200 && !p.liveDone; k++ {
		if p.asking != nil {
			press(p, "2")
			press(p, "right")
			continue
		}
		c := press(p, "right")
		for c != nil {
			msg := c()
			if _, ok := msg.(tickMsg); ok {
				break
			}
			_, c = p.Update(msg)
		}
		if p.i == len(p.s.Events)-1 && p.s.Events[p.i].Kind == trace.Result {
			break
		}
	}
	last := p.s.Events[len(p.s.Events)-1]
	if last.Kind != trace.Result || last.Verdict != "failed" {
		t.Errorf("the live lesson should end in the failed result, got %+v", last)
	}
	if p.total != 1 || p.score != 1 {
		t.Errorf("score %d/%d, want 1/1", p.score, p.total)
	}
}

// longSession is a replay of the passive lesson with its data transfer cut
// into n segments, as a long recorded session would hold them.
func longSession(b testing.TB, n int) Session {
	s := lesson(b, "passive")
	s.Narrate, s.Predict = nil, nil
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
	p := NewPlayer(longSession(b, 200_000), Options{Width: 120, Height: 40})
	p.step(len(p.s.Events) / 2)
	p.frame = animFrames / 2
	for b.Loop() {
		p.frame = (p.frame + 1) % animFrames // a new frame each time, as the animation draws
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
			if !reflect.DeepEqual(got.stage.conns, want.stage.conns) {
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
		p := NewPlayer(lesson(t, tt.lesson), Options{Width: 80, Height: 24, NoColor: true})
		p.s.Predict = nil
		seekTo(p, tt.event)
		cur := p.s.Events[p.i]
		stg := stage{width: 80, header: p.s.Header}
		box := stg.boxCenters()[p.s.Header.Topology.Boxes[0].Name]
		var row []rune
		for _, l := range strings.Split(ansi.Strip(p.Render()), "\n") {
			if strings.Contains(l, fmt.Sprintf("#%d", cur.Conn)) && strings.ContainsRune(l, '●') {
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
	items, err := LessonItems()
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range items {
		s := lesson(t, it.Name)
		s.Predict = nil
		for _, size := range [][2]int{{40, 12}, {59, 17}, {80, 24}, {200, 60}} {
			for _, present := range []bool{false, true} {
				p := NewPlayer(s, Options{Width: size[0], Height: size[1], Present: present})
				for {
					for _, f := range []int{0, animFrames / 2, animFrames} {
						p.frame = f
						lines := strings.Split(p.Render(), "\n")
						if len(lines) != size[1] {
							t.Fatalf("%s %dx%d step %d: %d lines", it.Name, size[0], size[1], p.i, len(lines))
						}
						for k, l := range lines {
							if ansi.StringWidth(l) > size[0] {
								t.Fatalf("%s %dx%d step %d: line %d is %d wide", it.Name, size[0], size[1], p.i, k, ansi.StringWidth(l))
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

// TestSandboxLinkFaults: F10 cycles the link presets, and each plays out
// as it says on a 256 KiB get.
func TestSandboxLinkFaults(t *testing.T) {
	for k, want := range []struct {
		ok   bool
		text string // a note, reply or error the run must show
	}{
		{true, ""},
		{true, ""},
		{true, "link resumes after a stall of 10s"},
		{false, "server gives up on the stalled data connection"},
		{false, "link reset the connection after 98304 bytes"},
	} {
		s := NewSandbox(context.Background(), Options{NoColor: true})
		for i := 0; i < k; i++ {
			s.Update(tea.KeyPressMsg{Code: tea.KeyF10})
		}
		s.Update(tea.KeyPressMsg{Code: tea.KeyEnter})
		if s.player == nil {
			t.Fatalf("preset %s: no player (err %v)", linkPresets[k].name, s.err)
		}
		evs := s.player.s.Events
		last := evs[len(evs)-1]
		if ok := last.Verdict == "ok"; ok != want.ok {
			t.Errorf("preset %s: result %s (%s), want ok=%v", linkPresets[k].name, last.Verdict, last.Text, want.ok)
		}
		found := want.text == ""
		for _, e := range evs {
			if strings.Contains(e.Text+" "+e.Err, want.text) {
				found = true
			}
		}
		if !found {
			t.Errorf("preset %s: nothing in the run says %q", linkPresets[k].name, want.text)
		}
		if k == 1 && time.Duration(last.T)*time.Microsecond < time.Second {
			t.Errorf("preset %s: 256 KiB at 256 KiB/s took %s of virtual time, want at least 1 s", linkPresets[k].name, time.Duration(last.T)*time.Microsecond)
		}
	}
}
