package tui

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ftplab/internal/play"
	"ftplab/lessons"
	"ftplab/sim/scenario"
	"ftplab/tui/player"
)

// updating reports -update (the flag is teatest's, shared with our goldens).
func updating() bool {
	f := flag.Lookup("update")
	return f != nil && f.Value.String() == "true"
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

var opts = player.Options{NoColor: true}

func keyMsg(s string) tea.KeyPressMsg {
	switch s {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "right":
		return tea.KeyPressMsg{Code: tea.KeyRight}
	case "f1":
		return tea.KeyPressMsg{Code: tea.KeyF1}
	case "f2":
		return tea.KeyPressMsg{Code: tea.KeyF2}
	case "f3":
		return tea.KeyPressMsg{Code: tea.KeyF3}
	case "f4":
		return tea.KeyPressMsg{Code: tea.KeyF4}
	case "f10":
		return tea.KeyPressMsg{Code: tea.KeyF10}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	}
	return tea.KeyPressMsg{Code: rune(s[0]), Text: s}
}

// send gives the app one message and then the messages of the commands
// it answers with, as the program would, except the player's timers (its
// animation and autoplay ticks, which only move the packet) and anything
// still running after a second.
func send(t *testing.T, a *App, msg tea.Msg) {
	t.Helper()
	queue := []tea.Msg{msg}
	for n := 0; len(queue) > 0 && n < 1000; n++ {
		m := queue[0]
		queue = queue[1:]
		if b, ok := m.(tea.BatchMsg); ok {
			for _, c := range b {
				queue = append(queue, run(c)...)
			}
			continue
		}
		_, cmd := a.Update(m)
		queue = append(queue, run(cmd)...)
	}
}

// run runs a command, dropping timers: the player's animation and
// autoplay ticks and the text input's cursor blink, which only move
// things on screen and would keep a test going for ever.
func run(c tea.Cmd) []tea.Msg {
	if c == nil {
		return nil
	}
	got := make(chan tea.Msg, 1)
	go func() { got <- c() }()
	select {
	case m := <-got:
		if name := fmt.Sprintf("%T", m); m == nil || strings.HasSuffix(name, ".tickMsg") || strings.HasSuffix(name, ".playMsg") || strings.HasPrefix(name, "cursor.") {
			return nil
		}
		return []tea.Msg{m}
	case <-time.After(10 * time.Second):
		return nil
	}
}

func screen(a *App) string {
	if p, ok := a.Top().(*player.Player); ok {
		return ansi.Strip(p.Render())
	}
	return ansi.Strip(a.View().Content)
}

var stepRe = regexp.MustCompile(`step (\d+)/(\d+)`)

// atEnd tells whether the player on screen stands on its last event.
func atEnd(s string) bool {
	m := stepRe.FindStringSubmatch(s)
	return m != nil && m[1] == m[2] && !strings.Contains(s, "live  step")
}

func items(t *testing.T) []MenuItem {
	ls, err := lessons.All()
	if err != nil {
		t.Fatal(err)
	}
	var out []MenuItem
	for _, l := range ls {
		out = append(out, MenuItem{Name: l.Name, TitleText: l.Title, Summary: l.Summary})
	}
	return out
}

func TestMenuOpensAndReturns(t *testing.T) {
	ctx := context.Background()
	m := NewMenu(items(t), func(name string) (player.Session, error) { return play.Lesson(ctx, name) }, opts)
	a := NewApp(m)
	golden(t, "menu-80x24", ansi.Strip(a.View().Content))
	send(t, a, keyMsg("enter"))
	p, ok := a.Top().(*player.Player)
	if !ok {
		t.Fatal("enter should open the selected lesson in a player")
	}
	if !strings.Contains(screen(a), "ftplab · ") || !strings.Contains(screen(a), "step 1/") {
		t.Errorf("the player should show the lesson's first step:\n%s", screen(a))
	}
	send(t, a, keyMsg("esc"))
	if a.Top() != m {
		t.Error("after esc the menu should show again")
	}
	_ = p
}

func TestMenuShowsAnOpenError(t *testing.T) {
	m := NewMenu(items(t), func(string) (player.Session, error) { return player.Session{}, os.ErrNotExist }, opts)
	a := NewApp(m)
	send(t, a, keyMsg("enter"))
	if a.Top() != m || !strings.Contains(screen(a), "error: file does not exist") {
		t.Errorf("a lesson that cannot start stays in the menu with its error:\n%s", screen(a))
	}
}

// recorder runs the sandbox's scenarios and keeps the last session.
type recorder struct {
	last player.Session
	sc   scenario.Scenario
}

func (r *recorder) run(sc scenario.Scenario, title string) (player.Session, error) {
	s, err := play.Sandbox(context.Background())(sc, title)
	r.last, r.sc = s, sc
	return s, err
}

func TestSandbox(t *testing.T) {
	r := &recorder{}
	s := NewSandbox(r.run, opts)
	a := NewApp(s)
	for _, k := range []string{"f1", "f2"} { // passive -> epsv; client firewall on
		send(t, a, keyMsg(k))
	}
	if s.sc.Mode != "epsv" || s.sc.Firewall != "client" {
		t.Fatalf("knobs: mode %s firewall %s", s.sc.Mode, s.sc.Firewall)
	}
	send(t, a, keyMsg("f1")) // -> eprt
	send(t, a, keyMsg("f1")) // -> active
	for _, r := range "get hello.txt" {
		send(t, a, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	send(t, a, keyMsg("enter"))
	if _, ok := a.Top().(*player.Player); !ok {
		t.Fatalf("enter should run the command and open the player (err %v)", s.err)
	}
	send(t, a, keyMsg("G"))
	if !strings.Contains(screen(a), "425 Failed to establish connection.") || !atEnd(screen(a)) {
		t.Errorf("active behind a client firewall should end in 425:\n%s", screen(a))
	}
	send(t, a, keyMsg("m"))
	if a.Top() != s {
		t.Error("m in the player should come back to the sandbox")
	}
	send(t, a, keyMsg("f3"))
	send(t, a, keyMsg("f4"))
	if s.sc.Firewall != "both" || !s.sc.OpenPasv {
		t.Errorf("F3/F4: firewall %s open %v", s.sc.Firewall, s.sc.OpenPasv)
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
		r := &recorder{}
		a := NewApp(NewSandbox(r.run, opts))
		for i := 0; i < k; i++ {
			send(t, a, keyMsg("f10"))
		}
		send(t, a, keyMsg("enter"))
		evs := r.last.Events
		if len(evs) == 0 {
			t.Fatalf("preset %s: no run", linkPresets[k].name)
		}
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

// TestLiveLessonIsPaced: a live lesson in the menu grows by one event per
// step, answers its question, and ends in the lesson's failed result.
func TestLiveLessonIsPaced(t *testing.T) {
	ctx := context.Background()
	m := NewMenu(items(t), func(string) (player.Session, error) { return play.Lesson(ctx, "active-client-firewall") }, opts)
	a := NewApp(m)
	send(t, a, keyMsg("enter"))
	first := stepRe.FindStringSubmatch(screen(a))
	if first == nil || first[1] != "1" || first[2] == "1" || !strings.Contains(screen(a), "live  step 1/") {
		t.Fatalf("a live lesson opens on its first event, and knows its length ahead:\n%s", screen(a))
	}
	for k := 0; k < 300 && !atEnd(screen(a)); k++ {
		s := screen(a)
		if strings.Contains(s, "press 1-") {
			send(t, a, keyMsg("2"))
		}
		before := stepRe.FindStringSubmatch(s)
		send(t, a, keyMsg("right"))
		after := stepRe.FindStringSubmatch(screen(a))
		if before != nil && after != nil && !strings.Contains(s, "press 1-") && !strings.Contains(s, "any key") {
			if n0, _ := strconv.Atoi(before[2]); n0 > 0 {
				if n1, _ := strconv.Atoi(after[2]); n1 > n0+1 {
					t.Fatalf("one step let %d events through", n1-n0)
				}
			}
		}
	}
	s := screen(a)
	if !atEnd(s) || !strings.Contains(s, "result: failed") || !strings.Contains(s, "score 1/1") {
		t.Errorf("the live lesson should end on its failed result with the question answered right:\n%s", s)
	}
	if end := stepRe.FindStringSubmatch(s); end == nil || end[2] != first[2] {
		t.Errorf("the length known ahead (%s) is not the lesson's (%v)", first[2], end)
	}
	if !strings.Contains(s, "Lesson finished: 1 of 1 questions right") || !strings.Contains(s, "enter: the next lesson") {
		t.Errorf("the end card is missing:\n%s", s)
	}
	send(t, a, keyMsg("esc"))
}

// TestMenuKeepsProgressAndGoesOn: a lesson played to its end is recorded
// and marked in the menu, and the end card's enter opens the next lesson.
func TestMenuKeepsProgressAndGoesOn(t *testing.T) {
	ctx := context.Background()
	all := items(t)
	for k := range all {
		all[k].Number = k + 1
	}
	var recorded []string
	m := NewMenu(all, func(name string) (player.Session, error) { return play.Lesson(ctx, name) }, opts).
		Record(func(name string, score, total int) (string, error) {
			recorded = append(recorded, fmt.Sprintf("%s %d/%d", name, score, total))
			return fmt.Sprintf("%d/%d", score, total), nil
		})
	a := NewApp(m)
	if !strings.Contains(screen(a), " 1. "+all[0].TitleText) {
		t.Fatalf("the menu numbers its lessons:\n%s", screen(a))
	}
	send(t, a, keyMsg("enter"))
	for k := 0; k < 20 && !atEnd(screen(a)); k++ {
		if strings.Contains(screen(a), "press 1-") {
			send(t, a, keyMsg("1"))
			send(t, a, keyMsg("right"))
		}
		send(t, a, keyMsg("G"))
	}
	if !strings.Contains(screen(a), "Lesson finished") {
		t.Fatalf("no end card at the end:\n%s", screen(a))
	}
	if len(recorded) != 1 || !strings.HasPrefix(recorded[0], all[0].Name+" ") {
		t.Fatalf("recorded %v, want the first lesson once", recorded)
	}
	send(t, a, keyMsg("enter"))
	if _, ok := a.Top().(*player.Player); !ok || !strings.Contains(screen(a), all[1].TitleText) {
		t.Fatalf("enter on the end card should open the second lesson:\n%s", screen(a))
	}
	send(t, a, keyMsg("esc"))
	if a.Top() != m || !strings.Contains(screen(a), all[0].TitleText+"  ✓ ") {
		t.Errorf("back in the menu, the first lesson should carry its mark:\n%s", screen(a))
	}
}

// TestSandboxToImproviseIn: esc never quits and q asks first; a knob
// that cannot be set says why; two commands run in one login; ↑ brings
// the last command back; the player's title names the knobs that are on.
func TestSandboxToImproviseIn(t *testing.T) {
	r := &recorder{}
	s := NewSandbox(r.run, opts)
	a := NewApp(s)
	send(t, a, keyMsg("esc"))
	if a.Top() != s {
		t.Fatal("esc must not leave the sandbox")
	}
	send(t, a, keyMsg("f4"))
	if !strings.Contains(screen(a), "turn it on first (F3)") || s.sc.OpenPasv {
		t.Errorf("F4 without a server firewall should say why and change nothing:\n%s", screen(a))
	}
	send(t, a, keyMsg("f2"))
	for _, r := range "ls; get hello.txt" {
		send(t, a, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	send(t, a, keyMsg("enter"))
	if got := strings.Join(r.sc.Script, " | "); got != "ls | get hello.txt" {
		t.Errorf("script %q, want ls then get in one login", got)
	}
	if !strings.Contains(screen(a), "sandbox: passive · client firewall · ls; get") {
		t.Errorf("the player's title should name the knobs that are on:\n%s", screen(a))
	}
	send(t, a, keyMsg("m"))
	send(t, a, tea.KeyPressMsg{Code: tea.KeyUp})
	if s.input.Value() != "ls; get hello.txt" {
		t.Errorf("↑ gave %q, want the last command", s.input.Value())
	}
	if !s.sc.ClientFirewall() {
		t.Error("the knobs must survive going into the player and back")
	}
	send(t, a, keyMsg("esc"))
	send(t, a, keyMsg("q"))
	if !strings.Contains(screen(a), "Quit the sandbox? y quits") {
		t.Errorf("q on an empty line should ask first:\n%s", screen(a))
	}
	send(t, a, keyMsg("n"))
	if strings.Contains(screen(a), "Quit the sandbox?") {
		t.Error("any other key should keep the sandbox")
	}
}
