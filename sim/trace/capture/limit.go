package capture

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
)

// MaxCaptureBytes bounds the capture an import reads, counted after
// decompression: FTP sessions worth teaching fit in a few megabytes, and
// the importer keeps every TCP segment, so memory follows the input.
const MaxCaptureBytes = 32 << 20

// maxCaptureBytes is the limit Read applies (tests lower it).
var maxCaptureBytes int64 = MaxCaptureBytes

// limitReader fails once more than limit bytes have been read.
type limitReader struct {
	r     io.Reader
	n     int64
	limit int64
	gz    bool // the bytes counted are a gzip file's contents
	over  bool
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n > l.limit {
		l.over = true
		return 0, l.err()
	}
	if rem := l.limit + 1 - l.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.limit {
		l.over = true
		return n, l.err()
	}
	return n, err
}

func (l *limitReader) err() error {
	what := "capture"
	if l.gz {
		what = "decompressed capture"
	}
	return fmt.Errorf("import: %s larger than %d bytes (the importer's limit)", what, l.limit)
}

// boundedInput undoes gzip compression (pcapgo would do it unbounded) and
// bounds what may be read: a small gzip file cannot expand into gigabytes.
func boundedInput(r io.Reader) (*bufio.Reader, *limitReader, error) {
	br := bufio.NewReader(r)
	lr := &limitReader{r: br, limit: maxCaptureBytes}
	if magic, _ := br.Peek(2); bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, nil, errors.New("import: bad gzip: " + err.Error())
		}
		lr.r, lr.gz = zr, true
	}
	return bufio.NewReader(lr), lr, nil
}
