package ftp

import (
	"context"
	"errors"
	"io"
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
	TLS         bool
}

// Validate checks the options before anything is opened.
func (o ServeOptions) Validate() error { return nil }

// Serve runs a server on the OS network until ctx ends, logging each control
// line to log.
func Serve(ctx context.Context, o ServeOptions, log io.Writer) error {
	return errors.New("serve: not built yet")
}
