package player

import "charm.land/bubbles/v2/key"

// keyMap is the player's keys; help renders from it.
type keyMap struct {
	Next, Prev, Play, Faster, Slower, Start, End, Seek, Events, Filter, Search, Inspect, Help, Back, Quit key.Binding
}

func newKeyMap() keyMap {
	return keyMap{
		Next:    key.NewBinding(key.WithKeys("right", "l", "space", "n"), key.WithHelp("→/space", "step")),
		Prev:    key.NewBinding(key.WithKeys("left", "h", "b"), key.WithHelp("←", "back")),
		Play:    key.NewBinding(key.WithKeys("p", "enter"), key.WithHelp("p", "play/pause")),
		Faster:  key.NewBinding(key.WithKeys("+", "="), key.WithHelp("+/-", "speed")),
		Slower:  key.NewBinding(key.WithKeys("-", "_"), key.WithHelp("-", "slower")),
		Start:   key.NewBinding(key.WithKeys("g", "home"), key.WithHelp("g/G", "start/end")),
		End:     key.NewBinding(key.WithKeys("G", "end"), key.WithHelp("G", "end")),
		Seek:    key.NewBinding(key.WithKeys("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), key.WithHelp("0-9", "seek 0-90%")),
		Events:  key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "event list")),
		Filter:  key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filter")),
		Search:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "search")),
		Inspect: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "inspector")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Back:    key.NewBinding(key.WithKeys("m", "esc"), key.WithHelp("m/esc", "menu")),
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
	}
}

// ShortHelp is the one-line help under the player.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Prev, k.Play, k.Faster, k.Start, k.Help, k.Quit}
}

// FullHelp is the `?` view.
func (k keyMap) FullHelp() [][]key.Binding {
	return [][]key.Binding{{k.Next, k.Prev, k.Play, k.Faster, k.Slower}, {k.Start, k.End, k.Seek}, {k.Events, k.Filter, k.Search, k.Inspect}, {k.Help, k.Back, k.Quit}}
}
