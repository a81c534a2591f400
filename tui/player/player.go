// Package player plays one session on the terminal: a stage with the
// hosts, boxes and connections, the narration, the control-channel
// transcript and a timeline. It only reads events: a [Session] brings
// them, up front or through a [Feed], with a [Guide] for a lesson's words
// and questions. The player is made of parts that each own their state:
// the transport (position, animation, autoplay), the quiz, the stage, the
// transcript and the timeline.
package player

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ftplab/internal/termsafe"
	"ftplab/sim/trace"
	"ftplab/tui/theme"
)

type (
	feedMsg    struct{ e trace.Event }
	feedEndMsg struct{ err error }
)

// BackMsg is the player asking the screen below it to take over again
// (esc or m). A player on its own ignores it.
type BackMsg struct{}

// HostedMsg tells a player that a screen below it takes over on BackMsg
// (the App sends it when it opens the player on top of another screen);
// until then the player offers no way back.
type HostedMsg struct{}

// FinishedMsg says the learner reached the end of the session, with the
// questions' score; the screen that opened the player keeps it.
type FinishedMsg struct{ Score, Total int }

// NextMsg is the end card's enter: the screen below opens what comes next.
type NextMsg struct{}

// Player is the tea.Model that plays one session.
type Player struct {
	s           Session
	o           Options
	st          theme.Styles
	keys        keyMap
	help        help.Model
	w, h        int
	tr          transport
	q           quiz
	fullHelp    bool
	list        eventList
	inspect     bool   // the step inspector is open
	finished    bool   // FinishedMsg was sent
	confirmQuit bool   // q during a question: asking whether to quit
	feedDone    bool   // the feed has no more events (or there is none)
	feedErr     error  // why the feed ended early, if it did
	waiting     bool   // a Next is in flight
	reported    Status // the last status given to Options.OnStatus
	lead        int    // the teacher's step (1-based) the learner follows, 0 free

	ev     stream      // every event; p.s.Events are its steps
	pv     *packetView // the packets of each step, when asked for
	detail detail      // steps, or packets too (key d)
	pk     int         // packets detail: the packet of the step shown
	names  connNames   // "data 1", "data 2"

	scr  composed  // the last screen composed
	prog *progress // connections and transcript at step i, kept between frames
	tl   timeline
}

// New makes a player on a session, 80x24 until told its size.
func New(s Session, o Options) *Player {
	s.Header = safeHeader(s.Header)
	var ev stream
	ev, s.Events = newStream(s.Events)
	keys := newKeyMap(o.Keys)
	keys.Back.SetEnabled(false) // until a screen below says it takes over (HostedMsg)
	p := &Player{s: s, o: o, st: theme.New(o.NoColor, o.Present, o.Light), keys: keys, help: help.New(),
		tr: newTransport(), q: newQuiz(), list: newEventList(), prog: newProgress(), feedDone: s.Feed == nil, ev: ev}
	p.list.names = &p.names
	p.SetSize(80, 24)
	p.step(1)
	return p
}

// SetSize sets the screen size.
func (p *Player) SetSize(w, h int) {
	p.w, p.h = w, h
	p.help.SetWidth(w)
}

// Init starts listening to a feed, and the first packet's animation.
func (p *Player) Init() tea.Cmd {
	if !p.feedDone && len(p.s.Events) == 0 {
		return p.waitFeed()
	}
	return p.tr.animate()
}

// Close tells the feed, if any, that the player is leaving.
func (p *Player) Close() error {
	if p.s.Feed != nil {
		return p.s.Feed.Close()
	}
	return nil
}

// Append adds an event that a screen received itself (serve --watch feeds
// its players this way) and shows it if the player stood at the end.
func (p *Player) Append(e trace.Event) tea.Cmd {
	if !p.ev.add(e) {
		return nil // a packet, not a step
	}
	p.s.Events = append(p.s.Events, e)
	if p.tr.i < 0 || p.tr.i == len(p.s.Events)-2 {
		p.step(1)
		return p.tr.animate()
	}
	return nil
}

func (p *Player) waitFeed() tea.Cmd {
	if p.feedDone || p.waiting {
		return nil
	}
	p.waiting = true
	f := p.s.Feed
	return func() tea.Msg {
		e, err := f.Next()
		if err != nil {
			return feedEndMsg{err}
		}
		return feedMsg{e}
	}
}

// length is how many events the session has in all, as far as is known.
func (p *Player) length() int { return max(len(p.s.Events), p.s.Length) }

