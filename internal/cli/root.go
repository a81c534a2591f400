// Package cli is ftplab's command line: one file per command group, each
// command a constructor returning a [*cobra.Command]. [Main] runs it and
// turns the outcome into the exit status: 0 when all went as expected,
// 1 when a run did not behave as its scenario expects (or failed at run
// time), 2 for bad usage or input.
package cli

import (
	"context"
	"errors"
	"fmt"
	"ftplab/internal/termsafe"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/charmbracelet/fang"
	"github.com/charmbracelet/x/term"
	"github.com/spf13/cobra"
)

// Main runs ftplab with args (without the program name) and returns the
// exit status.
func Main(args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root := rootCmd()
	root.SetArgs(args)
	// cobra checks commands, flags and arguments before it runs any hook:
	// reaching this one means the command line was accepted. cobra runs
	// only the nearest PersistentPreRun(E), so no subcommand may set its own.
	accepted := false
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		accepted = true
		if th, _ := cmd.Flags().GetString("theme"); th != "auto" && th != "dark" && th != "light" {
			return usageError{fmt.Errorf("--theme %q: want auto, dark or light", th)}
		}
		return nil
	}
	err := fang.Execute(ctx, root, fang.WithErrorHandler(plainError))
	return exitCode(err, accepted)
}

// exitCode is the status for err. accepted says whether cobra took the
// command line and started a command: an error before that (an unknown
// command, a flag or an argument count a command refuses, including the
// commands cobra and fang add) is bad usage.
func exitCode(err error, accepted bool) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case !accepted, errors.As(err, &ue):
		return 2
	}
	return 1
}

// usageError marks bad usage or input: exit status 2.
type usageError struct{ error }

// errUnexpected is a run that did not behave as its scenario expects:
// exit status 1, the transcript already says why.
var errUnexpected = errors.New("the run did not behave as the scenario expects")

// plainError prints errors as they are written: file names and line
// numbers in lesson and trace errors must survive untouched.
func plainError(w io.Writer, _ fang.Styles, err error) {
	if errors.Is(err, errUnexpected) {
		return // the transcript already told the story
	}
	// Errors may quote a server's reply or a file's text: escaped, so they
	// cannot drive the terminal.
	fmt.Fprintln(w, "ftplab:", termsafe.Text(err.Error()))
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ftplab",
		Short: "Watch FTP set up its control and data channels",
		Long: "ftplab runs a real FTP client and server through a simulated network with\n" +
			"firewalls, NAT and an FTP helper, and shows every step.",
		SilenceUsage: true,
		RunE:         menu,
	}
	root.PersistentFlags().Bool("present", false, "presentation mode for projectors: bigger contrast, fewer panes")
	root.PersistentFlags().String("theme", "auto", "colours for a dark or light terminal: auto, dark or light (NO_COLOR still turns colour off)")
	// One line per file: play.go, run.go, files.go, serve.go, tools.go.
	root.AddCommand(
		lessonsCmd(), lessonCmd(), replayCmd(), sandboxCmd(), progressCmd(), configCmd(),
		runCmd(),
		exportCmd(), importCmd(),
		serveCmd(), classroomCmd(),
		probeCmd(), verifyKernelCmd(),
	)
	return root
}

// interactive reports whether both ends of the program are a terminal.
func interactive() bool {
	return term.IsTerminal(os.Stdin.Fd()) && term.IsTerminal(os.Stdout.Fd())
}
