package tui

import (
	tea "charm.land/bubbletea/v2"

	"ftplab/tui/player"
)

// LeadMsg is a teacher leading the class (ftplab classroom): every menu
// opens Lesson and its player follows Step; a LeadMsg with no Lesson
// releases the class.
type LeadMsg struct {
	Lesson string
	Step   int
}

// playing is a root screen that knows which lesson it opened (the menu).
type playing interface {
	Playing() string
}

// lead applies a LeadMsg to the stack: the player of the led lesson
// follows; another lesson's player is closed and the menu opens the led
// one (which follows once it is open, see followOpened).
func (a *App) lead(msg LeadMsg) tea.Cmd {
	a.led = msg
	root, ok := a.stack[0].(playing)
	if !ok {
		return nil // the sandbox: nothing to lead
	}
	_, onPlayer := a.top().(*player.Player)
	switch {
	case msg.Lesson == "":
		if onPlayer {
			return a.updateTop(player.FollowMsg{})
		}
		return nil
	case onPlayer && root.Playing() == msg.Lesson:
		return a.updateTop(player.FollowMsg{Step: msg.Step})
	case root.Playing() == msg.Lesson:
		return nil // opening already: the player follows once it is open
	}
	for len(a.stack) > 1 {
		a.pop(resumedMsg{})
	}
	s, cmd := a.stack[0].Update(msg)
	a.stack[0] = s
	return cmd
}

// followOpened makes a player just opened for the led lesson follow.
func (a *App) followOpened() tea.Cmd {
	if a.led.Lesson == "" {
		return nil
	}
	if root, ok := a.stack[0].(playing); !ok || root.Playing() != a.led.Lesson {
		return nil
	}
	if _, ok := a.top().(*player.Player); !ok {
		return nil
	}
	return a.updateTop(player.FollowMsg{Step: a.led.Step})
}

func (a *App) updateTop(msg tea.Msg) tea.Cmd {
	s, cmd := a.top().Update(msg)
	a.stack[len(a.stack)-1] = s
	return cmd
}

// Playing is the name of the lesson the menu opened, "" when none is open.
func (m *Menu) Playing() string {
	if m.opened < 0 {
		return ""
	}
	return m.list.Items()[m.opened].(MenuItem).Name
}

// openName opens the lesson called name, if the menu has it.
func (m *Menu) openName(name string) tea.Cmd {
	for k, it := range m.list.Items() {
		if it.(MenuItem).Name == name {
			return m.openItem(k)
		}
	}
	return nil
}