// atEnd tells whether the learner stands on the last event of a session
// that has no more.
func (p *Player) atEnd() bool {
	return p.feedDone && len(p.s.Events) > 0 && p.tr.i == len(p.s.Events)-1 && p.q.asking == nil
}

// question is the unasked question due at event k, if any.
func (p *Player) question(k int) *Question {
	if p.s.Guide == nil || p.q.asked[k] {
		return nil
	}
	return p.s.Guide.Question(k, p.s.Events)
}

// jumpTo goes forward to event n, or backward, as G and the seek keys do.
// Going forward it stops before the first question not yet answered, so
// skipping ahead never skips a question; beyond the known events of a live
// session it lets the run go on until it gets there.
func (p *Player) jumpTo(n int) tea.Cmd {
	p.tr.playing = false
	for k := p.tr.i + 1; k <= min(n, len(p.s.Events)-1); k++ {
		if q := p.question(k); q != nil {
			p.step(k - 1 - p.tr.i)
			p.q.ask(k, q)
			return nil
		}
	}
	p.step(n - p.tr.i)
	if n > len(p.s.Events)-1 && !p.feedDone {
		p.tr.runTo = n
		return p.waitFeed()
	}
	return p.tr.animate()
}

// step moves by d events (forward or back), asking a question first when
// one is due. It reports whether the position changed.
func (p *Player) step(d int) bool {
	n := min(max(p.tr.i+d, 0), len(p.s.Events)-1)
	if n == p.tr.i || n < 0 {
		return false
	}
	if d == 1 && p.s.Guide != nil { // questions on single steps only: a jump just goes
		for k := p.tr.i + 1; k <= n; k++ {
			if p.q.ask(k, p.s.Guide.Question(k, p.s.Events)) {
				p.tr.playing = false
				n = k - 1 // stop just before the event the question is about
				break
			}
		}
		if n == p.tr.i {
			return false
		}
	}
	p.tr.moveTo(n, d == 1)
	p.pk = 0
	return true
}

// forward steps once, asking the feed for more at the end.
func (p *Player) forward() tea.Cmd {
	if p.tr.i >= len(p.s.Events)-1 {
		if !p.feedDone {
			return p.waitFeed()
		}
		p.tr.playing = false
		return nil
	}
	if p.step(1) {
		return p.tr.animate()
	}
	return nil
}

// Update handles keys, timers and the feed's events. The first time the
// learner stands at the end, it also reports the score (FinishedMsg).
func (p *Player) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	defer func() {
		if !p.finished && p.atEnd() {
			p.finished = true
			score := FinishedMsg{Score: p.q.score, Total: p.q.total}
			cmd = tea.Batch(cmd, func() tea.Msg { return score })
		}
		p.report()
	}()
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		p.SetSize(msg.Width, msg.Height)
	case HostedMsg:
		p.keys.Back.SetEnabled(true)
	case tickMsg:
		return p, p.tr.tick(msg)
	case playMsg:
		if p.tr.due(msg) {
			if p.nextPacket() {
				return p, p.tr.schedulePlay()
			}
			cmd := p.forward()
			return p, tea.Batch(cmd, p.tr.schedulePlay())
		}
	case feedMsg:
		p.waiting = false
		if !p.ev.add(msg.e) {
			return p, p.waitFeed() // a packet, not a step: the run goes on to the next event
		}
		p.s.Events = append(p.s.Events, msg.e)
		if p.tr.runTo > p.tr.i {
			last := len(p.s.Events) - 1
			if q := p.question(last); q != nil { // a question stops the run
				p.tr.runTo = 0
				p.step(last - 1 - p.tr.i)
				p.q.ask(last, q)
				return p, nil
			}
			p.step(min(p.tr.runTo, last) - p.tr.i)
			if p.tr.runTo > last {
				return p, p.waitFeed()
			}
			p.tr.runTo = 0
			return p, p.tr.animate()
		}
		if (p.tr.i < 0 || p.tr.i == len(p.s.Events)-2) && !p.ahead(p.tr.i+1) {
			p.step(1)
			return p, p.tr.animate()
		}
	case feedEndMsg:
		p.waiting, p.feedDone = false, true
		if !errors.Is(msg.err, io.EOF) {
			p.feedErr = msg.err
		}
	case FollowMsg:
		return p, p.follow(msg)
	case tea.KeyPressMsg:
		return p, p.key(msg)
	}
	return p, nil
}

