package cli

import (
	"context"
	"errors"
	"io"

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
	f.BoolVar(&o.AllowUpload, "allow-upload", false, "allow STOR, APPE, DELE, MKD, RMD, RNFR/RNTO")
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
