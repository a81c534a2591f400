// Command ftplab teaches how FTP sets up its control and data channels. This
// file only wires the command line to the packages that do the work.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/charmbracelet/fang"
	"github.com/spf13/cobra"

	"github.com/charmbracelet/x/term"

	"ftplab/internal/kernel"
	"ftplab/internal/probe"
	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
	"ftplab/sim/trace/capture"
	"ftplab/sim/trace/export"
	"ftplab/tui"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fang.Execute(ctx, rootCmd(), fang.WithErrorHandler(plainError)); err != nil {
		os.Exit(exitCode(err))
	}
}

// plainError prints errors as they are written: file names and line
// numbers in lesson and trace errors must survive untouched.
func plainError(w io.Writer, _ fang.Styles, err error) {
	if errors.Is(err, errUnexpected) {
		return // the transcript already told the story
	}
	fmt.Fprintln(w, "ftplab:", err)
}

// usageError marks bad usage or input: exit status 2.
type usageError struct{ error }

// errUnexpected is a run that did not behave as its scenario expects:
// exit status 1, the transcript already says why.
var errUnexpected = errors.New("the run did not behave as the scenario expects")

func exitCode(err error) int {
	var ue usageError
	if errors.As(err, &ue) {
		return 2
	}
	// cobra's own argument errors carry no type; they are usage errors too.
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "unknown flag", "unknown shorthand"} {
		if strings.HasPrefix(msg, p) {
			return 2
		}
	}
	return 1
}

func rootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "ftplab",
		Short: "Watch FTP set up its control and data channels",
		Long: "ftplab runs a real FTP client and server through a simulated network with\n" +
			"firewalls, NAT and an FTP helper, and shows every step.",
		SilenceUsage: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !interactive() {
				// No terminal (a pipe, CI): list what there is instead.
				fmt.Fprintln(cmd.OutOrStdout(), "ftplab: no terminal for the lesson menu; the lessons are:")
				ls, err := lessons.All()
				if err != nil {
					return err
				}
				if err := lessons.WriteList(cmd.OutOrStdout(), ls); err != nil {
					return err
				}
				fmt.Fprintln(cmd.OutOrStdout(), "\nrun one headless: ftplab lesson NAME --headless    all commands: ftplab --help")
				return nil
			}
			items, err := tui.LessonItems()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			open := func(name string) (tui.Session, error) { return tui.LiveLesson(ctx, name) }
			return tui.Run(ctx, tui.NewMenu(items, open, tuiOptions(cmd)), nil, nil)
		},
	}
	// Bad flags and arguments are usage errors: exit 2.
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().Bool("present", false, "presentation mode for projectors: bigger contrast, fewer panes")
	root.AddCommand(lessonsCmd(), lessonCmd(), runCmd(), replayCmd(), exportCmd(), importCmd(), serveCmd(), probeCmd(), sandboxCmd(), verifyKernelCmd())
	return root
}

func serveCmd() *cobra.Command {
	var o ftp.ServeOptions
	var watch bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run a real FTP server on the OS network",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Validate(); err != nil {
				return usageError{err}
			}
			if !watch {
				return ftp.Serve(cmd.Context(), o, cmd.OutOrStdout())
			}
			if !interactive() {
				return usageError{errors.New("--watch needs a terminal; without it, serve logs every line to stdout")}
			}
			return serveWatch(cmd, o)
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Addr, "addr", "127.0.0.1:2121", "address to listen on")
	f.StringVar(&o.Root, "root", ".", "directory to serve (confined)")
	f.StringVar(&o.PasvPorts, "pasv-ports", "30000-30100", "passive port range MIN-MAX")
	f.StringVar(&o.PasvAddress, "pasv-address", "", "address to advertise in 227 replies")
	f.BoolVar(&o.Anonymous, "anonymous", false, "allow anonymous login")
	f.StringArrayVar(&o.Users, "user", nil, "allow a login NAME:PASSWORD (repeatable)")
	f.BoolVar(&o.AllowUpload, "allow-upload", false, "allow STOR, APPE, DELE, MKD, RMD, RNFR/RNTO")
	f.BoolVar(&o.TLS, "tls", false, "offer AUTH TLS with a certificate generated at start")
	f.IntVar(&o.MaxConns, "max-conns", 64, "sessions at once; more are answered 421")
	f.BoolVar(&watch, "watch", false, "show each client's session on the stage as it happens")
	return cmd
}

