package cli

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/spf13/cobra"

	"ftplab/internal/classroom"
	"ftplab/internal/play"
	"ftplab/internal/progress"
	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/tui"
	"ftplab/tui/player"
)

// classroomFlags are `ftplab classroom`'s settings.
type classroomFlags struct {
	addr, hostKey, password, authorizedKeys, results, export string
	maxStudents, perIP                                       int
	idle, auth                                               time.Duration
}

func classroomCmd() *cobra.Command {
	var f classroomFlags
	cmd := &cobra.Command{
		Use:   "classroom",
		Short: "Serve the lessons to a whole class over SSH, with a dashboard of where everyone stands",
		Long: "Students connect with `ssh -p PORT NAME@HOST` (NAME is shown on the dashboard) and get the\n" +
			"lesson menu, the lessons and (`ssh -t -p PORT NAME@HOST sandbox`) the sandbox. Every finished\n" +
			"lesson is appended to the results file; --export csv prints it as a gradebook table.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error { return runClassroom(cmd, f) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.addr, "addr", "127.0.0.1:2222", "address to listen on")
	fl.StringVar(&f.hostKey, "host-key", "", "the server's private key, made once if missing (default $XDG_DATA_HOME/ftplab/classroom_ed25519)")
	fl.StringVar(&f.password, "password", "", "the class password (or set FTPLAB_CLASS_PASSWORD, which ps does not show)")
	fl.StringVar(&f.authorizedKeys, "authorized-keys", "", "an authorized_keys file: only these keys may join")
	fl.IntVar(&f.maxStudents, "max-students", 60, "students connected at once")
	fl.IntVar(&f.perIP, "per-ip", 10, "connections at once from one address (a school NAT may need more)")
	fl.DurationVar(&f.idle, "idle-timeout", 30*time.Minute, "close a session after this long without a key")
	fl.DurationVar(&f.auth, "auth-timeout", 20*time.Second, "close a connection that has not logged in after this long")
	fl.StringVar(&f.results, "results", "", "results file, one JSON line per finished lesson (default $XDG_DATA_HOME/ftplab/results.jsonl)")
	fl.StringVar(&f.export, "export", "", "print the results file instead of serving: csv")
	return cmd
}

// dataDir is $XDG_DATA_HOME/ftplab (default ~/.local/share/ftplab).
func dataDir() (string, error) {
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("no home directory for the classroom's files (set XDG_DATA_HOME): %w", err)
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "ftplab"), nil
}

// classroomSetup is a checked configuration, ready to listen.
type classroomSetup struct {
	cfg     classroom.Config
	results *classroom.Results
	created bool // the host key was made now
}

func (f *classroomFlags) setup(cmd *cobra.Command) (*classroomSetup, error) {
	if f.password == "" {
		f.password = os.Getenv("FTPLAB_CLASS_PASSWORD")
	}
	if f.password != "" && f.authorizedKeys != "" {
		return nil, usageError{errors.New("give --password or --authorized-keys, not both")}
	}
	if f.maxStudents < 1 || f.perIP < 1 {
		return nil, usageError{fmt.Errorf("--max-students and --per-ip must be at least 1 (got %d and %d)", f.maxStudents, f.perIP)}
	}
	if f.password == "" && f.authorizedKeys == "" {
		if err := classroom.CheckOpen(f.addr); err != nil {
			return nil, usageError{err}
		}
	}
	cfg := classroom.Config{Password: f.password, MaxStudents: f.maxStudents, PerIP: f.perIP, IdleTimeout: f.idle, AuthTimeout: f.auth}
	if f.authorizedKeys != "" {
		keys, err := classroom.ReadAuthorizedKeys(f.authorizedKeys)
		if err != nil {
			return nil, usageError{fmt.Errorf("--authorized-keys: %w", err)}
		}
		cfg.AuthorizedKeys = keys
	}
	key, created, err := classroom.HostKey(f.hostKey)
	if err != nil {
		return nil, err
	}
	cfg.HostKey = key
	earlier, bad, err := classroom.ReadResults(f.results)
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		fmt.Fprintf(cmd.ErrOrStderr(), "ftplab classroom: %s: skipped %d line(s) that do not parse (first: line %d)\n", f.results, len(bad), bad[0])
	}
	rs, err := classroom.OpenResults(f.results)
	if err != nil {
		return nil, err
	}
	cfg.Class = classroom.NewClass(f.maxStudents, rs, earlier)
	cfg.NewScreen = classroomScreen
	cfg.LeadMsg = func(l classroom.Lead) tea.Msg { return tui.LeadMsg{Lesson: l.Lesson, Step: l.Step} }
	return &classroomSetup{cfg: cfg, results: rs, created: created}, nil
}

