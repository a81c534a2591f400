package tui

import (
	"fmt"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/list"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"ftplab/tui/player"
)

// MenuItem is one lesson in the menu.
type MenuItem struct{ Name, TitleText, Summary string }

// Title, Description and FilterValue make MenuItem a list.DefaultItem.
func (i MenuItem) Title() string       { return i.TitleText }
func (i MenuItem) Description() string { return i.Summary }
func (i MenuItem) FilterValue() string { return i.Name + " " + i.TitleText }

// Menu lists the lessons; enter opens one in a player on top of it.
type Menu struct {
	list list.Model
	open func(name string) (player.Session, error)
	o    player.Options
	err  error
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
	return &Menu{list: l, open: open, o: o}
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
	case tea.KeyPressMsg:
		if m.list.FilterState() == list.Filtering {
			break
		}
		switch msg.String() {
		case "enter":
			it, ok := m.list.SelectedItem().(MenuItem)
			if !ok {
				return m, nil
			}
			m.err = nil
			return m, open(func() (player.Session, error) { return m.open(it.Name) }, m.o)
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
