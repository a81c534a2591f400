package tui

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"

	"ftplab/sim/trace"
	"ftplab/tui/player"
	"ftplab/tui/theme"
)

// Watch shows real clients of `ftplab serve --watch`: one player per
// client session, fed as the server's sockets act; tab switches between
// sessions.
type Watch struct {
	events   <-chan trace.SessionEvent
	o        player.Options
	st       theme.Styles
	sessions []string
	players  map[string]*player.Player
	steps    map[string]int // events given to each session's player
	cur      int
	w, h     int
}

type watchMsg struct{ e trace.SessionEvent }

// NewWatch reads events until the channel closes.
func NewWatch(events <-chan trace.SessionEvent, o player.Options) *Watch {
	return &Watch{events: events, o: o, st: theme.New(o.NoColor, o.Present, o.Light), players: map[string]*player.Player{}, steps: map[string]int{}, w: 80, h: 24}
}

func (m *Watch) next() tea.Cmd {
	ch := m.events
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return nil
		}
		return watchMsg{e}
	}
}

// Init starts listening.
func (m *Watch) Init() tea.Cmd { return m.next() }

// Update routes events to their session's player and keys to the one shown.
func (m *Watch) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.w, m.h = msg.Width, msg.Height
		for _, p := range m.players {
			p.SetSize(m.w, m.h-1) // the top line names the sessions
		}
		return m, nil
	case watchMsg:
		p := m.players[msg.e.Session]
		if p == nil {
			p = player.New(player.Session{Header: msg.e.Header}, m.o)
			p.SetSize(m.w, m.h-1)
			m.players[msg.e.Session] = p
			m.sessions = append(m.sessions, msg.e.Session)
			m.dropOldest()
		}
		n := m.steps[msg.e.Session]
		switch {
		case n > maxWatchEvents:
			return m, m.next() // the note below already says so
		case n == maxWatchEvents:
			msg.e.Event = trace.Event{Seq: msg.e.Event.Seq, T: msg.e.Event.T, Kind: trace.Note,
				Text: fmt.Sprintf("ftplab keeps the first %d steps of a session; later ones are not shown", maxWatchEvents)}
		}
		m.steps[msg.e.Session] = n + 1
		return m, tea.Batch(p.Append(msg.e.Event), m.next())
	case tea.KeyPressMsg:
		switch msg.String() {
		case "tab":
			if len(m.sessions) > 0 {
				m.cur = (m.cur + 1) % len(m.sessions)
			}
			return m, nil
		case "q", "ctrl+c":
			return m, tea.Quit
		}
	}
	if p := m.current(); p != nil {
		_, cmd := p.Update(msg)
		return m, cmd
	}
	return m, nil
}

// The watch screen keeps a bounded history, so a server that runs for
// days (thousands of sessions, or one client sending NOOPs forever) does
// not grow without end: the newest maxWatchSessions sessions, and the
// first maxWatchEvents steps of each.
const (
	maxWatchSessions = 100
	maxWatchEvents   = 10000
)

// dropOldest forgets the oldest sessions past the limit (never the one on
// screen, unless it is the only choice).
func (m *Watch) dropOldest() {
	for len(m.sessions) > maxWatchSessions {
		k := 0
		if k == m.cur {
			k = 1
		}
		delete(m.players, m.sessions[k])
		delete(m.steps, m.sessions[k])
		m.sessions = append(m.sessions[:k], m.sessions[k+1:]...)
		if m.cur > k {
			m.cur--
		}
	}
}

func (m *Watch) current() *player.Player {
	if len(m.sessions) == 0 {
		return nil
	}
	return m.players[m.sessions[m.cur]]
}

// Render is the screen: a line naming the sessions, then the current one.
func (m *Watch) Render() string {
	top := m.st.Title.Render(fmt.Sprintf(" ftplab serve --watch · %d client session(s) · tab switches", len(m.sessions)))
	p := m.current()
	if p == nil {
		return theme.Fit([]string{top, "", " waiting for a client: point curl, lftp or FileZilla at this server"}, m.w, m.h)
	}
	head := top + m.st.Dim.Render(fmt.Sprintf("  [%d/%d] %s", m.cur+1, len(m.sessions), m.sessions[m.cur]))
	return theme.Fit(append([]string{head}, strings.Split(p.Render(), "\n")...), m.w, m.h)
}

// View draws the screen.
func (m *Watch) View() tea.View {
	v := tea.NewView(m.Render())
	v.AltScreen = true
	v.WindowTitle = "ftplab serve --watch"
	return v
}
