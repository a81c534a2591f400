package classroom

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"
)

// Result is one finished lesson: a line of the results file.
type Result struct {
	Student string    `json:"student"`
	Lesson  string    `json:"lesson"`
	Score   int       `json:"score"` // questions answered right
	Total   int       `json:"total"` // questions answered
	Started time.Time `json:"started"`
	Ended   time.Time `json:"ended"`
}

// Best is the result as the menu marks it: "3/4", or "done" for a lesson
// without questions.
func (r Result) Best() string {
	if r.Total == 0 {
		return "done"
	}
	return fmt.Sprintf("%d/%d", r.Score, r.Total)
}

func (r Result) better(than Result) bool {
	if than.Total == 0 || r.Total == 0 {
		return r.Total > 0 && than.Total == 0
	}
	return r.Score*than.Total > than.Score*r.Total
}

// Results is the results file, open for appending: one JSON line per
// finished lesson, each synced before Append returns, so a crash loses at
// most the line being written, and a restart goes on where it stopped.
type Results struct {
	Path string
	mu   sync.Mutex
	f    *os.File
}

// OpenResults opens (or makes) the results file at path. A last line cut
// short by a crash is closed with a newline, so the next line starts
// clean (ReadResults then skips the broken one and says so).
func OpenResults(path string) (*Results, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			if _, err := f.Write([]byte("\n")); err != nil {
				f.Close()
				return nil, err
			}
		}
	}
	return &Results{Path: path, f: f}, nil
}

// Append writes r as one line and syncs it to disk.
func (rs *Results) Append(r Result) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.f == nil {
		return errors.New("results file is closed")
	}
	if _, err := rs.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("results %s: %w", rs.Path, err)
	}
	if err := rs.f.Sync(); err != nil {
		return fmt.Errorf("results %s: %w", rs.Path, err)
	}
	return nil
}

// Sync flushes the file to disk now.
func (rs *Results) Sync() error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.f == nil {
		return nil
	}
	return rs.f.Sync()
}

// Close closes the file.
func (rs *Results) Close() error {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if rs.f == nil {
		return nil
	}
	err := rs.f.Close()
	rs.f = nil
	return err
}

// ReadResults reads a results file. Lines that do not parse (a line cut
// short by a crash) are skipped and counted in bad, with the first one's
// number in the error-free note; a missing file is no results.
func ReadResults(path string) (rs []Result, bad []int, err error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var r Result
		if err := json.Unmarshal(line, &r); err != nil || r.Student == "" || r.Lesson == "" {
			bad = append(bad, n)
			continue
		}
		rs = append(rs, r)
	}
	return rs, bad, sc.Err()
}

// WriteCSV writes results as a table a gradebook takes: a header, then
// one row per finished lesson, times in RFC 3339 UTC.
func WriteCSV(w io.Writer, rs []Result) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"student", "lesson", "score", "total", "started", "ended", "seconds"})
	for _, r := range rs {
		cw.Write([]string{r.Student, r.Lesson, strconv.Itoa(r.Score), strconv.Itoa(r.Total),
			r.Started.UTC().Format(time.RFC3339), r.Ended.UTC().Format(time.RFC3339),
			strconv.Itoa(int(r.Ended.Sub(r.Started).Round(time.Second).Seconds()))})
	}
	cw.Flush()
	return cw.Error()
}
