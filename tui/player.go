// Package tui is ftplab's terminal screen: the lesson menu and the player
// that animates a session's events (a stage with the hosts, boxes and
// connections, the narration, the control-channel transcript and a
// timeline). It only reads events; it never touches the network.
package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ftplab/internal/termsafe"
	"ftplab/sim/trace"
)

// Session is what the player shows.
type Session struct {
	Header trace.Header
	Events []trace.Event // known events (a replay: all of them)
	// Live, when set, delivers more events as they happen; it is closed at
	// the end. Release, when set, lets the source emit its next event (step
	// mode holds the network still until the learner asks for more).
	Live    <-chan trace.Event
	Release func()
	Stop    func() // ends a live source (the player is leaving)
	// Narrate gives the lesson's words for event i ("" for none).
	Narrate func(i int, evs []trace.Event) string
	// Predict gives a question to ask before event i is shown, or nil.
	Predict func(i int, evs []trace.Event) *Prediction
}

// Prediction is a "what happens next?" question.
type Prediction struct {
	Question string
	Choices  []string
	Answer   int // 1-based
	Explain  string
}

// Options change how the player looks.
type Options struct {
	Present bool // projector mode: stage, narration and timeline only, high contrast
	NoColor bool
	Width   int // initial size (tests); the terminal's size replaces it
	Height  int
}

const animFrames = 8

type (
	tickMsg    struct{ gen int } // animation frame
	playMsg    struct{ gen int } // autoplay step
	liveMsg    struct{ e trace.Event }
	liveEndMsg struct{}
	backMsg    struct{} // esc: the menu takes over again
)

// Player is the tea.Model that plays one session.
type Player struct {
	s        Session
	o        Options
	st       styles
	keys     keyMap
	help     help.Model
	w, h     int
	i        int // the event on screen (-1: before the first)
	frame    int // animation frame of the current event; animFrames = at rest
	animGen  int
	playing  bool
	playGen  int
	speed    int // 1..5
	fullHelp bool
	liveDone bool
	waiting  bool // asked Live for the next event

	asking   *Prediction // a question on screen
	asked    map[int]bool
	answered int // the learner's choice, 0 = not yet
	score    int // right answers
	total    int // questions answered
	inMenu   bool
	runToEnd bool // live: End was pressed, let everything through

	scr             composed  // the last screen composed
	prog            *progress // stage and transcript at step i, kept between frames
	marks           []rune    // the timeline without its cursor, for len(marksOf) events
	marksOf, marksW int
}

// NewPlayer makes a player on a session.
func NewPlayer(s Session, o Options) *Player {
	s.Header = safeHeader(s.Header)
	p := &Player{s: s, o: o, st: newStyles(o.NoColor, o.Present), keys: newKeyMap(), help: help.New(),
		w: o.Width, h: o.Height, i: -1, frame: animFrames, speed: 2, asked: map[int]bool{}, prog: newProgress()}
	if p.w == 0 {
		p.w, p.h = 80, 24
	}
	if s.Live == nil {
		p.liveDone = true
	}
	p.help.SetWidth(p.w)
	p.step(1)
	return p
}

// Init starts listening to a live source.
func (p *Player) Init() tea.Cmd {
	if !p.liveDone && len(p.s.Events) == 0 {
		return p.waitLive()
	}
	return nil
}

func (p *Player) waitLive() tea.Cmd {
	if p.liveDone || p.waiting {
		return nil
	}
	p.waiting = true
	if p.s.Release != nil {
		p.s.Release()
	}
	ch := p.s.Live
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return liveEndMsg{}
		}
		return liveMsg{e}
	}
}

// stop ends a live source when the player leaves.
func (p *Player) stop() {
	if p.s.Stop != nil {
		p.s.Stop()
	}
}

// step moves by d events (forward or back), asking a prediction first when
// one is due. It reports whether the position changed.
func (p *Player) step(d int) bool {
	n := p.i + d
	if n < 0 {
		n = 0
	}
	if n >= len(p.s.Events) {
		n = len(p.s.Events) - 1
	}
	if n == p.i || n < 0 {
		return false
	}
	if d == 1 && p.s.Predict != nil { // questions on single steps only: a jump just goes
		for k := p.i + 1; k <= n; k++ {
			if q := p.s.Predict(k, p.s.Events); q != nil && !p.asked[k] {
				p.asked[k] = true
				p.asking, p.answered = q, 0
				p.playing = false
				n = k - 1 // stop just before the event the question is about
				break
			}
		}
		if n == p.i {
			return false
		}
	}
	p.i = n
	p.frame = 0
	if d != 1 {
		p.frame = animFrames // jumps land at rest
	}
	return true
}

