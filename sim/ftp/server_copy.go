package ftp

import (
	"io"
	"net"
	"time"
)

// dataChunk is how much may move under one deadline: DataTimeout limits a
// stall, not the length of a whole transfer.
const dataChunk = 1 << 20

// copyHook, when a test sets it, sees the writer and reader of every data
// copy, so a test can prove RETR hands io.Copy the bare *net.TCPConn.
var copyHook func(dst io.Writer, src io.Reader)

// copyData moves src to dst over the data connection conn, one chunk per
// deadline. io.CopyN wraps src in an *io.LimitedReader, which both
// net.TCPConn.ReadFrom (sendfile) and os.File.ReadFrom (splice) unwrap, so
// the kernel's zero-copy paths still run.
func (c *session) copyData(conn net.Conn, dst io.Writer, src io.Reader) (int64, error) {
	if copyHook != nil {
		copyHook(dst, src)
	}
	var total int64
	for {
		conn.SetDeadline(time.Now().Add(c.srv.cfg.DataTimeout))
		n, err := io.CopyN(dst, src, dataChunk)
		total += n
		switch {
		case err == io.EOF:
			return total, nil
		case err != nil:
			return total, err
		}
	}
}
