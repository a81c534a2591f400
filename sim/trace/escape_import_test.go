package trace_test

import (
	"bytes"
	"strings"
	"testing"

	"ftplab/sim/scenario"
	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

// TestImportedEscapesStayText: a captured FTP banner that holds escape
// sequences (clipboard write, title, hyperlink) survives import byte for
// byte in the trace, and prints as text from `replay --headless`.
func TestImportedEscapesStayText(t *testing.T) {
	tr := record(t, scenario.Scenario{})
	hostile := "220 \x1b]52;c;aGk=\x07\x1b]0;owned\x07\x1b]8;;http://evil.example/\x1b\\hi\x1b]8;;\x1b\\"
	found := false
	for i, e := range tr.Events {
		if e.Kind == trace.Segment && strings.HasPrefix(e.Text, "220 ") {
			tr.Events[i].Text, tr.Events[i].Bytes = hostile, int64(len(hostile)+2)
			found = true
			break
		}
	}
	if !found {
		t.Fatal("no greeting in the run")
	}
	back := pcapRoundTrip(t, tr)
	kept := false
	for _, e := range back.Events {
		kept = kept || e.Text == hostile
	}
	if !kept {
		t.Error("the imported trace lost the banner's bytes")
	}
	var out bytes.Buffer
	if err := export.Text(&out, back); err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(out.String(), "\x1b\x07") {
		t.Errorf("raw escapes printed:\n%q", out.String())
	}
	if !strings.Contains(out.String(), `server: 220 \x1b]52;c;aGk=\x07\x1b]0;owned\x07`) {
		t.Errorf("the banner is not shown as text:\n%s", out.String())
	}
}
