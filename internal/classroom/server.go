package classroom

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"
)

// Config is how a class is served.
type Config struct {
	HostKey        gossh.Signer
	Password       string            // the class password, "" for none
	AuthorizedKeys []gossh.PublicKey // keys that may join, nil for none
	MaxStudents    int               // students connected at once
	PerIP          int               // connections from one address at once (authenticated or not)
	AuthTimeout    time.Duration     // from connect to the end of authentication
	IdleTimeout    time.Duration     // a session without a key for this long is closed
	Class          *Class            // the roster (NewClass)
	// NewScreen makes a student's program: the model, and what to close
	// once the program has ended. It is called once per session; ctx ends
	// with the session.
	NewScreen func(context.Context, *Seat) (tea.Model, func())
	// LeadMsg is the message a student's program gets when the teacher
	// leads (or releases, with the zero Lead); nil: no lead mode.
	LeadMsg func(Lead) tea.Msg
	Log     io.Writer // one line per connection event, nil for none
}

// failedAuthDelay is the wait after a wrong password; with at most
// maxAuthTries a connection and PerIP connections, one address guesses
// at most PerIP*maxAuthTries passwords per (delay*maxAuthTries).
const (
	failedAuthDelay = 300 * time.Millisecond
	maxAuthTries    = 3
)

// maxCols and maxRows bound the screen a client may ask for: a 10000x10000
// window would cost the server a hundred million cells per frame.
const maxCols, maxRows = 400, 150

// Server is a running classroom.
type Server struct {
	cfg  Config
	ssh  *ssh.Server
	mu   sync.Mutex
	ips  map[string]int // open connections per remote IP
	logm sync.Mutex
}

// New makes a server for cfg; Serve starts it.
func New(cfg Config) (*Server, error) {
	if cfg.HostKey == nil || cfg.Class == nil || cfg.NewScreen == nil {
		return nil, errors.New("classroom: HostKey, Class and NewScreen are required")
	}
	if cfg.MaxStudents <= 0 || cfg.PerIP <= 0 {
		return nil, errors.New("classroom: MaxStudents and PerIP must be at least 1")
	}
	s := &Server{cfg: cfg, ips: map[string]int{}}
	s.ssh = &ssh.Server{
		Handler:          s.session,
		HostSigners:      []ssh.Signer{cfg.HostKey},
		Version:          "ftplab-classroom",
		HandshakeTimeout: cfg.AuthTimeout,
		ConnCallback:     s.admit,
		BannerHandler: func(ctx ssh.Context) string {
			if msg, over := overLimit(ctx); over {
				return msg + "\r\n"
			}
			return ""
		},
		// No forwarding of any kind: the callbacks stay nil (deny all), no
		// request handlers, no subsystems; the session handler refuses exec.
		ChannelHandlers: map[string]ssh.ChannelHandler{"session": ssh.DefaultSessionHandler},
		ServerConfigCallback: func(ssh.Context) *gossh.ServerConfig {
			return &gossh.ServerConfig{MaxAuthTries: maxAuthTries}
		},
	}
	if cfg.IdleTimeout > 0 {
		// A backstop for dead peers; the handler's own timer says why.
		s.ssh.IdleTimeout = cfg.IdleTimeout + time.Minute
	}
	if cfg.Password != "" {
		s.ssh.PasswordHandler = func(ctx ssh.Context, pw string) bool {
			if _, over := overLimit(ctx); over {
				return false
			}
			if passwordMatches(pw, cfg.Password) {
				return true
			}
			// The same wait for every wrong guess, whoever the user: guessing
			// is slow, and the time says nothing about the name.
			time.Sleep(failedAuthDelay)
			return false
		}
	}
	if cfg.AuthorizedKeys != nil {
		s.ssh.PublicKeyHandler = func(ctx ssh.Context, k ssh.PublicKey) bool {
			_, over := overLimit(ctx)
			return !over && keyAllowed(k, cfg.AuthorizedKeys)
		}
	}
	return s, nil
}