func (p *Player) key(msg tea.KeyPressMsg) tea.Cmd {
	if p.confirmQuit {
		p.confirmQuit = false
		if msg.String() == "y" || key.Matches(msg, p.keys.Quit) {
			p.Close()
			return tea.Quit
		}
		return nil
	}
	if p.q.asking != nil {
		switch {
		case key.Matches(msg, p.keys.Quit) && p.q.answered == 0:
			p.confirmQuit = true // a question is open: leaving loses it
			return nil
		case msg.String() == "esc":
			return func() tea.Msg { return BackMsg{} }
		}
	}
	if key.Matches(msg, p.keys.Quit) {
		p.Close()
		return tea.Quit
	}
	if p.q.asking != nil {
		if p.q.key(msg) {
			return p.forward()
		}
		return nil
	}
	if p.atEnd() && msg.String() == "enter" {
		if _, ok := p.s.Guide.(Summarizer); ok {
			return func() tea.Msg { return NextMsg{} }
		}
	}
	if p.list.open {
		jump, handled, cmd := p.list.key(msg, p.s.Events)
		if jump >= 0 {
			p.tr.playing = false
			p.step(jump - p.tr.i)
		}
		if handled {
			return cmd
		}
	}
	if cmd, ok := p.paneKey(msg); ok {
		return cmd
	}
	return p.moveKey(msg)
}

// paneKey handles the keys that open, close and switch what is shown;
// ok is false for any other key.
func (p *Player) paneKey(msg tea.KeyPressMsg) (cmd tea.Cmd, ok bool) {
	switch {
	case key.Matches(msg, p.keys.Back) || msg.String() == "esc":
		switch {
		case p.fullHelp:
			p.fullHelp = false
			return nil, true
		case p.inspect:
			p.inspect = false
			return nil, true
		case !p.keys.Back.Enabled():
			return nil, true // nothing below to go back to
		}
		return func() tea.Msg { return BackMsg{} }, true
	case key.Matches(msg, p.keys.Events):
		p.list.open = !p.list.open
	case key.Matches(msg, p.keys.Filter), key.Matches(msg, p.keys.Search):
		p.list.open = true
		_, _, cmd := p.list.key(msg, p.s.Events)
		return cmd, true
	case key.Matches(msg, p.keys.Inspect):
		p.inspect = !p.inspect
	case key.Matches(msg, p.keys.Detail):
		if p.detail == detailSteps {
			p.detail = detailPackets
		} else {
			p.detail = detailSteps
		}
		p.pk = 0
	case key.Matches(msg, p.keys.Help):
		p.fullHelp = !p.fullHelp
	default:
		return nil, false
	}
	return nil, true
}

// moveKey handles the keys that move through the session.
func (p *Player) moveKey(msg tea.KeyPressMsg) tea.Cmd {
	t := &p.tr
	switch {
	case key.Matches(msg, p.keys.Next):
		t.playing = false
		if p.nextPacket() {
			return nil
		}
		if p.ahead(p.tr.i + 1) {
			return nil
		}
		return p.forward()
	case key.Matches(msg, p.keys.Prev):
		t.playing = false
		if p.prevPacket() {
			return nil
		}
		if p.step(-1) {
			t.frame = animFrames
			p.lastPacket()
		}
	case key.Matches(msg, p.keys.Play):
		if p.lead > 0 {
			return nil // the teacher sets the pace
		}
		t.playing = !t.playing
		return t.schedulePlay()
	case key.Matches(msg, p.keys.Faster):
		t.faster()
	case key.Matches(msg, p.keys.Slower):
		t.slower()
	case key.Matches(msg, p.keys.Start):
		t.playing = false
		p.step(-len(p.s.Events))
	case key.Matches(msg, p.keys.End):
		if p.lead > 0 {
			return p.jumpTo(p.lead - 1)
		}
		if !p.feedDone {
			return p.jumpTo(math.MaxInt32) // the end, wherever the run has it
		}
		return p.jumpTo(len(p.s.Events) - 1)
	case key.Matches(msg, p.keys.Seek):
		to := (p.length() - 1) * int(msg.String()[0]-'0') / 10
		if p.ahead(to) {
			to = p.lead - 1
		}
		return p.jumpTo(to)
	}
	return nil
}

