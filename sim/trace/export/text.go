package export

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"ftplab/internal/termsafe"
	"ftplab/sim/trace"
)

// Text writes the plain transcript: a header, then one line per
// event with its virtual time. `ftplab run` prints it, and `ftplab replay
// --headless` prints the same bytes from a recorded file. A trace may come
// from anywhere (an imported capture, an edited file), so every line is
// escaped for the terminal: control bytes show as `\x1b`, and a line break
// inside a field cannot start a forged line.
func Text(w io.Writer, t trace.Trace) error {
	bw := bufio.NewWriter(w)
	line := func(format string, args ...any) {
		bw.WriteString(termsafe.String(fmt.Sprintf(format, args...)))
		bw.WriteByte('\n')
	}
	h := t.Header
	title := h.Name
	if h.Title != "" {
		title += " - " + h.Title
	}
	line("ftplab %s", strings.TrimSpace(title))
	for _, host := range h.Topology.Hosts {
		public := ""
		if host.Public != "" {
			public = fmt.Sprintf(" (seen as %s)", host.Public)
		}
		line("  %-7s %s%s", host.Name, host.Addr, public)
	}
	for _, b := range h.Topology.Boxes {
		alg := ""
		if b.ALG {
			alg = ", FTP helper on"
		}
		line("  %-10s %s in front of the %s%s", b.Name, b.Kind, b.Side, alg)
		for _, r := range b.Rules {
			line("             %s", r)
		}
	}
	bw.WriteByte('\n')
	for _, e := range t.Events {
		line("%10s  %s", trace.Seconds(e.T), trace.Describe(e))
	}
	return bw.Flush()
}