// Serve accepts students on ln until ctx ends, then closes every session
// and returns once they are all gone.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	done := make(chan error, 1)
	go func() { done <- s.ssh.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	s.ssh.Close()
	if err := <-done; err != nil && !errors.Is(err, ssh.ErrServerClosed) {
		return err
	}
	return nil
}

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Log == nil {
		return
	}
	s.logm.Lock()
	defer s.logm.Unlock()
	fmt.Fprintf(s.cfg.Log, time.Now().Format("15:04:05 ")+format+"\n", args...)
}

func remoteIP(a net.Addr) string {
	if h, _, err := net.SplitHostPort(a.String()); err == nil {
		return h
	}
	return a.String()
}

// admit counts connections per address before any SSH is spoken. Over
// --per-ip a connection may still speak SSH, only to read why (the
// banner, which OpenSSH prints) and be refused; over twice the limit it
// gets one plain line and is closed at once, so a flood costs nothing.
func (s *Server) admit(ctx ssh.Context, c net.Conn) net.Conn {
	ip := remoteIP(c.RemoteAddr())
	msg := fmt.Sprintf("ftplab classroom: too many connections from %s (at most %d at once); close one and try again", ip, s.cfg.PerIP)
	s.mu.Lock()
	n := s.ips[ip]
	if n >= 2*s.cfg.PerIP {
		s.mu.Unlock()
		c.SetWriteDeadline(time.Now().Add(time.Second))
		fmt.Fprint(c, msg+"\r\n")
		return nil
	}
	s.ips[ip]++
	s.mu.Unlock()
	if n >= s.cfg.PerIP {
		ctx.SetValue(overKey{}, msg)
		s.logf("refused %s: over %d connections from one address", ip, s.cfg.PerIP)
	}
	return &countedConn{Conn: c, release: func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.ips[ip]--; s.ips[ip] <= 0 {
			delete(s.ips, ip)
		}
	}}
}

// overKey marks a connection over the per-address limit; its value is
// the message.
type overKey struct{}

func overLimit(ctx ssh.Context) (string, bool) {
	msg, ok := ctx.Value(overKey{}).(string)
	return msg, ok
}

type countedConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *countedConn) Close() error {
	c.once.Do(c.release)
	return c.Conn.Close()
}

// refuse tells the student why, then ends the session.
func refuse(sess ssh.Session, msg string) {
	fmt.Fprint(sess.Stderr(), strings.TrimRight(msg, "\n")+"\r\n")
	sess.Exit(1)
}