func (f *classroomFlags) defaults() error {
	if f.hostKey != "" && f.results != "" {
		return nil
	}
	dir, err := dataDir()
	if err != nil {
		return err
	}
	if f.hostKey == "" {
		f.hostKey = filepath.Join(dir, "classroom_ed25519")
	}
	if f.results == "" {
		f.results = filepath.Join(dir, "results.jsonl")
	}
	return nil
}

func runClassroom(cmd *cobra.Command, f classroomFlags) error {
	if err := f.defaults(); err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	if f.export != "" {
		if f.export != "csv" {
			return usageError{fmt.Errorf("--export %q: the one format is csv", f.export)}
		}
		rs, bad, err := classroom.ReadResults(f.results)
		if err != nil {
			return err
		}
		if len(bad) > 0 {
			fmt.Fprintf(cmd.ErrOrStderr(), "ftplab classroom: %s: skipped %d line(s) that do not parse (first: line %d)\n", f.results, len(bad), bad[0])
		}
		return classroom.WriteCSV(out, rs)
	}
	s, err := f.setup(cmd)
	if err != nil {
		return err
	}
	defer s.results.Close()
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return err
	}
	fp := classroom.Fingerprint(s.cfg.HostKey.PublicKey())
	made := ""
	if s.created {
		made = " (new key, made now)"
	}
	fmt.Fprintf(out, "ftplab classroom on %s\nhost key %s%s: %s\nresults: %s\nstudents: ssh -p %s NAME@HOST\n",
		ln.Addr(), f.hostKey, made, fp, f.results, port(ln.Addr()))
	interactiveDash := interactive()
	if !interactiveDash {
		s.cfg.Log = cmd.ErrOrStderr() // no terminal for the dashboard: a log instead
	}
	srv, err := classroom.New(s.cfg)
	if err != nil {
		ln.Close()
		return err
	}
	ctx, stop := context.WithCancel(cmd.Context())
	defer stop()
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, ln) }()
	if interactiveDash {
		ls, err := leadLessons(ctx)
		if err != nil {
			stop()
			<-served
			return err
		}
		dash := classroom.NewDashboard(s.cfg.Class, fmt.Sprintf("ftplab classroom · %s · %s", ln.Addr(), fp), s.results).WithLessons(ls)
		_, err = tea.NewProgram(dash, tea.WithContext(ctx)).Run()
		stop()
		if serr := <-served; serr != nil {
			return serr
		}
		if err != nil && !errors.Is(err, tea.ErrProgramKilled) && !errors.Is(err, context.Canceled) {
			return err
		}
		return nil
	}
	return <-served
}

func port(a net.Addr) string {
	_, p, _ := net.SplitHostPort(a.String())
	return p
}

// classroomScreen is one student's program: the lesson menu, marked with
// their own best results, or the sandbox; each lesson's steps and results
// go to their seat.
func classroomScreen(ctx context.Context, seat *classroom.Seat) (tea.Model, func()) {
	o := player.Options{NoColor: seat.NoColor, OnStatus: func(st player.Status) {
		seat.Stepped(classroom.Progress{Step: st.Step, Steps: st.Steps, Score: st.Score, Total: st.Total, Finished: st.Finished})
	}}
	var root tea.Model
	if seat.Sandbox {
		seat.Opened("sandbox")
		root = tui.NewSandbox(play.Sandbox(ctx), o)
	} else {
		items, err := classroomItems(seat)
		if err != nil {
			items = nil
		}
		open := func(name string) (player.Session, error) {
			seat.Opened(name)
			return play.Lesson(ctx, name)
		}
		root = tui.NewMenu(items, open, o).Record(func(name string, score, total int) (string, error) {
			return seat.Finished(name, score, total)
		})
	}
	app := tui.NewApp(root)
	return app, func() { app.Close() }
}

// classroomItems is the menu marked with the student's own best results
// (kept by the class, so a student who reconnects finds them again).
func classroomItems(seat *classroom.Seat) ([]tui.MenuItem, error) {
	items, err := lessonItems(progress.File{})
	for i := range items {
		items[i].Best = seat.Best(items[i].Name)
	}
	return items, err
}

// leadLessons is every lesson with its length (each run once, as a
// student's player does before pacing it), for the dashboard's lead mode.
func leadLessons(ctx context.Context) ([]classroom.LessonInfo, error) {
	ls, err := lessons.All()
	if err != nil {
		return nil, err
	}
	out := make([]classroom.LessonInfo, len(ls))
	for i, l := range ls {
		run, err := sim.Run(ctx, l.Scenario, sim.Options{Title: l.Title})
		if err != nil {
			return nil, fmt.Errorf("lesson %s: %w", l.Name, err)
		}
		out[i] = classroom.LessonInfo{Name: l.Name, Title: l.Title, Steps: len(run.Events)}
	}
	return out, nil
}
