package ftp

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

// endless repeats one line forever and counts what was read.
type endless struct {
	line []byte
	off  int
	read int64
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		k := copy(p[n:], e.line[e.off:])
		n += k
		e.off = (e.off + k) % len(e.line)
	}
	e.read += int64(n)
	return n, nil
}

// TestReadReplyBoundsMultiLine: an endless "220-" reply ends in an error
// naming the limit after about maxReplyBytes, not in exhausted memory; a
// long but finite reply still reads.
func TestReadReplyBoundsMultiLine(t *testing.T) {
	src := &endless{line: []byte("220-" + strings.Repeat("x", 8000) + "\r\n")}
	_, err := ReadReply(bufio.NewReader(src), nil)
	if !errors.Is(err, ErrReplySyntax) || !strings.Contains(err.Error(), "longer than 1048576 bytes") {
		t.Fatalf("err = %v, want the reply limit", err)
	}
	if src.read > 2*maxReplyBytes {
		t.Errorf("read %d bytes before giving up", src.read)
	}
	long := strings.Repeat("211-feature\r\n", 5000) + "211 End\r\n"
	rep, err := ReadReply(bufio.NewReader(io.MultiReader(strings.NewReader(long))), nil)
	if err != nil || len(rep.Lines) != 5001 {
		t.Errorf("a 5000-line reply: %d lines, %v", len(rep.Lines), err)
	}
}