func probeCmd() *cobra.Command {
	var user string
	var asJSON bool
	var timeout time.Duration
	cmd := &cobra.Command{
		Use:   "probe HOST:PORT",
		Short: "Ask a real FTP server how PASV, EPSV, PORT and EPRT fare from here",
		Long: "probe connects to the one server you name, tries a LIST in each data\n" +
			"connection mode and explains each result in one sentence.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			o := probe.Options{Timeout: timeout}
			if user != "" {
				var err error
				if o.User, o.Password, err = probe.ParseUser(user); err != nil {
					return usageError{err}
				}
			}
			rep, err := probe.Run(cmd.Context(), args[0], o)
			if err != nil {
				return usageError{err}
			}
			if asJSON {
				return probe.WriteJSON(cmd.OutOrStdout(), rep)
			}
			return probe.WriteText(cmd.OutOrStdout(), rep)
		},
	}
	f := cmd.Flags()
	f.StringVar(&user, "user", "", "log in as NAME:PASSWORD (default anonymous)")
	f.BoolVar(&asJSON, "json", false, "print the report as JSON")
	f.DurationVar(&timeout, "timeout", 5*time.Second, "bound for each step (connect, reply, data dial)")
	return cmd
}

func runCmd() *cobra.Command {
	var sc scenario.Scenario
	var o sim.HeadlessOptions
	var lessonName string
	cmd := &cobra.Command{
		Use:   "run",
		Short: "Run a scenario headless and print what happened",
		Long: "run plays one scenario through the simulated network and prints the\n" +
			"step-by-step transcript (or, with --json, a summary). Exit status: 0 when\n" +
			"the run behaved as the scenario expects, 1 when not, 2 for bad usage.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if lessonName != "" {
				for _, name := range sim.ScenarioFlagNames {
					if cmd.Flags().Changed(name) {
						return usageError{fmt.Errorf("--lesson %s sets the whole scenario: drop --%s", lessonName, name)}
					}
				}
				l, err := lessons.Find(lessonName)
				if err != nil {
					return usageError{err}
				}
				sc, o.Title = l.Scenario, l.Title
			}
			if sc.Name == "" {
				sc.Name = "run"
			}
			if err := sc.Defaults().Validate(); err != nil {
				return usageError{err}
			}
			ok, err := sim.RunHeadless(cmd.Context(), sc, o, cmd.OutOrStdout())
			if err != nil {
				return err
			}
			if !ok {
				return errUnexpected
			}
			return nil
		},
	}
	f := cmd.Flags()
	sim.ScenarioFlags(f, &sc)
	f.StringVar(&lessonName, "lesson", "", "run this lesson's scenario instead of the flags")
	f.StringVar(&o.Record, "record", "", "also write the session to this trace file")
	f.BoolVar(&o.JSON, "json", false, "print a JSON summary instead of the transcript")
	return cmd
}

func replayCmd() *cobra.Command {
	var headless bool
	cmd := &cobra.Command{
		Use:   "replay FILE",
		Short: "Replay a recorded session (in the player, or --headless as text)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := trace.ReadFile(args[0])
			if err != nil {
				return usageError{err}
			}
			if headless {
				return export.Text(cmd.OutOrStdout(), t)
			}
			return play(cmd, tui.Session{Header: t.Header, Events: t.Events})
		},
	}
	cmd.Flags().BoolVar(&headless, "headless", false, "print the transcript instead of opening the player")
	return cmd
}

// interactive reports whether both ends of the program are a terminal.
func interactive() bool {
	return term.IsTerminal(os.Stdin.Fd()) && term.IsTerminal(os.Stdout.Fd())
}

func tuiOptions(cmd *cobra.Command) tui.Options {
	present, _ := cmd.Flags().GetBool("present")
	return tui.Options{Present: present, NoColor: tui.NoColor()}
}

// play opens the player full screen, or refuses without a terminal.
func play(cmd *cobra.Command, s tui.Session) error {
	if !interactive() {
		return usageError{errors.New("the player needs a terminal (use --headless)")}
	}
	return tui.Run(cmd.Context(), tui.NewPlayer(s, tuiOptions(cmd)), nil, nil)
}

func lessonsCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "lessons",
		Short: "List the lessons",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ls, err := lessons.All()
			if err != nil {
				return err
			}
			return lessons.WriteList(cmd.OutOrStdout(), ls)
		},
	}
}

