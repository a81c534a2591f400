package ftp

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"

	"ftplab/internal/termsafe"
	"time"
)

// ServeOptions are the flags of `ftplab serve`.
type ServeOptions struct {
	Addr        string
	Root        string
	PasvPorts   string // "MIN-MAX"
	PasvAddress string
	Anonymous   bool
	Users       []string // "NAME:PASSWORD"
	AllowUpload bool
	// AnonymousUpload lets anonymous make new files and directories.
	AnonymousUpload bool
	TLS             bool
	// TLSWithoutReuse accepts PROT P data connections that do not resume
	// the control connection's TLS session (Python's ftplib cannot).
	TLSWithoutReuse bool
	// RequireTLS refuses logins before AUTH TLS and data without PROT P.
	RequireTLS    bool
	MaxConns      int
	MaxPerIP      int           // sessions from one address; 0: a quarter of MaxConns
	LoginTimeout  time.Duration // to log in after connecting; 0: 30 s
	MaxLoginFails int           // failed PASS before hanging up; 0: 3
	// Observer, when set, also sees every step (serve --watch).
	Observer Observer
	// Quiet stops the per-line log (the TUI owns the screen).
	Quiet bool
	// RunAs is the user to become once the listener is bound; AllowRoot
	// serves as root all the same. As root, one of the two is needed:
	// root reads every file in the tree, 0600 ones of other users too.
	RunAs     string
	AllowRoot bool
}

// geteuid is os.Geteuid; tests replace it.
var geteuid = os.Geteuid

// shutdownGrace is how long Serve waits for sessions to end after its
// context does; a session stuck in the file system does not keep the
// process alive past it.
const shutdownGrace = 1500 * time.Millisecond

// Validate checks the options before anything is opened, with one error per
// problem.
func (o ServeOptions) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(o.Addr); err != nil {
		errs = append(errs, fmt.Errorf("--addr %q: want HOST:PORT", o.Addr))
	}
	if _, _, err := parseRange(o.PasvPorts); err != nil {
		errs = append(errs, err)
	}
	if o.PasvAddress != "" && net.ParseIP(o.PasvAddress) == nil {
		errs = append(errs, fmt.Errorf("--pasv-address %q: want an IP address", o.PasvAddress))
	}
	if fi, err := os.Stat(o.Root); err != nil || !fi.IsDir() {
		errs = append(errs, fmt.Errorf("--root %q: not a directory", o.Root))
	}
	if _, err := parseUsers(o.Users); err != nil {
		errs = append(errs, err)
	}
	if !o.Anonymous && len(o.Users) == 0 {
		errs = append(errs, errors.New("nobody can log in: give --anonymous or --user NAME:PASSWORD"))
	}
	if o.AnonymousUpload && !o.Anonymous {
		errs = append(errs, errors.New("--anonymous-upload needs --anonymous"))
	}
	if o.RequireTLS && !o.TLS {
		errs = append(errs, errors.New("--require-tls needs --tls"))
	}
	if o.TLSWithoutReuse && !o.TLS {
		errs = append(errs, errors.New("--allow-tls-without-reuse needs --tls"))
	}
	if geteuid() == 0 && o.RunAs == "" && !o.AllowRoot {
		errs = append(errs, errors.New("refusing to serve as root (every file would be readable, other users' 0600 ones too): give --run-as USER to drop to USER once the port is bound, or --allow-root"))
	}
	if o.RunAs != "" && geteuid() != 0 {
		errs = append(errs, fmt.Errorf("--run-as %q: only root can change user", o.RunAs))
	}
	if o.MaxConns < 0 {
		errs = append(errs, fmt.Errorf("--max-conns %d: want a positive number", o.MaxConns))
	}
	if o.MaxPerIP < 0 || (o.MaxConns > 0 && o.MaxPerIP > o.MaxConns) {
		errs = append(errs, fmt.Errorf("--max-per-ip %d: want a number from 1 to --max-conns (0: a quarter of it)", o.MaxPerIP))
	}
	if o.LoginTimeout < 0 {
		errs = append(errs, fmt.Errorf("--login-timeout %v: want a positive duration", o.LoginTimeout))
	}
	if o.MaxLoginFails < 0 {
		errs = append(errs, fmt.Errorf("--max-login-fails %d: want a positive number", o.MaxLoginFails))
	}
	return errors.Join(errs...)
}