// uncutHelp renders bindings on one line, however wide (the footer
// chooses what fits).
func (p *Player) uncutHelp(b []key.Binding) string {
	h := p.help
	h.SetWidth(0)
	return h.ShortHelpView(b)
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
// connection rows. It is made of the parts' own state (the transport
// without its animation, the quiz without its history), so a new field
// there is part of the key without anyone listing it.
type screenKey struct {
	tr                 transport
	asking             *Question
	answered, score    int
	total, n, w, h     int
	feedDone, fullHelp bool
	list               listKey
	inspect            bool
	detail             detail
	pk                 int
	confirmQuit        bool
	nudged             bool // a key came before the answer
	hosted             bool // the help offers the menu
	lead               int
}

// listKey is what of the event list shows on screen.
type listKey struct {
	open, searching, moved bool
	filter, sel            int
	search, input          string
}

func (p *Player) screenKey() screenKey {
	tr := p.tr
	tr.frame, tr.animGen, tr.playGen = 0, 0, 0
	l := &p.list
	return screenKey{tr: tr, asking: p.q.asking, answered: p.q.answered, score: p.q.score, total: p.q.total,
		n: len(p.s.Events), w: p.w, h: p.h, feedDone: p.feedDone, fullHelp: p.fullHelp, inspect: p.inspect, detail: p.detail, pk: p.pk, confirmQuit: p.confirmQuit, nudged: p.q.nudged, hosted: p.keys.Back.Enabled(), lead: p.lead,
		list: listKey{open: l.open, searching: l.searching, moved: l.moved, filter: l.filter, sel: l.sel, search: l.search, input: l.input.View()}}
}

// composed is the last composed screen, cut around the connection rows.
type composed struct {
	key           screenKey
	text          string   // the whole screen, as composed ("": none yet)
	before, after string   // around the connection rows
	rowSuffix     []string // what follows each row on its line (a side panel)
	stg           stage
	headLen       int // stage lines above the connection rows
	animated      bool
}

// Render is the screen as text, every line at most the width. Between
// steps only the packet moves, so a frame re-renders the connection rows
// and reuses the rest (a frame is drawn every 40 ms while one moves).
func (p *Player) Render() string {
	key := p.screenKey()
	if p.scr.text == "" || p.scr.key != key {
		p.scr = p.compose(key)
	}
	sc := &p.scr
	if !sc.animated {
		return sc.text
	}
	stg := sc.stg
	stg.frac = float64(p.tr.frame) / animFrames
	rows := stg.connRows(sc.headLen)
	var b strings.Builder
	b.Grow(len(sc.text) + 64)
	b.WriteString(sc.before)
	for k, r := range rows {
		b.WriteByte('\n')
		b.WriteString(r)
		if k < len(sc.rowSuffix) {
			b.WriteString(sc.rowSuffix[k])
		}
	}
	b.WriteString(sc.after)
	return b.String()
}

// compose draws the whole screen for a key: the title, then the stage,
// narration, transcript and timeline, each from its own part.
func (p *Player) compose(key screenKey) composed {
	sc := composed{key: key}
	w, h := max(p.w, 40), max(p.h, 12)
	i := p.tr.i
	var cur trace.Event
	if i >= 0 && i < len(p.s.Events) {
		cur = p.s.Events[i]
	}
	lines := []string{p.titleLine(cur, w)}
	if p.fullHelp {
		lines = append(lines, "")
		lines = append(lines, strings.Split(p.help.FullHelpView(p.keys.FullHelp()), "\n")...)
		lines = append(lines, "")
		lines = append(lines, legend(w)...)
		lines = append(lines, "", p.st.Dim.Render(" esc or ? closes this help"))
		for len(lines) < h {
			lines = append(lines, "")
		}
		sc.text = theme.Fit(lines, w, h)
		return sc
	}

	// Stage. With the event list or the inspector open, a large screen
	// gives them a column on the right; a smaller one shows them in place
	// of the narration and the transcript.
	panel := p.list.open || p.inspect
	side := panel && w >= 120 && h >= 36
	mw := w
	if side {
		mw = w - min(64, w-81) - 1 // the stage keeps the 80 columns it is drawn for
	}
	connRows := 3
	if h >= 32 {
		connRows = 5
	}
	prog := p.prog.at(p.s.Events, i)
	stg := stage{width: mw, header: p.s.Header, conns: prog.fold.Conns, socks: &prog.sockets, cur: cur,
		frac: float64(p.tr.frame) / animFrames, styles: p.st, rows: connRows, tall: p.o.Present && h >= 40 && mw >= 100,
		name: func(id int) string { return p.names.of(p.s.Events, id) }}
	head := stg.head()
	lines = append(lines, head...)
	rowsAt := len(lines)
	rows := stg.connRows(len(head))
	lines = append(lines, rows...)

	var help string
	if p.q.asking != nil && p.q.answered == 0 && !p.confirmQuit {
		// Only the answer moves the lesson on: the footer says that, not
		// "→ step".
		help = p.uncutHelp(p.q.helpKeys(p.keys))
	} else {
		help = p.keys.fitShortHelp(p.uncutHelp, w)
	}
	footer := []string{p.tl.view(p.s.Events, p.length(), i, w, p.st), help}
	switch {
	case panel && !side && (w < 80 || h < 24):
		lines = append(lines, p.st.Dim.Render(" make the window larger (80x24 or more) for the event list and inspector"))
		lines = append(lines, p.narration(cur, w)...)
	case panel && !side:
		lines = append(lines, p.panel(prog, i, w, h-len(lines)-len(footer))...)
	default:
		lines = append(lines, p.narration(cur, mw)...)
		// What the client received, then the transcript in what is left.
		room := h - len(lines) - len(footer) - 1
		// While a question is open the transcript it refers to keeps the room.
		if got := receivedLines(p.receivedSteps(), i, mw, p.st, prog.bytesOn, func(id int) string { return p.names.of(p.s.Events, id) }); len(got) > 0 && room >= 5 && p.q.asking == nil {
			pane := receivedPane(got, mw, min(len(got)+1, max(2, room/2)), p.st)
			lines = append(lines, pane...)
			room -= len(pane)
		}
		if room >= 3 { // projectors too: the questions refer to the transcript
			lines = append(lines, transcriptPane(prog.lines, i, mw, room, p.st)...)
		}
	}
	for len(lines) < h-len(footer) {
		lines = append(lines, "")
	}
	lines = lines[:h-len(footer)]
	var suffix []string
	if side {
		pw := w - mw - 1
		pl := p.panel(prog, i, pw, len(lines)-1)
		for k := 1; k < len(lines); k++ {
			s := p.st.Dim.Render("│")
			if k-1 < len(pl) {
				s += pl[k-1]
			}
			lines[k] = padRight(lines[k], mw)
			if k >= rowsAt && k < rowsAt+len(rows) {
				suffix = append(suffix, s)
			}
			lines[k] += s
		}
	}
	lines = append(lines, footer...)
	sc.text = theme.Fit(lines, w, h)
	// The rows can be redrawn alone when they sit whole on the screen
	// (always, at the smallest size: title, 4-5 box lines, 3 rows).
	fitted := strings.Split(sc.text, "\n")
	if end := rowsAt + len(rows); end <= len(fitted) {
		sc.before = strings.Join(fitted[:rowsAt], "\n")
		if end < len(fitted) {
			sc.after = "\n" + strings.Join(fitted[end:], "\n")
		}
		sc.stg, sc.headLen, sc.animated, sc.rowSuffix = stg, len(head), true, suffix
	}
	return sc
}

// endCard closes a lesson: the score, its summary, and what keys do now.
func (p *Player) endCard(w int) []string {
	sum, ok := p.s.Guide.(Summarizer)
	if !ok {
		return nil
	}
	score := "no questions in this lesson"
	if p.q.total > 0 {
		score = fmt.Sprintf("%d of %d questions right", p.q.score, p.q.total)
	}
	if unasked := p.unanswered(); unasked > 0 {
		score += fmt.Sprintf(", %d not answered", unasked)
	}
	out := []string{p.st.Title.Render("■ Lesson finished: " + score)}
	out = append(out, wrap(p.st.Note.Render(termsafe.Text(sum.Summary())), w)...)
	return append(out, p.st.Dim.Render(" enter: the next lesson · esc: the menu · ←/g: look back"))
}

// unanswered counts the questions the learner went past without seeing
// (a jump backwards and forwards again can do it).
func (p *Player) unanswered() int {
	n := 0
	for k := range p.s.Events {
		if p.question(k) != nil {
			n++
		}
	}
	return n
}

// panel is the event list and the inspector, stacked in w x h cells.
func (p *Player) panel(prog *progress, i, w, h int) []string {
	if h <= 0 {
		return nil
	}
	var out []string
	listH := h
	if p.list.open && p.inspect {
		listH = h / 2
	}
	if p.list.open {
		var sub func(int) []string
		if p.detail == detailPackets {
			sub = p.listPackets
		}
		out = append(out, p.list.view(p.s.Events, i, w, listH, p.st, sub)...)
		for len(out) < listH {
			out = append(out, "")
		}
	}
	if p.inspect {
		var c *trace.Conn
		if i >= 0 && i < len(p.s.Events) {
			c = prog.fold.Conn(p.s.Events[i].Conn)
		}
		cur := -1
		if p.detail == detailPackets {
			cur = p.pk
		}
		name := func(id int) string { return p.names.of(p.s.Events, id) }
		out = append(out, inspectorView(inspect(p.s.Events, p.length(), i, p.s.Header, c, p.stepPackets(), cur, name), w, h-len(out), p.st)...)
	}
	return out
}

// padRight pads a styled line with spaces to w cells.
func padRight(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return ansi.Truncate(s, w, "")
}

// legendItems say what every glyph on the stage means.
var legendItems = []string{
	"═ connected", "─ SYN on its way", "┄ closed", "► ◄ who dialed", "● the packet of this step",
	"✗ dropped (box, rule)", "⊘ refused or rejected", "⌛ helper expects a connection",
	"█░ bytes of the announced size", "▲ this step", "✗ ■ on the timeline: a failure, the result",
}

// legend lays the glyphs out in as many columns as fit.
func legend(w int) []string {
	out := []string{" legend"}
	line := " "
	for _, it := range legendItems {
		if ansi.StringWidth(line)+len([]rune(it))+3 > w && line != " " {
			out = append(out, line)
			line = " "
		}
		line += " " + it + "  "
	}
	return append(out, line)
}

// titleLine is the session's title with the position, speed and score.
func (p *Player) titleLine(cur trace.Event, w int) string {
	title := p.s.Header.Title
	if title == "" {
		title = p.s.Header.Name
	}
	pos := fmt.Sprintf("step %d/%d  %s", p.tr.i+1, p.length(), trace.Seconds(cur.T))
	if !p.feedDone {
		pos = "live  " + pos
	}
	if p.tr.playing {
		pos = fmt.Sprintf("▶ x%d  %s", p.tr.speed, pos)
	}
	if p.q.total > 0 {
		pos = fmt.Sprintf("score %d/%d  %s", p.q.score, p.q.total, pos)
	}
	if p.lead > 0 {
		pos = fmt.Sprintf("teacher at %d  %s", p.lead, pos)
	}
	return padBetween(p.st.Title.Render(" ftplab · "+title), p.st.Dim.Render(pos+" "), w)
}

// narration is what happened, then the lesson's words; or the question.
func (p *Player) narration(cur trace.Event, w int) []string {
	lines := []string{p.st.Pane.Render("── what happens " + strings.Repeat("─", max(0, w-17)))}
	switch {
	case p.q.asking != nil && p.confirmQuit:
		lines = append(lines, p.st.Prompt.Render("? Quit now? The question is still open. y quits, any other key stays."))
	case p.q.asking != nil:
		lines = append(lines, p.q.view(w, p.st)...)
	case p.tr.i >= 0:
		lines = append(lines, wrap(p.st.Narr.Render(safe(p.names.describe(p.s.Events, cur))), w)...)
		if p.detail == detailPackets {
			lines = append(lines, p.packetLines(w, 4, p.st)...)
		}
		if p.s.Guide != nil {
			lines = append(lines, p.narrationLines(w)...)
		}
		if p.atEnd() {
			lines = append(lines, p.endCard(w)...)
		}
	}
	if p.feedErr != nil {
		lines = append(lines, wrap(p.st.Bad.Render("the run stopped: "+p.feedErr.Error()), w)...)
	}
	return lines
}

func padBetween(l, r string, w int) string {
	gap := w - ansi.StringWidth(l) - ansi.StringWidth(r)
	if gap < 1 {
		// The right side (step, clock, score) stays whole: the title is
		// what gets shorter.
		l = ansi.Truncate(l, max(0, w-ansi.StringWidth(r)-2), "…")
		gap = max(1, w-ansi.StringWidth(l)-ansi.StringWidth(r))
		return ansi.Truncate(l+strings.Repeat(" ", gap)+r, w, "")
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

// reflow joins the lines of each paragraph, as Markdown would, so the
// screen wraps them to its own width.
func reflow(s string) string {
	paras := strings.Split(s, "\n\n")
	for i, para := range paras {
		paras[i] = strings.Join(strings.Fields(para), " ")
	}
	return strings.Join(paras, "\n")
}