func lessonCmd() *cobra.Command {
	var headless bool
	cmd := &cobra.Command{
		Use:   "lesson NAME|FILE.md",
		Short: "Play one lesson (or a lesson file of your own) in the player, or --headless as text",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := lessons.Find(args[0])
			if err != nil {
				return usageError{err}
			}
			if headless {
				s, err := sim.Run(cmd.Context(), l.Scenario, sim.Options{Title: l.Title})
				if err != nil {
					return err
				}
				if err := lessons.WriteNarrated(cmd.OutOrStdout(), l, s.Events); err != nil {
					return err
				}
				if !s.Summary.AsExpected {
					return errUnexpected
				}
				return nil
			}
			if !interactive() {
				return usageError{errors.New("the player needs a terminal (use --headless)")}
			}
			s, err := tui.LiveLesson(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			defer s.Stop()
			return play(cmd, s)
		},
	}
	cmd.Flags().BoolVar(&headless, "headless", false, "print the narrated transcript instead of opening the player")
	cmd.AddCommand(&cobra.Command{
		Use:   "check FILE",
		Short: "Check a lesson file and list every problem with its line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := lessons.CheckFile(args[0]); err != nil {
				return usageError{err}
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
			return nil
		},
	})
	return cmd
}

func exportCmd() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "export FILE",
		Short: "Export a recorded session as pcap or pcapng (Wireshark), mermaid (a sequence diagram) or text",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			exporters := map[string]func(io.Writer, trace.Trace) error{
				"pcap": export.PCAP, "pcapng": export.PCAPNG, "mermaid": export.Mermaid, "text": export.Text,
			}
			export, ok := exporters[format]
			if !ok {
				return usageError{fmt.Errorf("--format %q: want pcap, pcapng, mermaid or text", format)}
			}
			if (format == "pcap" || format == "pcapng") && out == "" {
				return usageError{fmt.Errorf("--format %s needs -o FILE (binary output)", format)}
			}
			t, err := trace.ReadFile(args[0])
			if err != nil {
				return usageError{err}
			}
			if out == "" {
				return export(cmd.OutOrStdout(), t)
			}
			f, err := os.Create(out)
			if err != nil {
				return err
			}
			if err := export(f, t); err != nil {
				f.Close()
				os.Remove(out)
				return err
			}
			return f.Close()
		},
	}
	cmd.Flags().StringVar(&format, "format", "text", "pcap, pcapng (with the narration as packet comments), mermaid or text")
	cmd.Flags().StringVarP(&out, "output", "o", "", "write here instead of standard output")
	return cmd
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
					fmt.Fprintln(cmd.OutOrStdout(), s)
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
			return sim.WriteTraceFile(out, res.Trace)
		},
	}
	cmd.Flags().StringVarP(&out, "output", "o", "", "the trace file to write")
	cmd.Flags().BoolVar(&list, "list", false, "list the capture's FTP sessions (client, server, start, commands, data connections) and stop")
	cmd.Flags().IntVar(&session, "session", 0, "import the Nth FTP session (1, 2, ...; see --list); default the first")
	return cmd
}

func sandboxCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "sandbox",
		Short: "Free play: set mode, firewalls, NAT, helper, TLS and link faults, type ls/get/put and watch",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !interactive() {
				return usageError{errors.New("the sandbox needs a terminal (try ftplab run)")}
			}
			return tui.Run(cmd.Context(), tui.NewSandbox(cmd.Context(), tuiOptions(cmd)), nil, nil)
		},
	}
}

// serveWatch runs the server with the player watching its sockets; the
// server's own log would corrupt the screen, so it is silenced.
func serveWatch(cmd *cobra.Command, o ftp.ServeOptions) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	events := make(chan sim.WatchEvent, 4096)
	w := sim.NewWatcher(nil, func(e sim.WatchEvent) { events <- e })
	o.Observer, o.Quiet = w.Observe, true
	served := make(chan error, 1)
	go func() { served <- ftp.Serve(ctx, o, io.Discard) }()
	err := tui.Run(ctx, tui.NewWatch(events, tuiOptions(cmd)), nil, nil)
	cancel()
	if serr := <-served; serr != nil && err == nil {
		err = serr
	}
	return err
}

func verifyKernelCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "verify-kernel",
		Short: "Compare netem's verdicts with Linux (namespaces, nftables, the kernel FTP helper, curl, vsftpd)",
		Long: "verify-kernel builds its own network namespaces (needs root), runs curl against\n" +
			"vsftpd through nftables rulesets equal to ftplab's presets and prints, for each\n" +
			"scenario, the kernel's outcome next to ftplab's. It never touches the host's network.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return kernel.Verify(cmd.Context(), cmd.OutOrStdout())
		},
	}
}