func (p *Player) animate() tea.Cmd {
	if p.frame >= animFrames {
		return nil
	}
	p.animGen++
	gen := p.animGen
	return tea.Tick(40*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{gen} })
}

func (p *Player) schedulePlay() tea.Cmd {
	if !p.playing {
		return nil
	}
	p.playGen++
	gen := p.playGen
	delay := []time.Duration{1600, 1000, 600, 300, 120}[p.speed-1] * time.Millisecond
	return tea.Tick(delay, func(time.Time) tea.Msg { return playMsg{gen} })
}

// forward steps once, asking the live source for more at the end.
func (p *Player) forward() tea.Cmd {
	if p.i >= len(p.s.Events)-1 {
		if !p.liveDone {
			return p.waitLive()
		}
		p.playing = false
		return nil
	}
	if p.step(1) {
		return p.animate()
	}
	return nil
}

// Update handles keys, ticks and live events.
func (p *Player) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.w, p.h = msg.Width, msg.Height
		p.help.SetWidth(p.w)
	case tickMsg:
		if msg.gen == p.animGen && p.frame < animFrames {
			p.frame++
			return p, p.animate()
		}
	case playMsg:
		if msg.gen == p.playGen && p.playing {
			cmd := p.forward()
			return p, tea.Batch(cmd, p.schedulePlay())
		}
	case liveMsg:
		p.waiting = false
		p.s.Events = append(p.s.Events, msg.e)
		if p.runToEnd {
			p.step(len(p.s.Events))
			return p, p.waitLive()
		}
		if p.i < 0 || p.i == len(p.s.Events)-2 {
			p.step(1)
			return p, p.animate()
		}
	case liveEndMsg:
		p.waiting, p.liveDone = false, true
	case tea.KeyPressMsg:
		return p.key(msg)
	}
	return p, nil
}

func (p *Player) key(msg tea.KeyPressMsg) (tea.Model, tea.Cmd) {
	if p.asking != nil {
		switch {
		case key.Matches(msg, p.keys.Quit):
			p.stop()
			return p, tea.Quit
		case p.answered == 0 && len(msg.String()) == 1 && msg.String()[0] >= '1' && msg.String()[0] <= '9':
			if c := int(msg.String()[0] - '0'); c <= len(p.asking.Choices) {
				p.answered = c
				p.total++
				if c == p.asking.Answer {
					p.score++
				}
			}
		case p.answered != 0:
			p.asking = nil
			return p, p.forward()
		}
		return p, nil
	}
	switch {
	case key.Matches(msg, p.keys.Quit):
		p.stop()
		return p, tea.Quit
	case key.Matches(msg, p.keys.Back):
		if p.fullHelp {
			p.fullHelp = false
			return p, nil
		}
		if p.inMenu {
			p.stop()
			return p, func() tea.Msg { return backMsg{} }
		}
	case key.Matches(msg, p.keys.Help):
		p.fullHelp = !p.fullHelp
	case key.Matches(msg, p.keys.Next):
		p.playing = false
		return p, p.forward()
	case key.Matches(msg, p.keys.Prev):
		p.playing = false
		if p.step(-1) {
			p.frame = animFrames
		}
	case key.Matches(msg, p.keys.Play):
		p.playing = !p.playing
		return p, p.schedulePlay()
	case key.Matches(msg, p.keys.Faster):
		p.speed = min(5, p.speed+1)
	case key.Matches(msg, p.keys.Slower):
		p.speed = max(1, p.speed-1)
	case key.Matches(msg, p.keys.Start):
		p.playing = false
		p.step(-len(p.s.Events))
	case key.Matches(msg, p.keys.End):
		p.playing = false
		p.step(len(p.s.Events))
		if !p.liveDone {
			p.runToEnd = true
			return p, p.waitLive()
		}
		return p, p.animate()
	case key.Matches(msg, p.keys.Seek):
		p.playing = false
		target := (len(p.s.Events) - 1) * int(msg.String()[0]-'0') / 10
		p.step(target - p.i)
		return p, p.animate()
	}
	return p, nil
}

// View draws the screen.
func (p *Player) View() tea.View {
	v := tea.NewView(p.Render())
	v.AltScreen = true
	v.WindowTitle = "ftplab"
	return v
}

// screenKey is everything the screen shows apart from the packet in
// flight: while it holds, a new animation frame redraws only the stage's
// connection rows.
type screenKey struct {
	i, n, w, h, speed, score, total, answered int
	playing, liveDone, fullHelp               bool
	asking                                    *Prediction
}

