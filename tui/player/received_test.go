package player

import (
	"strings"
	"testing"

	"github.com/charmbracelet/x/ansi"

	"ftplab/tui/theme"
)

func TestReceivedLines(t *testing.T) {
	st := theme.New(true, false, false)
	got := []Received{
		{At: 5, Command: "ls", Conn: 2, Bytes: 40, Text: "a.txt\r\nb\rc.txt\r\n"},
		{At: 9, Command: "put notes.txt", Conn: 3, Bytes: 10, Text: "10 bytes sent"},
		{At: 12, Command: "nlst empty", Conn: 4, Text: ""},
	}
	// Data 1 (connection 2) has carried its 40 bytes from step 4 on; the put's connection is
	// never announced as arriving (it is the client's own bytes).
	step := 0
	sofar := func(conn int) int64 {
		if step < 4 || conn == 4 && step < 12 {
			return 0
		}
		return map[int]int64{2: 40, 3: 10, 4: 90}[conn]
	}
	name := func(conn int) string { return map[int]string{2: "data 1", 3: "data 2", 4: "data 3"}[conn] }
	for _, tc := range []struct {
		cur  int
		want string
	}{
		{-1, ""},
		{3, ""}, // nothing on the data connection yet
		{4, "  ls  (40 bytes so far on data 1: whole when the server closes it)"}, // on its way
		{5, "  ls  (40 bytes on data 1)|    a.txt|    b\\rc.txt"},
		{11, "  ls  (40 bytes on data 1)|    a.txt|    b\\rc.txt|  put notes.txt  (10 bytes sent on data 2)|    10 bytes sent"},
		{12, "  ls  (40 bytes on data 1)|    a.txt|    b\\rc.txt|  put notes.txt  (10 bytes sent on data 2)|    10 bytes sent|  nlst empty  (0 bytes; data 3 carried 90)|    (empty)"}, // TLS's records
	} {
		step = tc.cur
		if s := ansi.Strip(strings.Join(receivedLines(got, tc.cur, 80, st, sofar, name), "|")); s != tc.want {
			t.Errorf("at %d:\n got %q\nwant %q", tc.cur, s, tc.want)
		}
	}
	// Too many for the room: the newest stay, the first line counts the rest.
	step = 12
	pane := receivedPane(receivedLines(got, 12, 80, st, sofar, name), 80, 4, st)
	if len(pane) != 4 || pane[1] != "  ⋮ 5 lines above" || pane[3] != "    (empty)" {
		t.Errorf("pane %q", pane)
	}
	// A long line wraps within the width, nothing of it lost.
	long := receivedLines([]Received{{At: 0, Command: "ls", Text: "-rw-r--r-- 1 ftp ftp 4134 Dec  2  2026 " + strings.Repeat("x", 70)}}, 0, 40, st, sofar, name)
	joined := ""
	for _, l := range long[1:] {
		if ansi.StringWidth(l) >= 40 {
			t.Errorf("line %q is not within 39 cells", l)
		}
		joined += strings.TrimSpace(l)
	}
	if !strings.Contains(joined, strings.Repeat("x", 70)) {
		t.Errorf("long %q", long)
	}
}
