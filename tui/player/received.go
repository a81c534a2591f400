package player

import (
	"fmt"
	"strings"

	"ftplab/tui/theme"
)

// Received is what one of the client's commands got back: a listing's
// text, or a line saying what a get received. The events only count a
// data connection's bytes; this is what they said.
type Received struct {
	// At is the event (an index in Session.Events) by which all of it had
	// arrived, such as the server's close of the data connection: the
	// player shows it from that step on, never before.
	At      int
	Command string // as the learner typed it: "ls", "get hello.txt"
	Conn    int    // the data connection that carried it
	Bytes   int64  // how many bytes that connection brought
	Text    string // as received, CRLFs and all; escaped where it is drawn
}

// receivedLines is what the client has received by step cur, oldest
// first: each command's line, then its text, one line per line received.
func receivedLines(got []Received, cur, w int, st theme.Styles) []string {
	var out []string
	for _, rc := range got {
		if rc.At > cur || cur < 0 {
			continue // not arrived yet at this step
		}
		moved := "bytes on"
		if verb, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(rc.Command)), " "); verb == "put" {
			moved = "bytes sent on" // an upload: what came back is the server's word on it
		}
		head := fmt.Sprintf("  %s  (%d %s data #%d)", safe(rc.Command), rc.Bytes, moved, rc.Conn)
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
			// One received line is one screen line: escaped, so a file
			// name cannot move the cursor or recolour the screen.
			out = append(out, cutWords("    "+safe(l), w))
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