func parseRange(s string) (int, int, error) {
	a, b, ok := strings.Cut(s, "-")
	lo, err1 := strconv.Atoi(a)
	hi, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || lo < 1024 || hi > 65535 || lo > hi {
		return 0, 0, fmt.Errorf("--pasv-ports %q: want MIN-MAX with 1024 <= MIN <= MAX <= 65535", s)
	}
	return lo, hi, nil
}

func parseUsers(list []string) (map[string]string, error) {
	users := map[string]string{}
	for _, u := range list {
		name, pass, ok := strings.Cut(u, ":")
		if !ok || name == "" || pass == "" {
			return nil, fmt.Errorf("--user %q: want NAME:PASSWORD", u)
		}
		users[name] = pass
	}
	return users, nil
}

// Serve runs a server on the OS network until ctx ends, logging each control
// line to log ("> " commands in, "< " replies out).
func Serve(ctx context.Context, o ServeOptions, log io.Writer) error {
	if err := o.Validate(); err != nil {
		return err
	}
	lo, hi, _ := parseRange(o.PasvPorts)
	users, _ := parseUsers(o.Users)
	l, err := OSNetwork{}.Listen(ctx, o.Addr)
	if err != nil {
		return err
	}
	defer l.Close()
	if o.RunAs != "" {
		if err := dropPrivileges(o.RunAs); err != nil {
			return err
		}
	}
	// Opened as the user the server runs as.
	root, err := os.OpenRoot(o.Root)
	if err != nil {
		return err
	}
	defer root.Close()
	var mu sync.Mutex
	// Log lines carry client text (before login too): escaped, so a client
	// cannot drive the operator's terminal (OSC 52, titles, screen clears).
	logLine := func(format string, args ...any) {
		if o.Quiet {
			return
		}
		line := termsafe.String(fmt.Sprintf(format, args...))
		mu.Lock()
		fmt.Fprintln(log, line)
		mu.Unlock()
	}
	cfg := ServerConfig{
		Root: root, Anonymous: o.Anonymous, Users: users, AllowUpload: o.AllowUpload, AnonymousUpload: o.AnonymousUpload,
		PasvMinPort: lo, PasvMaxPort: hi, PasvAddress: o.PasvAddress, MaxConns: o.MaxConns,
		MaxConnsPerIP: o.MaxPerIP, LoginTimeout: o.LoginTimeout, MaxLoginFails: o.MaxLoginFails,
		Logf: func(f string, a ...any) { logLine("  "+f, a...) },
		Observer: func(e Event) {
			switch e.Kind {
			case EvCommand:
				if strings.HasPrefix(strings.ToUpper(e.Text), "PASS ") {
					e.Text = "PASS ****"
				}
				logLine("%s > %s", e.Remote, e.Text)
			case EvReply:
				logLine("%s < %s", e.Remote, e.Text)
			}
			if o.Observer != nil {
				o.Observer(e)
			}
		},
	}
	if o.TLS {
		cert, err := GenerateCert("localhost", "127.0.0.1", "::1")
		if err != nil {
			return err
		}
		cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		cfg.DataTLSWithoutReuse = o.TLSWithoutReuse
		cfg.RequireTLS = o.RequireTLS
	}
	srv, err := NewServer(cfg)
	if err != nil {
		return err
	}
	tlsNote := ""
	if o.TLS {
		tlsNote = ", AUTH TLS offered"
	}
	if o.RequireTLS {
		tlsNote = ", TLS required"
	}
	if o.RunAs != "" {
		tlsNote += ", running as " + o.RunAs
	}
	fmt.Fprintf(log, "ftplab serve: listening on %s (root %s, passive %d-%d%s)\n", l.Addr(), o.Root, lo, hi, tlsNote)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ctx, l) }()
	select {
	case err = <-served:
	case <-ctx.Done():
		select {
		case err = <-served:
		case <-time.After(shutdownGrace):
			// Left running: the process is about to exit.
			fmt.Fprintf(log, "ftplab serve: stopping without waiting for %d sessions still busy\n", srv.sessionsLeft())
			return nil
		}
	}
	if errors.Is(err, ErrServerClosed) {
		return nil
	}
	return err
}
