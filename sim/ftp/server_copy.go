package ftp

import (
	"io"
	"net"
	"os"
	"time"
)

// dataChunk bounds one io.Copy. On Linux sendfile and splice move the file
// position as they go, so the stall watch sees progress within a chunk;
// elsewhere the position moves once per chunk. Large, because each chunk
// costs a round of system calls (1 MiB chunks cost ~15% of RETR speed).
const dataChunk = 64 << 20

// copyHook, when a test sets it, sees the writer and reader of every data
// copy, so a test can prove RETR hands io.Copy the bare *net.TCPConn.
var copyHook func(dst io.Writer, src io.Reader)

// copyData moves src to dst over the data connection conn; file is the
// local side (src for RETR, dst for STOR). io.CopyN wraps src in an
// *io.LimitedReader, which both net.TCPConn.ReadFrom (sendfile) and
// os.File.ReadFrom (splice) unwrap, so the kernel's zero-copy paths run.
func (c *session) copyData(conn net.Conn, dst io.Writer, src io.Reader, file *os.File) (int64, error) {
	if copyHook != nil {
		copyHook(dst, src)
	}
	if n, err, ok := directCopy(conn, dst, src, file, c.srv.cfg.DataTimeout); ok {
		return n, err
	}
	defer c.stallWatch(conn, file)()
	var total int64
	for {
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

// stallWatch keeps conn's deadline DataTimeout ahead for as long as file's
// position moves: DataTimeout limits a stall, not a whole transfer, and
// nothing has to wrap the connection or the file to count bytes.
func (c *session) stallWatch(conn net.Conn, file *os.File) (stop func()) {
	limit := c.srv.cfg.DataTimeout
	conn.SetDeadline(time.Now().Add(limit))
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(max(limit/4, time.Millisecond))
		defer tick.Stop()
		last, _ := file.Seek(0, io.SeekCurrent)
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			if pos, err := file.Seek(0, io.SeekCurrent); err == nil && pos != last {
				last = pos
				conn.SetDeadline(time.Now().Add(limit))
			}
		}
	}()
	return func() { close(quit); <-done }
}