// composed is the last composed screen, cut around the connection rows.
type composed struct {
	key           screenKey
	text          string // the whole screen, as composed ("": none yet)
	before, after string // around the connection rows
	stg           stage
	headLen       int // stage lines above the connection rows
	animated      bool
}

// Render is the screen as text, every line at most the width. Between
// steps only the packet moves, so a frame re-renders the connection rows
// and reuses the rest (a frame is drawn every 40 ms while one moves).
func (p *Player) Render() string {
	key := screenKey{i: p.i, n: len(p.s.Events), w: p.w, h: p.h, speed: p.speed, score: p.score, total: p.total,
		answered: p.answered, playing: p.playing, liveDone: p.liveDone, fullHelp: p.fullHelp, asking: p.asking}
	if p.scr.text == "" || p.scr.key != key {
		p.scr = p.compose(key)
	}
	sc := &p.scr
	if !sc.animated {
		return sc.text
	}
	stg := sc.stg
	stg.frac = float64(p.frame) / animFrames
	rows := stg.connRows(sc.headLen)
	var b strings.Builder
	b.Grow(len(sc.text) + 64)
	b.WriteString(sc.before)
	for _, r := range rows {
		b.WriteByte('\n')
		b.WriteString(r)
	}
	b.WriteString(sc.after)
	return b.String()
}

// compose draws the whole screen for a key.
func (p *Player) compose(key screenKey) composed {
	sc := composed{key: key}
	w, h := max(p.w, 40), max(p.h, 12)
	var cur trace.Event
	if p.i >= 0 && p.i < len(p.s.Events) {
		cur = p.s.Events[p.i]
	}
	var lines []string
	// Title line.
	title := p.s.Header.Title
	if title == "" {
		title = p.s.Header.Name
	}
	pos := fmt.Sprintf("step %d/%d  %s", p.i+1, len(p.s.Events), trace.Seconds(cur.T))
	if !p.liveDone {
		pos = "live  " + pos
	}
	if p.playing {
		pos = fmt.Sprintf("▶ x%d  %s", p.speed, pos)
	}
	if p.total > 0 {
		pos = fmt.Sprintf("score %d/%d  %s", p.score, p.total, pos)
	}
	lines = append(lines, padBetween(p.st.title.Render(" ftplab · "+title), p.st.dim.Render(pos+" "), w))

	if p.fullHelp {
		lines = append(lines, "")
		lines = append(lines, strings.Split(p.help.FullHelpView(p.keys.FullHelp()), "\n")...)
		lines = append(lines, "", p.st.dim.Render(" esc or ? closes this help"))
		for len(lines) < h {
			lines = append(lines, "")
		}
		sc.text = fit(lines, w, h)
		return sc
	}

	// Stage.
	connRows := 3
	if h >= 32 {
		connRows = 5
	}
	prog := p.prog.at(p.s.Events, p.i)
	stg := stage{width: w, header: p.s.Header, st: prog.stage, cur: cur,
		frac: float64(p.frame) / animFrames, styles: p.st, rows: connRows}
	head := stg.head()
	lines = append(lines, head...)
	rowsAt := len(lines)
	rows := stg.connRows(len(head))
	lines = append(lines, rows...)

	// Narration: what happened, then the lesson's words.
	lines = append(lines, p.st.pane.Render("── what happens "+strings.Repeat("─", max(0, w-17))))
	if p.asking != nil {
		lines = append(lines, p.predictionLines(w)...)
	} else if p.i >= 0 {
		lines = append(lines, wrap(p.st.narr.Render(safe(trace.Describe(cur))), w)...)
		if p.s.Narrate != nil {
			if n := p.s.Narrate(p.i, p.s.Events); n != "" {
				lines = append(lines, wrap(p.st.note.Render(reflow(termsafe.Text(n))), w)...)
			}
		}
	}

	// Transcript and timeline share what room is left.
	footer := []string{p.timeline(w), p.help.ShortHelpView(p.keys.ShortHelp())}
	room := h - len(lines) - len(footer) - 1
	if !p.o.Present && room >= 3 {
		lines = append(lines, p.st.pane.Render("── control channel "+strings.Repeat("─", max(0, w-20))))
		tl := prog.lines
		if len(tl) > room-1 {
			tl = tl[len(tl)-(room-1):]
		}
		for _, l := range tl {
			arrow := "→"
			if l.host == "server" {
				arrow = "←"
			}
			text := fmt.Sprintf("  %-6s %s %s", l.host, arrow, l.text)
			switch {
			case l.index == p.i:
				text = p.st.current.Render(ansi.Truncate(text, w, ""))
			case l.note:
				text = p.st.note.Render(text)
			}
			lines = append(lines, text)
		}
	}
	for len(lines) < h-len(footer) {
		lines = append(lines, "")
	}
	lines = append(lines[:h-len(footer)], footer...)
	sc.text = fit(lines, w, h)
	// The rows can be redrawn alone when they sit whole on the screen
	// (always, at the smallest size: title, 4-5 box lines, 3 rows).
	fitted := strings.Split(sc.text, "\n")
	if end := rowsAt + len(rows); end <= len(fitted) {
		sc.before = strings.Join(fitted[:rowsAt], "\n")
		if end < len(fitted) {
			sc.after = "\n" + strings.Join(fitted[end:], "\n")
		}
		sc.stg, sc.headLen, sc.animated = stg, len(head), true
	}
	return sc
}

