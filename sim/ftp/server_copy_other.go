//go:build !linux

package ftp

import (
	"io"
	"net"
	"os"
	"time"
)

// directCopy is Linux's (a blocking sendfile, a splice waiting in
// poll(2)); elsewhere every copy takes Go's own path.
func directCopy(net.Conn, io.Writer, io.Reader, *os.File, time.Duration) (int64, error, bool) {
	return 0, nil, false
}

// closeData closes a data connection (Linux's also wakes a direct copy).
func closeData(d io.Closer) error { return d.Close() }
