package cli

// Every call into the tui package is in this file (and classroom.go, for
// the screens served to each student).

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"charm.land/lipgloss/v2"
	"github.com/spf13/cobra"

	"ftplab/internal/config"
	"ftplab/internal/play"
	"ftplab/internal/progress"
	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
	"ftplab/tui"
	"ftplab/tui/player"
)

// menu is what `ftplab` alone does: the lesson menu, or the list of
// lessons when there is no terminal.
func menu(cmd *cobra.Command, args []string) error {
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
	store, err := progress.Default()
	if err != nil {
		return err
	}
	done, warning, err := store.Load()
	if err != nil {
		return err
	}
	items, err := lessonItems(done)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	open := func(name string) (player.Session, error) { return play.Lesson(ctx, name) }
	record := func(name string, score, total int) (string, error) {
		l, err := store.Record(name, score, total, time.Now())
		return l.Best(), err
	}
	o, err := tuiOptions(cmd)
	if err != nil {
		return err
	}
	return tui.Run(ctx, tui.NewMenu(items, open, o).Record(record).Note(warning), nil, nil)
}

// lessonItems lists the embedded lessons for the menu, numbered, with the
// learner's best result on the finished ones.
func lessonItems(done progress.File) ([]tui.MenuItem, error) {
	ls, err := lessons.All()
	if err != nil {
		return nil, err
	}
	items := make([]tui.MenuItem, len(ls))
	for i, l := range ls {
		items[i] = tui.MenuItem{Name: l.Name, TitleText: l.Title, Summary: l.Summary, Number: i + 1}
		if p, ok := done.Lessons[l.Name]; ok {
			items[i].Best = p.Best()
		}
	}
	return items, nil
}

func progressCmd() *cobra.Command {
	var reset bool
	cmd := &cobra.Command{
		Use:   "progress",
		Short: "Print the lessons you finished and your best scores (--reset clears them)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			store, err := progress.Default()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if reset {
				if err := store.Reset(); err != nil {
					return err
				}
				fmt.Fprintf(out, "progress cleared (%s)\n", store.Path)
				return nil
			}
			f, warning, err := store.Load()
			if err != nil {
				return err
			}
			if warning != "" {
				fmt.Fprintln(cmd.ErrOrStderr(), warning)
			}
			fmt.Fprintf(out, "progress file: %s\n", store.Path)
			if len(f.Lessons) == 0 {
				fmt.Fprintln(out, "no lesson finished yet")
				return nil
			}
			for _, name := range f.Names() {
				l := f.Lessons[name]
				fmt.Fprintf(out, "%-28s best %-5s  finished %d time(s), last %s\n", name, l.Best(), l.Runs, l.Finished.Format("2006-01-02 15:04"))
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&reset, "reset", false, "forget every finished lesson")
	return cmd
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
				return errNoPlayer
			}
			s, err := play.Lesson(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return playSession(cmd, s)
		},
	}
	cmd.Flags().BoolVar(&headless, "headless", false, "print the narrated transcript instead of opening the player")
	cmd.AddCommand(lessonCheckCmd())
	return cmd
}

func lessonCheckCmd() *cobra.Command {
	return &cobra.Command{
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
	}
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
			return playSession(cmd, player.Session{Header: t.Header, Events: t.Events})
		},
	}
	cmd.Flags().BoolVar(&headless, "headless", false, "print the transcript instead of opening the player")
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
			o, err := tuiOptions(cmd)
			if err != nil {
				return err
			}
			return tui.Run(cmd.Context(), tui.NewSandbox(play.Sandbox(cmd.Context()), o), nil, nil)
		},
	}
}

// errNoPlayer refuses to open the player without a terminal.
var errNoPlayer = usageError{errors.New("the player needs a terminal (use --headless)")}

// playSession opens the player full screen, or refuses without a terminal.
func playSession(cmd *cobra.Command, s player.Session) error {
	if !interactive() {
		return errNoPlayer
	}
	o, err := tuiOptions(cmd)
	if err != nil {
		return err
	}
	return tui.Run(cmd.Context(), player.New(s, o), nil, nil)
}

// watchScreen shows the sessions of `serve --watch` until the user quits
// or ctx ends.
func watchScreen(ctx context.Context, cmd *cobra.Command, events <-chan trace.SessionEvent) error {
	o, err := tuiOptions(cmd)
	if err != nil {
		return err
	}
	return tui.Run(ctx, tui.NewWatch(events, o), nil, nil)
}

// keyPresets are the named key sets a config file may start from.
var keyPresets = map[string]map[string][]string{"vim": player.VimKeys()}

// loadConfig reads the settings file; a broken one is bad usage (exit 2).
func loadConfig() (config.Config, string, error) {
	path, err := config.Path()
	if err != nil {
		return config.Config{}, "", err
	}
	c, err := config.Load(path, keyPresets, player.CheckKeys)
	if err != nil {
		return config.Config{}, path, usageError{err}
	}
	return c, path, nil
}

// tuiOptions are the player's options from the flags and the settings file.
func tuiOptions(cmd *cobra.Command) (player.Options, error) {
	c, _, err := loadConfig()
	if err != nil {
		return player.Options{}, err
	}
	present, _ := cmd.Flags().GetBool("present")
	th, _ := cmd.Flags().GetString("theme")
	light := th == "light"
	if th == "auto" && interactive() {
		// Ask the terminal before the program takes it over; a terminal
		// that does not answer counts as dark.
		light = !lipgloss.HasDarkBackground(os.Stdin, os.Stdout)
	}
	return player.Options{Present: present, NoColor: tui.NoColor(), Light: light, Keys: c.Effective(keyPresets)}, nil
}

func configCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "config",
		Short: "Print the settings file's path and the player's effective key bindings",
		Long: "config prints where ftplab reads its settings ($XDG_CONFIG_HOME/ftplab/config.yaml) and\n" +
			"the keys each action of the player answers to, with the file's changes applied.\n" +
			"The file may set `preset: vim` and `keys:` (action -> list of keys).",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			c, path, err := loadConfig()
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "settings file: %s\n", path)
			if c.Preset != "" {
				fmt.Fprintf(out, "preset: %s\n", c.Preset)
			}
			for _, b := range player.Bindings(c.Effective(keyPresets)) {
				fmt.Fprintf(out, "  %-8s %s\n", b[0], b[1])
			}
			return nil
		},
	}
}
