package tui

import (
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"ftplab/tui/theme"
)

// defaultCommand is what enter runs on an empty line, and so what the
// empty line shows.
const defaultCommand = "get hello.txt"

// suggestions are what Tab completes before anything has been run.
var suggestions = []string{"get hello.txt", "ls", "ls; get hello.txt", "nlst", "put notes.txt", "put notes.txt; ls"}

// withHistory puts the commands already run (newest first) before the
// usual suggestions, each once.
func withHistory(history []string) []string {
	var out []string
	for k := len(history) - 1; k >= 0; k-- {
		if !slices.Contains(out, history[k]) {
			out = append(out, history[k])
		}
	}
	for _, s := range suggestions {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// sandboxMinWidth is the narrowest the knob screen is laid out for; below
// it, or when its lines do not fit the height, it asks for a larger window.
const sandboxMinWidth = 60

// spacer marks a blank line the layout may leave out when the window is
// short.
const spacer = "\x00"

// inputWidth is the command line's width in a window w wide: the prompt,
// the text, the cursor after it, and the column the layout keeps free.
func inputWidth(w int) int { return max(1, w-len(" ftp> ")-2) }

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// View shows the knobs and the prompt.
func (s *Sandbox) View() tea.View {
	v := tea.NewView(s.screen(s.w, s.h))
	v.AltScreen = true
	v.WindowTitle = "ftplab sandbox"
	return v
}

// screen lays the knob screen out in w x h cells. Nothing a learner must
// read is cut: long lines wrap at a word or between items, and the blank
// lines go first when the window is short. When even that does not fit,
// the screen says how large a window it needs.
func (s *Sandbox) screen(w, h int) string {
	lines := s.layout(max(w, sandboxMinWidth))
	need := 0
	for _, l := range lines {
		if l != spacer {
			need++
		}
	}
	if w < sandboxMinWidth || need > h {
		return theme.Fit(s.tooSmall(w, h, need), w, h)
	}
	spare := h - need
	out := lines[:0:0]
	for _, l := range lines {
		if l == spacer {
			if spare == 0 {
				continue
			}
			spare--
			l = ""
		}
		out = append(out, l)
	}
	return theme.Fit(out, w, h)
}

// tooSmall asks for a larger window, saying how large.
func (s *Sandbox) tooSmall(w, h, need int) []string {
	msg := fmt.Sprintf("This window is %dx%d. The sandbox needs at least %d columns and %d lines: make the window larger.",
		w, h, sandboxMinWidth, need)
	out := []string{s.st.Title.Render(ansi.Truncate(" ftplab · sandbox", w, "…"))}
	return append(out, wrapWords(msg, " ", " ", w)...)
}

// layout is every line of the knob screen at width w, spacers included.
func (s *Sandbox) layout(w int) []string {
	sc := s.sc
	lines := []string{s.st.Title.Render(" ftplab · sandbox"), spacer}
	lines = append(lines, wrapWords("Set up the network, type a client command, press enter to watch it happen.", " ", " ", w)...)
	lines = append(lines, spacer)
	for _, k := range []struct{ key, name, value, note string }{
		{"F1", "mode", string(sc.Mode), ""},
		{"F2", "client firewall", onOff(sc.ClientFirewall()), "(deny inbound NEW)"},
		{"F3", "server firewall", onOff(sc.ServerFirewall()), "(allow inbound 21 only)"},
		{"F4", "open passive range", onOff(sc.OpenPasv), "(server firewall admits 30000-30009; needs F3)"},
		{"F5", "NAT", sc.NAT, ""},
		{"F6", "FTP helper", onOff(sc.ALG), ""},
		{"F7", "TLS", onOff(sc.TLS), ""},
		{"F8", "pasv_address", onOff(sc.PasvAddress), "(server advertises its public address)"},
		{"F9", "skip 227 address", onOff(sc.SkipPasvIP), "(client acts like curl)"},
		{"F10", "link", linkPresets[s.link].name, "(or ctrl+f)"},
	} {
		lines = append(lines, knobRow(k.key, k.name, k.value, k.note, w)...)
	}
	lines = append(lines, spacer, " "+s.input.View())
	lines = append(lines, s.hint(w)...)
	if s.err != nil {
		lines = append(lines, spacer)
		for _, l := range wrapWords(s.err.Error(), " ", "   ", w) {
			lines = append(lines, s.st.Bad.Render(l))
		}
	}
	if s.quitting {
		lines = append(lines, spacer)
		for _, l := range wrapWords("Quit the sandbox? y quits, any other key stays.", " ", " ", w) {
			lines = append(lines, s.st.Prompt.Render(l))
		}
	}
	lines = append(lines, spacer)
	keys := []string{"enter runs the line", "↑/↓ earlier commands", "tab completes", "esc clears the line",
		"a; b runs both in one login", "m/esc in the player comes back here", "q quits"}
	for _, l := range wrapItems(" ", keys, " · ", "   ", w) {
		lines = append(lines, s.st.Dim.Render(l))
	}
	return lines
}

// knobRow is one knob: key, name and value in columns, and its note after
// them, or under them when the line would be too long.
func knobRow(key, name, value, note string, w int) []string {
	row := fmt.Sprintf("   %-4s%-19s%s", key, name, value)
	if note == "" {
		return []string{row}
	}
	one := fmt.Sprintf("%-32s %s", row, note)
	if ansi.StringWidth(one) < w {
		return []string{one}
	}
	return append([]string{row}, wrapWords(note, "       ", "       ", w)...)
}

// hint is the line under the prompt: while something is typed, what Tab
// completes it to (the one it picks marked ▸); on an empty line, the
// commands there are. Items never break in the middle.
func (s *Sandbox) hint(w int) []string {
	var lines []string
	if s.input.Value() != "" {
		if m := s.input.MatchedSuggestions(); len(m) > 0 {
			items := make([]string, len(m))
			for k, x := range m {
				items[k] = x
				if k == s.input.CurrentSuggestionIndex() {
					items[k] = "▸" + x
				}
			}
			if len(m) > 1 {
				items = append(items, "(ctrl+n/ctrl+p: another)")
			}
			lines = wrapItems(" tab: ", items, " · ", "      ", w)
		}
	}
	if lines == nil {
		lines = wrapItems(" commands: ", []string{"ls [DIR]", "nlst [DIR]", "get FILE", "put FILE", "an empty line runs " + defaultCommand}, " · ", "           ", w)
	}
	for k, l := range lines {
		lines[k] = s.st.Dim.Render(l)
	}
	return lines
}

// wrapWords breaks text at spaces to fit w-1 cells, the first line after
// first and the others after indent.
func wrapWords(text, first, indent string, w int) []string {
	return wrapItems(first, strings.Fields(text), " ", indent, w)
}

// wrapItems lays items out after first, sep between them, starting a new
// line (after indent) rather than breaking an item. An item wider than a
// whole line is broken at its spaces, or hard, as a last resort.
func wrapItems(first string, items []string, sep, indent string, w int) []string {
	limit := max(w-1, ansi.StringWidth(indent)+1)
	trail := strings.TrimRight(sep, " ") // ends a line that goes on: "a · b ·"
	var out []string
	line, empty := first, true
	for _, it := range items {
		add := it
		if !empty {
			add = sep + it
		}
		if !empty && ansi.StringWidth(line+add+trail) > limit {
			out = append(out, strings.TrimRight(line+trail, " "))
			line, empty, add = indent, true, it
		}
		if empty && ansi.StringWidth(line+add) > limit {
			// Too wide for any line: wrap the item itself.
			parts := strings.Split(ansi.Wrap(add, limit-ansi.StringWidth(line), " "), "\n")
			for _, p := range parts[:len(parts)-1] {
				out = append(out, line+p)
				line = indent
			}
			add = parts[len(parts)-1]
		}
		line += add
		empty = false
	}
	return append(out, line)
}
