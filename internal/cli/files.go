package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"ftplab/internal/termsafe"
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
	var list bool
	var session int
	cmd := &cobra.Command{
		Use:   "import CAPTURE -o TRACE",
		Short: "Turn a pcap/pcapng capture of a real FTP session into a trace to replay",
		Long: "Turn a pcap/pcapng capture of a real FTP session into a trace to replay.\n\n" +
			"A capture may hold several FTP sessions: --list prints them, --session N imports the Nth\n" +
			"(without it, the first, and import says how many more there are).",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" && !list {
				return usageError{errors.New("import needs -o TRACE (or --list)")}
			}
			f, err := os.Open(args[0])
			if err != nil {
				return usageError{err}
			}
			defer f.Close()
			if list {
				sessions, err := capture.List(f)
				if err != nil {
					return usageError{err}
				}
				for _, s := range sessions {
					fmt.Fprintln(cmd.OutOrStdout(), termsafe.String(s.String()))
				}
				return nil
			}
			res, err := capture.Import(f, capture.Options{Session: session})
			if err != nil {
				return usageError{err}
			}
			if more := len(res.Sessions) - 1; more > 0 {
				fmt.Fprintf(cmd.ErrOrStderr(), "imported FTP session %d of %d (%s -> %s); --list shows them all, --session N picks one\n",
					res.Session, len(res.Sessions), res.Sessions[res.Session-1].Client, res.Sessions[res.Session-1].Server)
			}
			return trace.WriteFile(out, res.Trace)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "output", "o", "", "the trace file to write")
	f.BoolVar(&list, "list", false, "list the capture's FTP sessions (client, server, start, commands, data connections) and stop")
	f.IntVar(&session, "session", 0, "import the Nth FTP session (1, 2, ...; see --list); default the first")
	return cmd
}
