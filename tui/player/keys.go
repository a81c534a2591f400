package player

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"charm.land/bubbles/v2/key"
	"github.com/charmbracelet/x/ansi"
)

// keyMap is the player's keys; help renders from it.
type keyMap struct {
	Next, Prev, Play, Faster, Slower, Start, End, Seek, Events, Filter, Search, Inspect, Detail, Help, Back, Quit key.Binding
}

// actions are the player's remappable actions: the name a config file
// uses, the binding, its default keys and what help says it does.
var actions = []struct {
	name        string
	of          func(*keyMap) *key.Binding
	keys        []string
	label, does string // help for the default keys ("+/-" "speed" stands for faster and slower)
	remapped    string // what help says it does once its keys are changed
}{
	{"next", func(k *keyMap) *key.Binding { return &k.Next }, []string{"right", "l", "space", "n"}, "→/space", "step", "step"},
	{"prev", func(k *keyMap) *key.Binding { return &k.Prev }, []string{"left", "h", "b"}, "←", "back", "back"},
	{"play", func(k *keyMap) *key.Binding { return &k.Play }, []string{"p", "enter"}, "p", "play/pause", "play/pause"},
	{"faster", func(k *keyMap) *key.Binding { return &k.Faster }, []string{"+", "="}, "+/-", "speed", "faster"},
	{"slower", func(k *keyMap) *key.Binding { return &k.Slower }, []string{"-", "_"}, "-", "slower", "slower"},
	{"start", func(k *keyMap) *key.Binding { return &k.Start }, []string{"g", "home"}, "g/G", "start/end", "start"},
	{"end", func(k *keyMap) *key.Binding { return &k.End }, []string{"G", "end"}, "G", "end", "end"},
	{"seek", func(k *keyMap) *key.Binding { return &k.Seek }, []string{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}, "0-9", "seek 0-90%", "seek 0-90%"},
	{"events", func(k *keyMap) *key.Binding { return &k.Events }, []string{"e"}, "e", "event list", "event list"},
	{"filter", func(k *keyMap) *key.Binding { return &k.Filter }, []string{"f"}, "f", "filter", "filter"},
	{"search", func(k *keyMap) *key.Binding { return &k.Search }, []string{"/"}, "/", "search", "search"},
	{"inspect", func(k *keyMap) *key.Binding { return &k.Inspect }, []string{"i"}, "i", "inspector", "inspector"},
	{"detail", func(k *keyMap) *key.Binding { return &k.Detail }, []string{"d"}, "d", "steps/packets", "steps/packets"},
	{"help", func(k *keyMap) *key.Binding { return &k.Help }, []string{"?"}, "?", "help", "help"},
	{"back", func(k *keyMap) *key.Binding { return &k.Back }, []string{"m", "esc"}, "m/esc", "menu", "menu"},
	{"quit", func(k *keyMap) *key.Binding { return &k.Quit }, []string{"q", "ctrl+c"}, "q", "quit", "quit"},
}

// Actions are the names of the player's actions a config file may bind.
func Actions() []string {
	out := make([]string, len(actions))
	for i, a := range actions {
		out[i] = a.name
	}
	return out
}

// VimKeys is the `vim` preset: hjkl move as well.
func VimKeys() map[string][]string {
	return map[string][]string{"next": {"l", "j", "right", "space"}, "prev": {"h", "k", "left"}}
}

// Bindings are the effective keys of every action: the defaults with
// overrides (action -> keys) on top, as `ftplab config` prints them.
func Bindings(overrides map[string][]string) [][2]string {
	km := newKeyMap(overrides)
	out := make([][2]string, len(actions))
	for i, a := range actions {
		out[i] = [2]string{a.name, strings.Join(a.of(&km).Keys(), " ")}
	}
	return out
}

// newKeyMap is the default keys with overrides applied.
func newKeyMap(overrides map[string][]string) keyMap {
	var k keyMap
	for _, a := range actions {
		b := key.NewBinding(key.WithKeys(a.keys...), key.WithHelp(a.label, a.does))
		if o, ok := overrides[a.name]; ok && len(o) > 0 {
			b = key.NewBinding(key.WithKeys(o...), key.WithHelp(helpKeys(a.name, o), a.remapped))
		}
		*a.of(&k) = b
	}
	// "+/- speed" and "g/G start/end" speak for two actions each: once one
	// of the pair is remapped, each speaks for itself.
	if _, ok := overrides["slower"]; ok && k.Faster.Help().Key == "+/-" {
		k.Faster.SetHelp("+", "faster")
	}
	if _, ok := overrides["end"]; ok && k.Start.Help().Key == "g/G" {
		k.Start.SetHelp("g", "start")
	}
	return k
}

// helpKeys is how help shows an action's keys: the first one or two,
// arrows as arrows.
func helpKeys(action string, keys []string) string {
	if action == "seek" && len(keys) == 10 && keys[0] == "0" {
		return "0-9"
	}
	pretty := map[string]string{"right": "→", "left": "←", "up": "↑", "down": "↓"}
	var shown []string
	for _, k := range keys {
		if p, ok := pretty[k]; ok {
			k = p
		}
		shown = append(shown, k)
		if len(shown) == 2 {
			break
		}
	}
	return strings.Join(shown, "/")
}

// CheckKeys reports an override that names no action or binds no key.
func CheckKeys(overrides map[string][]string) error {
	known := map[string]bool{}
	for _, a := range actions {
		known[a.name] = true
	}
	var bad []string
	for name, keys := range overrides {
		if !known[name] {
			bad = append(bad, fmt.Sprintf("unknown action %q (actions: %s)", name, strings.Join(Actions(), ", ")))
		} else if len(keys) == 0 {
			bad = append(bad, fmt.Sprintf("action %q has no keys", name))
		}
	}
	sort.Strings(bad)
	if len(bad) > 0 {
		return fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	return nil
}

// ShortHelp is the one-line help under the player.
func (k keyMap) ShortHelp() []key.Binding {
	return []key.Binding{k.Next, k.Prev, k.Play, k.Faster, k.Start, k.Help, k.Quit}
}

// shortHelpDrops are the bindings a narrow footer leaves out, first to
// last, so that "? help" and "q quit" always show.
func (k keyMap) shortHelpDrops() []key.Binding {
	return []key.Binding{k.Start, k.Faster, k.Play, k.Prev}
}

// fitShortHelp renders the one-line help within w cells, leaving out what
// does not fit rather than cutting the line (which lost "q quit" first).
func (k keyMap) fitShortHelp(render func([]key.Binding) string, w int) string {
	bindings := k.ShortHelp()
	line := render(bindings)
	for _, drop := range k.shortHelpDrops() {
		if ansi.StringWidth(line) <= w {
			break
		}
		bindings = slices.DeleteFunc(bindings, func(b key.Binding) bool { return slices.Equal(b.Keys(), drop.Keys()) })
		line = render(bindings)
	}
	return line
}

// FullHelp is the `?` view. Each key is listed once: with the default
// keys "+/- speed" stands for slower too, and "g/G start/end" for end.
func (k keyMap) FullHelp() [][]key.Binding {
	speed := []key.Binding{k.Next, k.Prev, k.Play, k.Faster}
	if k.Faster.Help().Key != "+/-" {
		speed = append(speed, k.Slower)
	}
	jump := []key.Binding{k.Start}
	if k.Start.Help().Key != "g/G" {
		jump = append(jump, k.End)
	}
	return [][]key.Binding{speed, append(jump, k.Seek), {k.Events, k.Filter, k.Search, k.Inspect, k.Detail}, {k.Help, k.Back, k.Quit}}
}