// session runs one student's program.
func (s *Server) session(sess ssh.Session) {
	ip := remoteIP(sess.RemoteAddr())
	if msg, over := overLimit(sess.Context()); over { // no password asked: tell here
		refuse(sess, msg)
		return
	}
	cmd := sess.Command()
	if len(cmd) > 1 || (len(cmd) == 1 && cmd[0] != "sandbox") || sess.Subsystem() != "" {
		refuse(sess, "ftplab classroom runs lessons only: connect without a command (or with `sandbox`)")
		return
	}
	pty, winch, ok := sess.Pty()
	if !ok {
		refuse(sess, "ftplab classroom needs a terminal: connect with ssh -t")
		return
	}
	if !firstSession(sess.Context()) {
		refuse(sess, "ftplab classroom: one session per connection")
		return
	}
	if err := checkName(sess.User()); err != nil {
		refuse(sess, err.Error())
		return
	}
	env := append(sess.Environ(), "TERM="+pty.Term)
	seat := &Seat{Name: sess.User(), Addr: ip, NoColor: hasEnv(env, "NO_COLOR"), Sandbox: len(cmd) == 1}

	var (
		reasonMu sync.Mutex
		reason   string
		prog     *tea.Program
		started  = make(chan struct{})
	)
	seat.quit = func(why string) {
		reasonMu.Lock()
		if reason == "" {
			reason = why
		}
		reasonMu.Unlock()
		<-started
		prog.Quit()
	}
	if err := s.cfg.Class.join(seat); err != nil {
		s.logf("refused %s from %s: %v", seat.Name, ip, err)
		refuse(sess, err.Error())
		return
	}
	defer s.cfg.Class.leave(seat)
	s.logf("%s joined from %s (%dx%d, TERM=%s)", seat.Name, ip, pty.Window.Width, pty.Window.Height, pty.Term)

	ctx, cancel := context.WithCancel(sess.Context())
	defer cancel()
	model, cleanup := s.cfg.NewScreen(ctx, seat)
	w, h := clampSize(pty.Window.Width, pty.Window.Height)
	prog = tea.NewProgram(model,
		tea.WithInput(nil), tea.WithOutput(sess), // input: pumpInput
		tea.WithEnvironment(env), tea.WithColorProfile(colorprofile.Env(env)),
		tea.WithWindowSize(w, h),
		tea.WithoutSignalHandler(), // the server's signals are the operator's
		tea.WithFilter(func(_ tea.Model, msg tea.Msg) tea.Msg {
			switch m := msg.(type) {
			case tea.WindowSizeMsg:
				m.Width, m.Height = clampSize(m.Width, m.Height)
				return m
			case tea.KeyPressMsg:
				seat.Input(time.Now())
			case tea.SuspendMsg: // ctrl+z cannot suspend a remote program
				return tea.ResumeMsg{}
			}
			return msg
		}))
	close(started)
	pumpInput(ctx, sess, pty.Term, prog)

	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.watch(ctx, seat, prog, winch)
	}()
	_, err := prog.Run()
	prog.Kill()
	cancel()
	wg.Wait()
	if cleanup != nil {
		cleanup()
	}
	reasonMu.Lock()
	why := reason
	reasonMu.Unlock()
	if why == "" && seat.idleFor(time.Now()) >= s.cfg.IdleTimeout && s.cfg.IdleTimeout > 0 {
		why = "ftplab classroom: closed after " + s.cfg.IdleTimeout.String() + " without a key"
	}
	if err != nil && !errors.Is(err, tea.ErrProgramKilled) {
		s.logf("%s: program ended: %v", seat.Name, err)
	}
	if why != "" {
		fmt.Fprint(sess, why+"\r\n")
	}
	s.logf("%s left", seat.Name)
	sess.Exit(0)
}

// watch passes window changes on and ends the program when the student
// has been idle too long or the connection is gone.
func (s *Server) watch(ctx context.Context, seat *Seat, prog *tea.Program, winch <-chan ssh.Window) {
	var idle <-chan time.Time
	if s.cfg.IdleTimeout > 0 {
		t := time.NewTicker(min(s.cfg.IdleTimeout/4, time.Second))
		defer t.Stop()
		idle = t.C
	}
	for {
		select {
		case <-ctx.Done():
			prog.Quit()
			return
		case <-seat.led:
			if s.cfg.LeadMsg != nil {
				prog.Send(s.cfg.LeadMsg(s.cfg.Class.Lead()))
			}
		case w, ok := <-winch:
			if !ok {
				winch = nil
				continue
			}
			prog.Send(tea.WindowSizeMsg{Width: w.Width, Height: w.Height})
		case now := <-idle:
			if seat.idleFor(now) >= s.cfg.IdleTimeout {
				prog.Quit()
				return
			}
		}
	}
}

func (s *Seat) idleFor(now time.Time) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	return now.Sub(s.st.LastInput)
}

func clampSize(w, h int) (int, int) {
	return min(max(w, 1), maxCols), min(max(h, 1), maxRows)
}

func hasEnv(env []string, name string) bool {
	for _, e := range env {
		if k, v, ok := strings.Cut(e, "="); ok && k == name && v != "" {
			return true
		}
	}
	return false
}

// firstSession tells whether this is the connection's first session
// channel: one student, one program.
func firstSession(ctx ssh.Context) bool {
	ctx.Lock()
	defer ctx.Unlock()
	if ctx.Value(sessionKey{}) != nil {
		return false
	}
	ctx.SetValue(sessionKey{}, true)
	return true
}

type sessionKey struct{}
