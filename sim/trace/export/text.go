package export

import (
	"bufio"
	"fmt"
	"ftplab/sim/trace"
	"io"
	"strings"
)

// Text writes the plain transcript: a header, then one line per
// event with its virtual time. `ftplab run` prints it, and `ftplab replay
// --headless` prints the same bytes from a recorded file.
func Text(w io.Writer, t trace.Trace) error {
	bw := bufio.NewWriter(w)
	h := t.Header
	title := h.Name
	if h.Title != "" {
		title += " - " + h.Title
	}
	fmt.Fprintf(bw, "ftplab %s\n", strings.TrimSpace(title))
	for _, host := range h.Topology.Hosts {
		fmt.Fprintf(bw, "  %-7s %s", host.Name, host.Addr)
		if host.Public != "" {
			fmt.Fprintf(bw, " (seen as %s)", host.Public)
		}
		fmt.Fprintln(bw)
	}
	for _, b := range h.Topology.Boxes {
		alg := ""
		if b.ALG {
			alg = ", FTP helper on"
		}
		fmt.Fprintf(bw, "  %-10s %s in front of the %s%s\n", b.Name, b.Kind, b.Side, alg)
		for _, r := range b.Rules {
			fmt.Fprintf(bw, "             %s\n", r)
		}
	}
	fmt.Fprintln(bw)
	for _, e := range t.Events {
		fmt.Fprintf(bw, "%10s  %s\n", trace.Seconds(e.T), trace.Describe(e))
	}
	return bw.Flush()
}
