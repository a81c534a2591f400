package player

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"ftplab/tui/theme"
)

// Received is what one of the client's commands got back: a listing's
// text, or a line saying what a get received. The events only count a
// data connection's bytes; this is what they said.
type Received struct {
	// At is the event (an index in Session.Events, the transport's own
	// events counted too) by which all of it had arrived, such as the
	// server's close of the data connection: the player shows it from
	// that event's step on, never before.
	At      int
	Command string // as the learner typed it: "ls", "get hello.txt"
	Conn    int    // the data connection that carried it
	Bytes   int64  // how many bytes that connection brought
	Text    string // as received, CRLFs and all; escaped where it is drawn
}

// receivedLines is what the client has received by step cur, oldest
// first: each command's line, then its text, one line per line received.
// A download still on its way says how much has come (sofar: a data
// connection's bytes at this step) and when it will be whole.
func receivedLines(got []Received, cur, w int, st theme.Styles, sofar func(conn int) int64, name func(conn int) string) []string {
	var out []string
	for _, rc := range got {
		put := isPut(rc.Command)
		if cur < 0 {
			break
		}
		if rc.At > cur {
			if n := sofar(rc.Conn); n > 0 && !put {
				out = append(out, st.Dim.Render(cutWords(fmt.Sprintf("  %s  (%d bytes so far on %s: whole when the server closes it)",
					safe(rc.Command), n, name(rc.Conn)), w)))
			}
			continue // not arrived yet at this step
		}
		moved := "bytes on"
		if put {
			moved = "bytes sent on" // an upload: what came back is the server's word on it
		}
		head := fmt.Sprintf("  %s  (%d %s %s)", safe(rc.Command), rc.Bytes, moved, name(rc.Conn))
		if wire := sofar(rc.Conn); wire > 0 && wire != rc.Bytes {
			// TLS's records, or what a reset threw away before it was read.
			head = fmt.Sprintf("  %s  (%d bytes; %s carried %d)", safe(rc.Command), rc.Bytes, name(rc.Conn), wire)
		}
		head = cutWords(head, w)
		if rc.At == cur {
			head = st.Current.Render(head)
		}
		out = append(out, head)
		text := strings.TrimSuffix(strings.ReplaceAll(rc.Text, "\r\n", "\n"), "\n")
		if text == "" {
			out = append(out, st.Dim.Render("    (empty)"))
			continue
		}
		for _, l := range strings.Split(text, "\n") {
			// Escaped, so a file name cannot move the cursor or recolour
			// the screen; wrapped rather than cut, so a long one is whole.
			for k, part := range strings.Split(ansi.Wrap(safe(l), max(8, w-9), " "), "\n") {
				if k == 0 {
					out = append(out, "    "+part)
				} else {
					out = append(out, "        "+part)
				}
			}
		}
	}
	return out
}

// receivedPane is those lines in room rows under a title; when they do not
// fit, the newest stay and a first line says how many are above.
func receivedPane(lines []string, w, room int, st theme.Styles) []string {
	out := []string{st.Pane.Render("── what the client received " + strings.Repeat("─", max(0, w-29)))}
	if len(lines) > room-1 {
		cut := len(lines) - (room - 2)
		lines = append([]string{st.Dim.Render(fmt.Sprintf("  ⋮ %d lines above", cut))}, lines[cut:]...)
	}
	return append(out, lines...)
}

func isPut(command string) bool {
	verb, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(command)), " ")
	return verb == "put"
}

// bytesOn is how many bytes connection id has carried by this step.
func (p *progress) bytesOn(id int) int64 {
	if c := p.fold.Conn(id); c != nil {
		return c.Bytes
	}
	return 0
}
