package export

import (
	"io"

	"ftplab/sim/trace"
)

// Format is one way to export a trace. `ftplab export` takes its --format
// names, its help and its errors from [Formats], so a new format is a file
// with its writer plus one entry there.
type Format struct {
	Name string // as --format takes it
	// Shows says what the output is for ("Wireshark"), or "" when the name
	// says it all.
	Shows string
	// Binary output would garble a terminal: such a format needs a file.
	Binary bool
	Write  func(io.Writer, trace.Trace) error
}

// Formats lists the export formats in the order the help names them.
func Formats() []Format {
	return []Format{
		{Name: "pcap", Shows: "Wireshark", Binary: true, Write: PCAP},
		{Name: "pcapng", Shows: "with the narration as packet comments", Binary: true, Write: PCAPNG},
		{Name: "mermaid", Shows: "a sequence diagram", Write: Mermaid},
		{Name: "text", Write: Text},
	}
}

// Lookup finds the format with this name.
func Lookup(name string) (Format, bool) {
	for _, f := range Formats() {
		if f.Name == name {
			return f, true
		}
	}
	return Format{}, false
}
