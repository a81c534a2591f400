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

// Writer streams a trace: the header first, then events as they happen.
// It is safe for use by several goroutines, and refuses an event a reader
// would refuse, so a recording is readable up to its last line.
type Writer struct {
	mu   sync.Mutex
	w    *bufio.Writer
	enc  *json.Encoder
	n    int // events written
	last int // seq of the last one
}

// NewWriter writes the header line.
func NewWriter(w io.Writer, h Header) (*Writer, error) {
	h = withFormat(h)
	if err := checkHeader(h); err != nil {
		return nil, err
	}
	bw := bufio.NewWriter(w)
	tw := &Writer{w: bw, enc: json.NewEncoder(bw)}
	if err := tw.enc.Encode(h); err != nil {
		return nil, err
	}
	return tw, bw.Flush()
}

// Event writes one event line and flushes it, so a crash loses nothing
// written before.
func (w *Writer) Event(e Event) error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if err := checkEvent(e, w.n, w.last); err != nil {
		return err
	}
	if err := w.enc.Encode(e); err != nil {
		return err
	}
	w.n, w.last = w.n+1, e.Seq
	return w.w.Flush()
}

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

// Read parses a trace file. Unknown fields are ignored and unknown kinds
// kept; anything else wrong is a *ParseError naming the line, and no
// partial trace is returned. Lines are decoded in parallel: a million
// events load in about a second on two cores.
func Read(r io.Reader) (Trace, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var t Trace
	var lines [][]byte
	line := 0
	for {
		b, err := readLine(br)
		if err == io.EOF {
			break
		}
		line++
		if err != nil {
			return Trace{}, &ParseError{Line: line, Msg: err.Error()}
		}
		if line == 1 {
			if t.Header, err = parseHeader(b); err != nil {
				return Trace{}, &ParseError{Line: 1, Msg: err.Error()}
			}
			continue
		}
		lines = append(lines, bytes.Clone(b))
	}
	if line == 0 {
		return Trace{}, &ParseError{Line: 1, Msg: "empty file: no header"}
	}
	events, err := decodeEvents(lines)
	if err != nil {
		return Trace{}, err
	}
	for i := 1; i < len(events); i++ {
		if events[i].Seq <= events[i-1].Seq {
			return Trace{}, &ParseError{Line: i + 2, Msg: fmt.Sprintf("seq %d does not follow %d", events[i].Seq, events[i-1].Seq)}
		}
	}
	t.Events = events
	return t, nil
}

// decodeEvents decodes event lines (file line = index + 2) on every core
// and reports the first bad line.
func decodeEvents(lines [][]byte) ([]Event, error) {
	events := make([]Event, len(lines))
	workers := runtime.GOMAXPROCS(0)
	if len(lines) < 4096 {
		workers = 1
	}
	errs := make([]*ParseError, workers)
	var wg sync.WaitGroup
	chunk := (len(lines) + workers - 1) / workers
	for w := 0; w < workers; w++ {
		lo, hi := w*chunk, min((w+1)*chunk, len(lines))
		wg.Add(1)
		go func(w, lo, hi int) {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				b := lines[i]
				if len(bytes.TrimSpace(b)) == 0 {
					errs[w] = &ParseError{Line: i + 2, Msg: "empty line"}
					return
				}
				if err := json.Unmarshal(b, &events[i]); err != nil {
					errs[w] = &ParseError{Line: i + 2, Msg: "bad event: " + jsonMsg(err)}
					return
				}
				if events[i].Kind == "" {
					errs[w] = &ParseError{Line: i + 2, Msg: "event has no kind"}
					return
				}
			}
		}(w, lo, hi)
	}
	wg.Wait()
	for _, e := range errs {
		if e != nil {
			return nil, e
		}
	}
	return events, nil
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
