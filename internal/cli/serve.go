package cli

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/spf13/cobra"

	"ftplab/internal/play"
	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

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
	f.BoolVar(&o.AllowUpload, "allow-upload", false, "let named users STOR, APPE, DELE, MKD, RMD, RNFR/RNTO")
	f.BoolVar(&o.AnonymousUpload, "anonymous-upload", false, "let anonymous upload new files and make directories (never replace, append, delete or rename)")
	f.BoolVar(&o.RequireTLS, "require-tls", false, "refuse logins before AUTH TLS and data connections without PROT P (needs --tls)")
	f.BoolVar(&o.TLSWithoutReuse, "allow-tls-without-reuse", false, "accept PROT P data connections that do not resume the control connection's TLS session (Python's ftplib)")
	f.IntVar(&o.MaxPerIP, "max-per-ip", 0, "sessions at once from one address (0: a quarter of --max-conns; raise it for a class behind one NAT)")
	f.DurationVar(&o.LoginTimeout, "login-timeout", 30*time.Second, "time a connection has to log in")
	f.IntVar(&o.MaxLoginFails, "max-login-fails", 3, "wrong passwords on one connection before it is closed")
	f.StringVar(&o.RunAs, "run-as", "", "when started as root, become USER once the port is bound")
	f.BoolVar(&o.AllowRoot, "allow-root", false, "serve as root all the same (root reads every file, 0600 ones of other users too)")
	f.BoolVar(&o.TLS, "tls", false, "offer AUTH TLS with a certificate generated at start")
	f.IntVar(&o.MaxConns, "max-conns", 64, "sessions at once; more are answered 421")
	f.BoolVar(&watch, "watch", false, "show each client's session on the stage as it happens")
	return cmd
}

// serveWatch runs the server with the player watching its sockets; the
// server's own log would corrupt the screen, so it is silenced. Quitting
// the screen stops the server.
func serveWatch(cmd *cobra.Command, o ftp.ServeOptions) error {
	ctx, cancel := context.WithCancel(cmd.Context())
	defer cancel()
	events := make(chan trace.SessionEvent, 4096)
	w := play.NewWatcher(nil, func(e trace.SessionEvent) { events <- e })
	o.Observer, o.Quiet = w.Observe, true
	served := make(chan error, 1)
	go func() { served <- ftp.Serve(ctx, o, io.Discard) }()
	err := watchScreen(ctx, cmd, events)
	cancel()
	if serr := <-served; serr != nil && err == nil {
		err = serr
	}
	return err
}
