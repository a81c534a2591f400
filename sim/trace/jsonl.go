package trace

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"sync"
)

// Trace is a recorded session: its header and its events in order.
type Trace struct {
	Header Header
	Events []Event
}

// maxLine bounds one line of a trace file; a longer line is an error, not
// a memory problem.
const maxLine = 1 << 20

// ParseError is a problem at one line of a trace file.
type ParseError struct {
	Line int    // 1-based
	Msg  string // what was wrong
}

func (e *ParseError) Error() string { return fmt.Sprintf("trace line %d: %s", e.Line, e.Msg) }

// withFormat fills in the format name and version a header leaves empty.
func withFormat(h Header) Header {
	if h.Format == "" {
		h.Format = FormatName
	}
	if h.Version == 0 {
		h.Version = Version
	}
	return h
}

// checkHeader refuses a header Read would refuse.
func checkHeader(h Header) error {
	if h.Format != FormatName || h.Version != Version {
		return fmt.Errorf("trace: cannot write format %q version %d (this ftplab writes %q version %d)", h.Format, h.Version, FormatName, Version)
	}
	return nil
}

// checkEvent refuses an event Read would refuse after n events ending at
// seq last.
func checkEvent(e Event, n, last int) error {
	switch {
	case e.Kind == "":
		return fmt.Errorf("trace: event %d (seq %d) has no kind", n, e.Seq)
	case n > 0 && e.Seq <= last:
		return fmt.Errorf("trace: event %d: seq %d does not follow %d", n, e.Seq, last)
	}
	return nil
}

// Write writes a whole trace, after checking that Read will take it back.
func Write(w io.Writer, t Trace) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw)
	h := withFormat(t.Header)
	if err := checkHeader(h); err != nil {
		return err
	}
	for i, e := range t.Events { // nothing is written for a trace Read would refuse
		last := 0
		if i > 0 {
			last = t.Events[i-1].Seq
		}
		if err := checkEvent(e, i, last); err != nil {
			return err
		}
	}
	if err := enc.Encode(h); err != nil {
		return err
	}
	for i := range t.Events {
		if err := enc.Encode(&t.Events[i]); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// Limits of the reader: a file is read as a stream, in batches, so memory
// follows the events kept (each line at most maxLine) and never the count
// of lines read ahead; a file with more than MaxEvents events, or larger
// than MaxFileBytes, is refused with the limit in the error.
const (
	MaxEvents    = 1 << 20   // 1,048,576 events: a long recorded session has thousands
	MaxFileBytes = 512 << 20 // 512 MiB
	readBatch    = 8192      // lines decoded together (in parallel)
)

// The limits Read applies (tests lower them).
var (
	maxEvents    = MaxEvents
	maxFileBytes = int64(MaxFileBytes)
)

// Read parses a trace file. Unknown fields are ignored and unknown kinds
// kept; anything else wrong is a *ParseError naming the line, and no
// partial trace is returned. Lines are decoded in parallel batches: a
// million events load in about a second on two cores.
func Read(r io.Reader) (Trace, error) {
	cr := &countingReader{r: r, limit: maxFileBytes}
	br := bufio.NewReaderSize(cr, 256<<10)
	var t Trace
	var buf []byte       // the batch's lines, back to back (reused)
	var ends []int       // where each line of the batch ends in buf
	var chunks [][]Event // decoded batches, joined once at the end (no growth copies)
	n := 0               // events decoded
	var prev Event       // the last event of the previous batch
	first := 2           // file line of the batch's first line
	flush := func() error {
		if len(ends) == 0 {
			return nil
		}
		if n+len(ends) > maxEvents {
			return &ParseError{Line: first + maxEvents - n, Msg: fmt.Sprintf("more than %d events (the reader's limit)", maxEvents)}
		}
		chunk := make([]Event, len(ends))
		if err := decodeEvents(buf, ends, chunk, first); err != nil {
			return err
		}
		for i := range chunk {
			if (n > 0 || i > 0) && chunk[i].Seq <= prev.Seq {
				return &ParseError{Line: first + i, Msg: fmt.Sprintf("seq %d does not follow %d", chunk[i].Seq, prev.Seq)}
			}
			prev = chunk[i]
		}
		chunks = append(chunks, chunk)
		n += len(chunk)
		first += len(ends)
		buf, ends = buf[:0], ends[:0]
		return nil
	}
	line := 0
	for {
		b, err := readLine(br)
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			if cr.over {
				err = fmt.Errorf("file larger than %d bytes (the reader's limit)", maxFileBytes)
			}
			return Trace{}, &ParseError{Line: line, Msg: err.Error()}
		}
		if line == 1 {
			if t.Header, err = parseHeader(b); err != nil {
				return Trace{}, &ParseError{Line: 1, Msg: err.Error()}
			}
			continue
		}
		if len(bytes.TrimSpace(b)) == 0 {
			return Trace{}, &ParseError{Line: line, Msg: "empty line"}
		}
		buf = append(buf, b...)
		ends = append(ends, len(buf))
		if len(ends) == readBatch {
			if err := flush(); err != nil {
				return Trace{}, err
			}
		}
	}
	if line == 0 {
		return Trace{}, &ParseError{Line: 1, Msg: "empty file: no header"}
	}
	if err := flush(); err != nil {
		return Trace{}, err
	}
	if n > 0 {
		t.Events = make([]Event, 0, n)
		for i := range chunks {
			t.Events = append(t.Events, chunks[i]...)
			chunks[i] = nil // free each batch as it is copied
		}
	}
	return t, nil
}

