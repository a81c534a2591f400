package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"ftplab/sim/trace"
	"ftplab/sim/trace/capture"
	"ftplab/sim/trace/export"
)

func exportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "Export a recorded session as " + formatList(true),
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fm, ok := export.Lookup(format)
			if !ok {
				return usageError{fmt.Errorf("--format %q: want %s", format, formatList(false))}
			}
			if fm.Binary && out == "" {
				return usageError{fmt.Errorf("--format %s needs -o FILE (binary output)", fm.Name)}
			}
			t, err := trace.ReadFile(args[0])
			if err != nil {
				return usageError{err}
			}
			if out == "" {
				return fm.Write(cmd.OutOrStdout(), t)
			}
			// Written to a temporary and renamed: a failed export keeps the
			// file that was there.
			var exportErr error
			var disk writeErrors
			err = writeAtomically(out, func(w io.Writer) error {
				disk.w = w
				exportErr = fm.Write(&disk, t)
				return exportErr
			})
			if exportErr != nil && disk.err == nil {
				return usageError{exportErr} // the trace cannot be exported: bad input
			}
			return err
		},
	}
	f := cmd.Flags()
	f.StringVar(&format, "format", "text", formatList(false))
	f.StringVarP(&out, "output", "o", "", "write here instead of standard output")
	return cmd
}

// formatList names the export formats as a sentence: "pcap, mermaid or
// text", or with what each shows, "pcap (Wireshark), ...".
func formatList(shows bool) string {
	var names []string
	for _, f := range export.Formats() {
		name := f.Name
		if shows && f.Shows != "" {
			name += " (" + f.Shows + ")"
		}
		names = append(names, name)
	}
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

func importCmd() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "import CAPTURE -o TRACE",
		Short: "Turn a pcap/pcapng capture of a real FTP session into a trace to replay",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usageError{errors.New("import needs -o TRACE")}
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageError{err}
			}
			defer f.Close()
			t, err := capture.Read(f)
			if err != nil {
				return usageError{err}
			}
			return trace.WriteFile(out, t)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the trace file to write")
	return cmd
}
