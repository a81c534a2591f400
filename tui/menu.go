package tui

import (
	"context"
	"fmt"
	"io"
	"os"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/sim/trace"
)

// MenuItem is one lesson in the menu.
type MenuItem struct{ Name, TitleText, Summary string }

// Title, Description and FilterValue make MenuItem a list.DefaultItem.
func (i MenuItem) Title() string       { return i.TitleText }
func (i MenuItem) Description() string { return i.Summary }
func (i MenuItem) FilterValue() string { return i.Name + " " + i.TitleText }

// Menu lists the lessons; enter opens one in the player, esc there comes
// back here.
type Menu struct {
	list   list.Model
	open   func(name string) (Session, error)
	o      Options
	player *Player
	err    error
	w, h   int
}

// NewMenu makes the lesson menu.
func NewMenu(items []MenuItem, openLesson func(name string) (Session, error), o Options) *Menu {
	li := make([]list.Item, len(items))
	for i, it := range items {
		li[i] = it
	}
	w, h := o.Width, o.Height
	if w == 0 {
		w, h = 80, 24
	}
	l := list.New(li, list.NewDefaultDelegate(), w, h-1)
	l.Title = "ftplab · lessons: how FTP sets up its two channels"
	l.SetShowStatusBar(false)
	// The menu itself handles q and enter; the list's help says so (its own
	// default quit binding is "v select", which would only confuse).
	l.KeyMap.Quit = key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit"))
	open := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open"))
	l.AdditionalShortHelpKeys = func() []key.Binding { return []key.Binding{open} }
	l.AdditionalFullHelpKeys = l.AdditionalShortHelpKeys
	return &Menu{list: l, open: openLesson, o: o, w: w, h: h}
}

// Init does nothing: the menu waits for keys.
func (m *Menu) Init() tea.Cmd { return nil }

// Update routes messages to the player when one is open.
func (m *Menu) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if ws, ok := msg.(tea.WindowSizeMsg); ok {
		m.w, m.h = ws.Width, ws.Height
		m.list.SetSize(ws.Width, ws.Height-1)
	}
	if m.player != nil {
		if _, ok := msg.(backMsg); ok {
			m.player = nil
			return m, nil
		}
		_, cmd := m.player.Update(msg)
		return m, cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && m.list.FilterState() != list.Filtering {
		switch k.String() {
		case "enter":
			it, ok := m.list.SelectedItem().(MenuItem)
			if !ok {
				return m, nil
			}
			s, err := m.open(it.Name)
			if err != nil {
				m.err = err
				return m, nil
			}
			o := m.o
			o.Width, o.Height = m.w, m.h
			m.player = NewPlayer(s, o)
			m.player.inMenu = true
			return m, tea.Batch(m.player.Init(), m.player.animate())
		case "q", "ctrl+c":
			return m, tea.Quit
		}
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return m, cmd
}

// View shows the player, or the list.
func (m *Menu) View() tea.View {
	if m.player != nil {
		return m.player.View()
	}
	s := m.list.View()
	if m.err != nil {
		s += "\n" + lipgloss.NewStyle().Bold(true).Render(fmt.Sprint("error: ", m.err))
	}
	v := tea.NewView(s)
	v.AltScreen = true
	v.WindowTitle = "ftplab"
	return v
}

// LessonItems lists the embedded lessons for the menu.
func LessonItems() ([]MenuItem, error) {
	ls, err := lessons.All()
	if err != nil {
		return nil, err
	}
	items := make([]MenuItem, len(ls))
	for i, l := range ls {
		items[i] = MenuItem{Name: l.Name, TitleText: l.Title, Summary: l.Summary}
	}
	return items, nil
}

// OpenLesson runs a lesson's scenario through the real endpoints and netem
// (milliseconds, timeouts included) and returns it ready to play, with the
// lesson's narration and predictions.
func OpenLesson(ctx context.Context, name string) (Session, error) {
	l, err := lessons.Find(name)
	if err != nil {
		return Session{}, err
	}
	s, err := sim.Run(ctx, l.Scenario, sim.Options{Title: l.Title})
	if err != nil {
		return Session{}, err
	}
	sess := lessonSession(l)
	sess.Header, sess.Events = s.Header, s.Events
	return sess, nil
}

func lessonSession(l *lessons.Lesson) Session {
	return Session{
		Narrate: l.Narration,
		Predict: func(i int, evs []trace.Event) *Prediction {
			p := l.PredictionAt(i, evs)
			if p == nil {
				return nil
			}
			return &Prediction{Question: p.Question, Choices: p.Choices, Answer: p.Answer, Explain: p.Explain}
		},
	}
}

// LiveLesson starts a lesson's scenario paced by the player: netem holds
// each event until the learner steps, so the next SYN really happens when
// they press →. Stop ends the run (it then finishes at full speed).
func LiveLesson(ctx context.Context, name string) (Session, error) {
	l, err := lessons.Find(name)
	if err != nil {
		return Session{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	events := make(chan trace.Event)
	gate := make(chan struct{}, 1)
	header := make(chan trace.Header, 1)
	failed := make(chan error, 1)
	go func() {
		defer close(events)
		_, err := sim.Run(ctx, l.Scenario, sim.Options{Title: l.Title, Paced: true,
			OnHeader: func(h trace.Header) { header <- h },
			OnEvent: func(e trace.Event) {
				select {
				case <-gate:
				case <-ctx.Done():
					return
				}
				select {
				case events <- e:
				case <-ctx.Done():
				}
			}})
		if err != nil {
			failed <- err
		}
	}()
	sess := lessonSession(l)
	select {
	case sess.Header = <-header:
	case err := <-failed:
		cancel()
		return Session{}, err
	}
	sess.Live = events
	sess.Release = func() {
		select {
		case gate <- struct{}{}:
		default:
		}
	}
	sess.Stop = cancel
	return sess, nil
}

// Run runs a model full screen until it quits. NO_COLOR in the environment
// turns colour off.
func Run(ctx context.Context, m tea.Model, in io.Reader, out io.Writer) error {
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if in != nil {
		opts = append(opts, tea.WithInput(in))
	}
	if out != nil {
		opts = append(opts, tea.WithOutput(out))
	}
	_, err := tea.NewProgram(m, opts...).Run()
	return err
}

// NoColor reports whether the NO_COLOR convention asks for no colour.
func NoColor() bool { return os.Getenv("NO_COLOR") != "" }