// countingReader stops with an error after limit bytes.
type countingReader struct {
	r     io.Reader
	n     int64
	limit int64
	over  bool
}

var errTooLarge = errors.New("input over the reader's limit")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		c.over = true
		return 0, errTooLarge
	}
	if rem := c.limit - c.n; int64(len(p)) > rem {
		p = p[:rem]
	}
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// decodeEvents decodes a batch of event lines (line k is
// buf[ends[k-1]:ends[k]], at file line first+k) into out, on every core,
// and reports the first bad line.
func decodeEvents(buf []byte, ends []int, out []Event, first int) error {
	workers := runtime.GOMAXPROCS(0)
	if len(ends) < 4096 {
		workers = 1
	}
	errs := make([]*ParseError, workers)
	var wg sync.WaitGroup
	chunk := (len(ends) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(ends))
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				start := 0
				if i > 0 {
					start = ends[i-1]
				}
				if err := json.Unmarshal(buf[start:ends[i]], &out[i]); err != nil {
					errs[w] = &ParseError{Line: first + i, Msg: "bad event: " + jsonMsg(err)}
					return
				}
				if out[i].Kind == "" {
					errs[w] = &ParseError{Line: first + i, Msg: "event has no kind"}
					return
				}
			}
		}(w, lo, hi)
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func parseHeader(b []byte) (Header, error) {
	var h Header
	if err := json.Unmarshal(b, &h); err != nil {
		return Header{}, errors.New("not an ftplab trace header: " + jsonMsg(err))
	}
	if h.Format != FormatName {
		return Header{}, fmt.Errorf("not an ftplab trace (format %q, want %q)", h.Format, FormatName)
	}
	if h.Version != Version {
		return Header{}, fmt.Errorf("trace version %d is not supported (this ftplab reads version %d)", h.Version, Version)
	}
	return h, nil
}

// readLine returns one line without its newline; a last line without a
// newline is a truncated file.
func readLine(br *bufio.Reader) ([]byte, error) {
	var buf []byte
	for {
		frag, err := br.ReadSlice('\n')
		if len(buf)+len(frag) > maxLine {
			return nil, fmt.Errorf("line longer than %d bytes", maxLine)
		}
		buf = append(buf, frag...)
		switch {
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(buf) == 0:
			return nil, io.EOF
		case err == io.EOF:
			return nil, errors.New("truncated: the last line has no end")
		case err != nil:
			return nil, err
		}
		return bytes.TrimSuffix(buf[:len(buf)-1], []byte("\r")), nil
	}
}

func jsonMsg(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Sprintf("%v (at byte %d)", err, se.Offset)
	}
	return err.Error()
}

// ReadFile reads a trace file from disk.
func ReadFile(path string) (Trace, error) {
	f, err := os.Open(path)
	if err != nil {
		return Trace{}, err
	}
	defer f.Close()
	t, err := Read(f)
	if err != nil {
		return Trace{}, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// WriteFile writes a trace file to disk. It writes to a temporary name and
// renames, so a failed write never leaves a truncated recording under the
// requested name.
func WriteFile(path string, t Trace) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := Write(f, t); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("record %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("record %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

// IndexAt is the index of the last event at or before virtual time tus
// (binary search: events are in time order), or -1 before the first.
func (t Trace) IndexAt(tus int64) int {
	lo, hi := 0, len(t.Events)
	for lo < hi {
		mid := (lo + hi) / 2
		if t.Events[mid].T <= tus {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo - 1
}
