package tui

import (
	"errors"
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ftplab/tui/player"
)

// MenuItem is one lesson in the menu. Number is its place (1, 2, ...);
// Best is the learner's best result so far ("" when not finished).
type MenuItem struct {
	Name, TitleText, Summary string
	Number                   int
	Best                     string
}

// Title, Description and FilterValue make MenuItem a list.DefaultItem.
func (i MenuItem) Title() string {
	t := i.TitleText
	if i.Number > 0 {
		t = fmt.Sprintf("%2d. %s", i.Number, t)
	}
	if i.Best != "" {
		t += "  ✓ " + i.Best
	}
	return t
}
func (i MenuItem) Description() string { return i.Summary }
func (i MenuItem) FilterValue() string { return i.Name + " " + i.TitleText }

// Menu lists the lessons; enter opens one in a player on top of it.
type Menu struct {
	list   list.Model
	open   func(name string) (player.Session, error)
	record func(name string, score, total int) (best string, err error)
	o      player.Options
	err    error
	opened int // the item whose lesson is playing, -1 none
}

// NewMenu makes the lesson menu; open starts a lesson (in a tea.Cmd).
func NewMenu(items []MenuItem, open func(name string) (player.Session, error), o player.Options) *Menu {
	li := make([]list.Item, len(items))
	for i, it := range items {
		li[i] = it
	}
	l := list.New(li, list.NewDefaultDelegate(), 80, 23)
	l.Title = "ftplab · lessons: how FTP sets up its two channels"
	l.SetShowStatusBar(false)
	// The menu itself handles q and enter; the list's help says so (its own
	// default quit binding is "v select", which would only confuse).
	l.KeyMap.Quit = key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit"))
	enter := key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open"))
	l.AdditionalShortHelpKeys = func() []key.Binding { return []key.Binding{enter} }
	l.AdditionalFullHelpKeys = l.AdditionalShortHelpKeys
	return &Menu{list: l, open: open, o: o, opened: -1}
}

// Record keeps a finished lesson's score (the progress file) and gives
// its best result back for the menu's mark.
func (m *Menu) Record(record func(name string, score, total int) (best string, err error)) *Menu {
	m.record = record
	return m
}

// Note shows a line under the list (a progress file that was set aside).
func (m *Menu) Note(text string) *Menu {
	if text != "" {
		m.err = errors.New(text)
	}
	return m
}

// recordedMsg is a finished lesson's best result, once kept.
type recordedMsg struct {
	item int
	best string
	err  error
}

// openItem asks for the lesson of item k.
func (m *Menu) openItem(k int) tea.Cmd {
	items := m.list.Items()
	if k < 0 || k >= len(items) {
		return nil
	}
	it := items[k].(MenuItem)
	m.err, m.opened = nil, k
	m.list.Select(k)
	return open(func() (player.Session, error) { return m.open(it.Name) }, m.o)
}

// Init does nothing: the menu waits for keys.
func (m *Menu) Init() tea.Cmd { return nil }

// Update moves in the list; enter asks for the lesson's session.
func (m *Menu) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.list.SetSize(msg.Width, msg.Height-1)
	case openFailedMsg:
		m.err = msg.err
		return m, nil
	case player.FinishedMsg:
		k, record := m.opened, m.record
		if k < 0 || record == nil {
			return m, nil
		}
		name := m.list.Items()[k].(MenuItem).Name
		return m, func() tea.Msg {
			best, err := record(name, msg.Score, msg.Total)
			return addressed{m, recordedMsg{k, best, err}} // the player is still on top
		}
	case recordedMsg:
		if msg.err != nil {
			m.err = msg.err
			return m, nil
		}
		it := m.list.Items()[msg.item].(MenuItem)
		it.Best = msg.best
		return m, m.list.SetItem(msg.item, it)
	case player.NextMsg:
		return m, m.openItem(m.opened + 1)
	case LeadMsg:
		return m, m.openName(msg.Lesson)
	case resumedMsg:
		m.opened = -1
		return m, nil
	case tea.KeyPressMsg:
		if m.list.FilterState() == list.Filtering {
			break
		}
		switch msg.String() {
		case "enter":
			if _, ok := m.list.SelectedItem().(MenuItem); !ok {
				return m, nil
			}
			return m, m.openItem(m.list.Index())
		case "q", "ctrl+c":
			return m, tea.Quit
		}
	}
	var cmd tea.Cmd
	m.list, cmd = m.list.Update(msg)
	return m, cmd
}

// View shows the list.
func (m *Menu) View() tea.View {
	s := m.list.View()
	if m.err != nil {
		s += "\n" + lipgloss.NewStyle().Bold(true).Render(fmt.Sprint("error: ", m.err))
	}
	v := tea.NewView(s)
	v.AltScreen = true
	v.WindowTitle = "ftplab"
	return v
}
