package ftp

import (
	"bytes"
	"io"
)

// TYPE A (RFC 959 3.1.1.1): on the wire every line ends in CRLF; on disk a
// line ends in the local newline, LF here. So RETR turns a bare LF into
// CRLF and leaves an existing CRLF alone (a file with DOS line ends is not
// given a second CR), and STOR turns CRLF back into LF (a CR that is not
// before an LF is data and stays). Together a TYPE A upload and download
// give back the bytes sent, as with vsftpd's ascii_*_enable and proftpd.

// toNetASCII writes w's bytes with each bare LF made CRLF.
type toNetASCII struct {
	w      io.Writer
	lastCR bool // the previous byte written was CR (across Write calls)
}

func (a *toNetASCII) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		i := bytes.IndexByte(p[done:], '\n')
		if i < 0 {
			break
		}
		lf := done + i
		bareLF := (lf > done && p[lf-1] != '\r') || (lf == done && !a.lastCR)
		if bareLF {
			if _, err := a.w.Write(p[done:lf]); err != nil {
				return done, err
			}
			if _, err := a.w.Write([]byte("\r\n")); err != nil {
				return done, err
			}
		} else if _, err := a.w.Write(p[done : lf+1]); err != nil {
			return done, err
		}
		a.lastCR = false
		done = lf + 1
	}
	if done < len(p) {
		if _, err := a.w.Write(p[done:]); err != nil {
			return done, err
		}
		a.lastCR = p[len(p)-1] == '\r'
	}
	return len(p), nil
}

// fromNetASCII writes w's bytes with each CRLF made LF. A CR at the end of
// one Write waits for the next to see whether an LF follows; Close writes
// a CR still waiting at the end of the upload.
type fromNetASCII struct {
	w         io.Writer
	pendingCR bool
}

func (a *fromNetASCII) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	out := make([]byte, 0, len(p)+1)
	if a.pendingCR && p[0] != '\n' {
		out = append(out, '\r')
	}
	a.pendingCR = false
	for i, b := range p {
		if b == '\r' {
			if i == len(p)-1 {
				a.pendingCR = true
				continue
			}
			if p[i+1] == '\n' {
				continue
			}
		}
		out = append(out, b)
	}
	if _, err := a.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}

func (a *fromNetASCII) Close() error {
	if a.pendingCR {
		a.pendingCR = false
		_, err := a.w.Write([]byte{'\r'})
		return err
	}
	return nil
}
