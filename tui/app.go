// Package tui is ftplab's terminal screens: the lesson menu, the sandbox
// and the serve --watch view, on a stack held by [App], with the
// [player.Player] on top of them when a session plays. Screens only draw
// and ask: the sessions they open come from functions they are given
// (see ftplab/internal/play), called in a tea.Cmd, so no screen runs a
// simulation or blocks in Update.
package tui

import (
	"context"
	"io"
	"os"

	tea "charm.land/bubbletea/v2"

	"ftplab/tui/player"
)

// OpenMsg asks the App to put a screen on top of the stack.
type OpenMsg struct{ Screen tea.Model }

// addressed is a message for one screen of the stack, wherever it is (an
// answer to a command a screen below the top started).
type addressed struct {
	to  tea.Model
	msg tea.Msg
}

// resumedMsg tells a screen it is on top again.
type resumedMsg struct{}

// App is the only tea.Model given to the program: a stack of screens, the
// top one shown and fed. It sizes every screen it opens; a screen asks
// for another with an [OpenMsg], and a player's [player.BackMsg] closes it
// and shows the screen below (a player on its own ignores esc).
type App struct {
	stack []tea.Model
	size  tea.WindowSizeMsg
	led   LeadMsg // the teacher's lead, if any (ftplab classroom)
}

// NewApp starts the stack with root.
func NewApp(root tea.Model) *App {
	return &App{stack: []tea.Model{root}, size: tea.WindowSizeMsg{Width: 80, Height: 24}}
}

func (a *App) top() tea.Model { return a.stack[len(a.stack)-1] }

// Init starts the root screen.
func (a *App) Init() tea.Cmd { return a.top().Init() }

// Update routes a message to the top screen, or changes the stack.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.size = msg
	case OpenMsg:
		s, _ := msg.Screen.Update(a.size)
		s, _ = s.Update(player.HostedMsg{}) // something is below it now
		a.stack = append(a.stack, s)
		return a, tea.Batch(s.Init(), a.followOpened())
	case LeadMsg:
		return a, a.lead(msg)
	case addressed:
		for k, s := range a.stack {
			if s == msg.to {
				s, cmd := s.Update(msg.msg)
				a.stack[k] = s
				return a, cmd
			}
		}
		return a, nil
	case player.BackMsg:
		return a, a.pop(resumedMsg{})
	case player.NextMsg:
		return a, a.pop(msg) // the screen below opens what comes next
	case player.FinishedMsg:
		if len(a.stack) > 1 { // the screen that opened the player keeps the score
			below := len(a.stack) - 2
			s, cmd := a.stack[below].Update(msg)
			a.stack[below] = s
			return a, cmd
		}
		return a, nil
	}
	s, cmd := a.top().Update(msg)
	a.stack[len(a.stack)-1] = s
	return a, cmd
}

// pop closes the top screen and gives msg to the one below; a screen on
// its own stays.
func (a *App) pop(msg tea.Msg) tea.Cmd {
	if len(a.stack) == 1 {
		return nil
	}
	if c, ok := a.top().(io.Closer); ok {
		c.Close()
	}
	a.stack = a.stack[:len(a.stack)-1]
	s, _ := a.top().Update(a.size)
	s, cmd := s.Update(msg)
	a.stack[len(a.stack)-1] = s
	return cmd
}

// View is the top screen's.
func (a *App) View() tea.View { return a.top().View() }

// Top is the screen on top of the stack (tests look at it).
func (a *App) Top() tea.Model { return a.top() }

// Run runs screen full screen, on an App, until it quits. NO_COLOR in the
// environment turns colour off (see [NoColor]).
func Run(ctx context.Context, screen tea.Model, in io.Reader, out io.Writer) error {
	opts := []tea.ProgramOption{tea.WithContext(ctx)}
	if in != nil {
		opts = append(opts, tea.WithInput(in))
	}
	if out != nil {
		opts = append(opts, tea.WithOutput(out))
	}
	app := NewApp(screen)
	_, err := tea.NewProgram(app, opts...).Run()
	app.Close()
	return err
}

// Close closes every screen on the stack that holds something open (a
// player's feed), once the program that ran the App has ended.
func (a *App) Close() error {
	for _, s := range a.stack {
		if c, ok := s.(io.Closer); ok {
			c.Close()
		}
	}
	return nil
}

// NoColor reports whether the NO_COLOR convention asks for no colour.
func NoColor() bool { return os.Getenv("NO_COLOR") != "" }

// open runs start in a tea.Cmd and opens its session in a player, or
// reports its error to the screen that asked.
func open(start func() (player.Session, error), o player.Options) tea.Cmd {
	return func() tea.Msg {
		s, err := start()
		if err != nil {
			return openFailedMsg{err}
		}
		return OpenMsg{Screen: player.New(s, o)}
	}
}

// openFailedMsg is a session that could not start.
type openFailedMsg struct{ err error }
