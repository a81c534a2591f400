package player

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ftplab/sim/trace"
	"ftplab/tui/theme"
)

// An event's classes, one bit each, kept per event so that switching
// filters scans a byte per event instead of the events themselves.
const (
	classControl uint8 = 1 << iota
	classData
	classBox     // a firewall, NAT or helper step
	classFailure // a dial that failed, a reset, a blocking verdict, a failed result
)

func classOf(e *trace.Event) uint8 {
	var c uint8
	switch e.Channel {
	case trace.Control:
		c |= classControl
	case trace.Data:
		c |= classData
	}
	switch e.Kind {
	case trace.Verdict, trace.NAT, trace.Expect, trace.ExpectUsed, trace.Rewrite, trace.Blind:
		c |= classBox
	}
	switch e.Kind {
	case trace.Timeout, trace.Refused, trace.Reset:
		c |= classFailure
	case trace.Verdict, trace.Result:
		if e.Verdict != "accept" && e.Verdict != "ok" {
			c |= classFailure
		}
	}
	return c
}

// listFilters are what `f` cycles through in the event list; each keeps
// the events with any of its classes (0: all).
var listFilters = []struct {
	name    string
	classes uint8
}{
	{"all", 0},
	{"control", classControl},
	{"data", classData},
	{"firewall/NAT/helper", classBox},
	{"failures", classFailure},
}

// eventList is every event so far, one line each, filtered and searched;
// a selection moves through it and enter takes the player there.
type eventList struct {
	open      bool
	filter    int
	search    string
	searching bool
	input     textinput.Model
	sel       int  // the selected event (an index into the session's events)
	moved     bool // the learner moved the selection: it no longer follows the player
	names     *connNames

	// idx are the events that pass, for n events under filter and search;
	// a live session's new events are added to it, a new filter rebuilds it.
	class        []uint8 // classOf each event, for len(class) events
	idx          []int
	n            int
	builtFilter  int
	builtSearch  string
	builtCurrent bool
}

func newEventList() eventList {
	in := textinput.New()
	in.Prompt = "/"
	in.Placeholder = "search"
	return eventList{input: in}
}

// describe is event k's line, its connection named per channel.
func (l *eventList) describe(events []trace.Event, k int) string {
	if l.names == nil {
		return trace.Describe(events[k])
	}
	return l.names.describe(events, events[k])
}

func (l *eventList) keeps(events []trace.Event, k int, search string) bool {
	if c := listFilters[l.filter].classes; c != 0 && l.class[k]&c == 0 {
		return false
	}
	return search == "" || strings.Contains(strings.ToLower(l.describe(events, k)), search)
}

// index brings idx up to date with the events.
func (l *eventList) index(events []trace.Event) []int {
	if !l.builtCurrent || l.builtFilter != l.filter || l.builtSearch != l.search || len(events) < l.n {
		l.idx, l.n = l.idx[:0], 0
		l.builtFilter, l.builtSearch, l.builtCurrent = l.filter, l.search, true
	}
	if len(l.class) > len(events) {
		l.class = l.class[:0]
	}
	for k := len(l.class); k < len(events); k++ {
		l.class = append(l.class, classOf(&events[k]))
	}
	search := strings.ToLower(l.search)
	for k := l.n; k < len(events); k++ {
		if l.keeps(events, k, search) {
			l.idx = append(l.idx, k)
		}
	}
	l.n = len(events)
	return l.idx
}

// position is where sel falls in idx: the first kept event at or after it.
func position(idx []int, sel int) int {
	lo, hi := 0, len(idx)
	for lo < hi {
		m := (lo + hi) / 2
		if idx[m] < sel {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// key handles a key while the list is open. jump is an event to move the
// player to (-1 for none); handled false lets the player have the key.
func (l *eventList) key(msg tea.KeyPressMsg, events []trace.Event) (jump int, handled bool, cmd tea.Cmd) {
	if l.searching {
		switch msg.String() {
		case "enter":
			l.searching = false
			l.input.Blur()
		case "esc":
			l.searching, l.search = false, ""
			l.input.Reset()
			l.input.Blur()
		default:
			l.input, cmd = l.input.Update(msg)
			l.search = l.input.Value()
		}
		return -1, true, cmd
	}
	idx := l.index(events)
	at := min(position(idx, l.sel), max(len(idx)-1, 0))
	move := func(d int) {
		if len(idx) == 0 {
			return
		}
		at = min(max(at+d, 0), len(idx)-1)
		l.sel, l.moved = idx[at], true
	}
	switch msg.String() {
	case "up", "k":
		move(-1)
	case "down", "j":
		move(1)
	case "pgup":
		move(-10)
	case "pgdown":
		move(10)
	case "enter":
		l.moved = false
		if len(idx) > 0 {
			return idx[at], true, nil
		}
	case "f":
		l.filter = (l.filter + 1) % len(listFilters)
	case "/":
		l.searching = true
		return -1, true, l.input.Focus()
	case "esc":
		if l.search != "" {
			l.search = ""
			l.input.Reset()
			return -1, true, nil
		}
		l.open = false
	default:
		return -1, false, nil
	}
	return -1, true, nil
}

// view is the list in w x h cells: a title line, then the events around
// the selection, the player's step marked ▶ and the selection highlighted.
// sub, when not nil, gives the lines shown under a step (its packets, in
// packets detail).
func (l *eventList) view(events []trace.Event, cur, w, h int, st theme.Styles, sub func(step int) []string) []string {
	if !l.moved {
		l.sel = cur
	}
	if sub == nil {
		sub = func(int) []string { return nil }
	}
	idx := l.index(events)
	title := fmt.Sprintf(" events · %s · %d of %d · f filter · / search · enter go", listFilters[l.filter].name, len(idx), len(events))
	out := []string{st.Pane.Render(ansi.Truncate(title, w, "…"))}
	if l.searching || l.search != "" {
		out = append(out, " "+l.input.View())
	}
	rows := h - len(out)
	if rows <= 0 {
		return out[:h]
	}
	// Start so that the selection sits about the middle, counting the
	// lines under each step.
	at := position(idx, l.sel)
	start, above := min(at, len(idx)), 0
	for start > 0 {
		n := 1 + len(sub(idx[start-1]))
		if above+n > rows/2 {
			break
		}
		start, above = start-1, above+n
	}
	start = min(start, max(len(idx)-rows, 0))
	for k := start; k < len(idx) && len(out) < h; k++ {
		i := idx[k]
		mark := "  "
		if i == cur {
			mark = "▶ "
		}
		line := ansi.Truncate(fmt.Sprintf("%s%9s  %s", mark, trace.Seconds(events[i].T), safe(l.describe(events, i))), w, "…")
		if i == l.sel {
			line = st.Current.Render(line)
		}
		out = append(out, line)
		for _, s := range sub(i) {
			if len(out) >= h {
				break
			}
			out = append(out, ansi.Truncate(s, w, "…"))
		}
	}
	if len(idx) == 0 {
		out = append(out, st.Dim.Render("  no event matches"))
	}
	return out
}