func (p *Player) predictionLines(w int) []string {
	q := safePrediction(p.asking)
	out := wrapIndent(p.st.prompt.Render("? "+q.Question), w, 2)
	for k, c := range q.Choices {
		mark := "  "
		if p.answered == k+1 {
			mark = "» "
		}
		out = append(out, fmt.Sprintf("  %s%d. %s", mark, k+1, c))
	}
	switch {
	case p.answered == 0:
		out = append(out, p.st.dim.Render("  press 1-"+fmt.Sprint(len(q.Choices))))
	case p.answered == q.Answer:
		out = append(out, wrapIndent(p.st.ok.Render("  ✓ Right. "+q.Explain), w, 4)...)
		out = append(out, p.st.dim.Render("  any key: see it happen"))
	default:
		out = append(out, wrapIndent(p.st.bad.Render(fmt.Sprintf("  ✗ Not quite: it is %d. %s", q.Answer, q.Explain)), w, 4)...)
		out = append(out, p.st.dim.Render("  any key: see it happen"))
	}
	return out
}

// timeline is a bar with the position and marks where connections failed.
// The marks are drawn once per trace length and width, not per frame.
func (p *Player) timeline(w int) string {
	n := len(p.s.Events)
	barW := w - 2
	if n == 0 || barW < 4 {
		return ""
	}
	if p.marksOf != n || p.marksW != barW {
		p.marks = []rune(strings.Repeat("·", barW))
		for k, e := range p.s.Events {
			x := k * (barW - 1) / max(1, n-1)
			switch {
			case e.Kind == trace.Timeout || e.Kind == trace.Refused || e.Kind == trace.Reset ||
				(e.Kind == trace.Verdict && e.Verdict != "accept"):
				p.marks[x] = '✗'
			case e.Kind == trace.Result:
				p.marks[x] = '■'
			}
		}
		p.marksOf, p.marksW = n, barW
	}
	bar := p.marks
	if p.i >= 0 {
		x := p.i * (barW - 1) / max(1, n-1)
		bar = append(append(append(make([]rune, 0, barW), bar[:x]...), '▲'), bar[x+1:]...)
	}
	return " " + p.st.dim.Render(string(bar))
}

func padBetween(l, r string, w int) string {
	gap := w - ansi.StringWidth(l) - ansi.StringWidth(r)
	if gap < 1 {
		return ansi.Truncate(l+" "+r, w, "")
	}
	return l + strings.Repeat(" ", gap) + r
}

// wrap breaks styled text to the width.
func wrap(s string, w int) []string {
	return strings.Split(ansi.Wrap(s, w-1, " "), "\n")
}

// wrapIndent wraps like wrap and indents the continuation lines, so a
// question or an answer reads as one block under its mark.
func wrapIndent(s string, w, indent int) []string {
	first := wrap(s, w)
	if len(first) < 2 {
		return first
	}
	pad := strings.Repeat(" ", indent)
	out := []string{first[0]}
	// The rest is wrapped again to the narrower width.
	rest := strings.Join(first[1:], " ")
	for _, l := range wrap(rest, w-indent) {
		out = append(out, pad+l)
	}
	return out
}

// fit makes the screen exactly h lines, none wider than w.
func fit(lines []string, w, h int) string {
	if len(lines) > h {
		lines = lines[:h]
	}
	for i, l := range lines {
		if ansi.StringWidth(l) > w {
			lines[i] = ansi.Truncate(l, w, "")
		}
	}
	return strings.Join(lines, "\n")
}

// reflow joins the lines of each paragraph, as Markdown would, so the
// screen wraps them to its own width.
func reflow(s string) string {
	paras := strings.Split(s, "\n\n")
	for i, para := range paras {
		paras[i] = strings.Join(strings.Fields(para), " ")
	}
	return strings.Join(paras, "\n")
}

func splitLines(s string) []string { return strings.Split(s, "\n") }
