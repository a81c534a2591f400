package player

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"ftplab/sim/trace"
	"ftplab/tui/theme"
)

// transcriptLine is one control-channel line up to a step.
type transcriptLine struct {
	index int    // event index
	host  string // who sent it
	text  string
	note  bool // a helper rewrite or blind notice
}

// addTranscript appends event k's control line, if it has one. A run of
// encrypted segments from one host stays one line: one says enough.
func addTranscript(out []transcriptLine, k int, e trace.Event) []transcriptLine {
	var l transcriptLine
	text, isLine := e.ControlLine()
	switch {
	case isLine:
		l = transcriptLine{index: k, host: safe(e.Host), text: safe(text)}
	case e.Kind == trace.Segment && e.Channel == trace.Control:
		l = transcriptLine{index: k, host: safe(e.Host), text: "(encrypted)", note: true}
		if n := len(out); n > 0 && out[n-1].text == l.text && out[n-1].host == l.host {
			out[n-1].index = k
			return out
		}
	case e.Kind == trace.Rewrite:
		l = transcriptLine{index: k, host: safe(e.Box), text: safe(e.Box + " rewrites it: " + e.After), note: true}
	case e.Kind == trace.Blind:
		l = transcriptLine{index: k, host: safe(e.Box), text: safe(e.Box) + " cannot read the channel any more", note: true}
	default:
		return out
	}
	return append(out, l)
}

// progress is the connections and the transcript at step upTo, kept
// between frames: stepping forward applies only the new events, so a frame
// never walks the whole trace (a replay may hold a million events).
type progress struct {
	upTo    int // the last event applied; -1 none
	fold    trace.Fold
	lines   []transcriptLine
	sockets sockets
}

func newProgress() *progress {
	return &progress{upTo: -1}
}

// at brings the state to step i. Events are only ever appended, so going
// forward continues from where it stood; going back starts over.
func (p *progress) at(events []trace.Event, i int) *progress {
	if i < p.upTo {
		*p = *newProgress()
	}
	for k := p.upTo + 1; k <= i && k < len(events); k++ {
		p.fold.Apply(events[k])
		p.lines = addTranscript(p.lines, k, events[k])
		p.sockets.apply(events[k], &p.fold)
		p.upTo = k
	}
	return p
}

// transcriptPane is the control channel's lines that fit in room rows, the
// line of the current step highlighted.
func transcriptPane(lines []transcriptLine, cur, w, room int, st theme.Styles) []string {
	out := []string{st.Pane.Render("── control channel " + strings.Repeat("─", max(0, w-20)))}
	if len(lines) > room-1 {
		lines = lines[len(lines)-(room-1):]
	}
	for _, l := range lines {
		// Who sent it, as a first-year student reads it: C->S for the
		// client's commands, S->C for the server's replies; a box's note
		// hangs under the line it is about.
		dir := "C->S"
		switch {
		case l.host == "server":
			dir = "S->C"
		case l.host != "client":
			dir = "  ↳ "
		}
		text := cutWords(fmt.Sprintf("  %s %s", dir, l.text), w)
		switch {
		case l.index == cur:
			text = st.Current.Render(text)
		case l.note:
			text = st.Note.Render(text)
		}
		out = append(out, text)
	}
	return out
}

// cutWords fits s in w cells with an ellipsis, cutting at a space rather
// than in the middle of a number or an address.
func cutWords(s string, w int) string {
	if ansi.StringWidth(s) <= w {
		return s
	}
	cut := []rune(ansi.Truncate(s, w-1, ""))
	if k := len(cut); k < len([]rune(s)) && isAddrRune(cut[k-1]) && isAddrRune([]rune(s)[k]) {
		for k > 0 && cut[k-1] != ' ' {
			k--
		}
		if k > 0 {
			cut = cut[:k]
		}
	}
	return string(cut) + "…"
}

func isAddrRune(r rune) bool {
	return r >= '0' && r <= '9' || r == ',' || r == '.' || r == ':' || r == '|'
}
