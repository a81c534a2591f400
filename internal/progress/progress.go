// Package progress keeps what a learner finished, and their best score, in
// $XDG_STATE_HOME/ftplab/progress.json (default ~/.local/state). The file
// is written whole to a temporary name and renamed, so a crash never
// leaves half of it; a file that does not parse is reported and moved
// aside, never fatal.
package progress

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// Lesson is one finished lesson.
type Lesson struct {
	Score    int       `json:"score"` // the best run's right answers
	Total    int       `json:"total"` // that run's questions
	Runs     int       `json:"runs"`  // how often it was finished
	Finished time.Time `json:"finished"`
}

// Best is the mark the menu shows: "2/3", or "done" without questions.
func (l Lesson) Best() string {
	if l.Total == 0 {
		return "done"
	}
	return fmt.Sprintf("%d/%d", l.Score, l.Total)
}

// better tells whether a run's score beats the kept one.
func (l Lesson) better(score, total int) bool {
	if l.Total == 0 || total == 0 {
		return total > 0 || l.Runs == 0
	}
	return score*l.Total > l.Score*total
}

// File is the progress file's content.
type File struct {
	Version int               `json:"version"`
	Lessons map[string]Lesson `json:"lessons"`
}

// Store is the progress file at a path.
type Store struct{ Path string }

// Default is the store at $XDG_STATE_HOME/ftplab/progress.json.
func Default() (Store, error) {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return Store{}, fmt.Errorf("progress: no home directory for the progress file: %w", err)
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return Store{Path: filepath.Join(dir, "ftplab", "progress.json")}, nil
}

// Load reads the file; a missing file is empty progress. A file that does
// not parse is moved aside (warning says where) and progress starts empty.
func (s Store) Load() (f File, warning string, err error) {
	f = File{Version: 1, Lessons: map[string]Lesson{}}
	b, err := os.ReadFile(s.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return f, "", nil
	}
	if err != nil {
		return f, "", fmt.Errorf("progress: %w", err)
	}
	var got File
	if err := json.Unmarshal(b, &got); err != nil || got.Version != 1 {
		why := "version is not 1"
		if err != nil {
			why = err.Error()
		}
		aside := s.Path + ".broken-" + time.Now().UTC().Format("20060102T150405")
		if rerr := os.Rename(s.Path, aside); rerr != nil {
			return f, "", fmt.Errorf("progress: %s does not parse (%s) and cannot be moved aside: %w", s.Path, why, rerr)
		}
		return f, fmt.Sprintf("progress: %s did not parse (%s); it is kept as %s and progress starts over", s.Path, why, aside), nil
	}
	if got.Lessons != nil {
		f.Lessons = got.Lessons
	}
	return f, "", nil
}

// Record adds a finished run and keeps the file; it returns the lesson's
// entry as it now stands.
func (s Store) Record(name string, score, total int, now time.Time) (Lesson, error) {
	f, _, err := s.Load()
	if err != nil {
		return Lesson{}, err
	}
	l := f.Lessons[name]
	if l.better(score, total) {
		l.Score, l.Total = score, total
	}
	l.Runs++
	l.Finished = now.UTC()
	f.Lessons[name] = l
	return l, s.save(f)
}

// Reset removes the file.
func (s Store) Reset() error {
	if err := os.Remove(s.Path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("progress: %w", err)
	}
	return nil
}

// save writes the file whole: a temporary file next to it, then a rename.
func (s Store) save(f File) error {
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o755); err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(s.Path), ".progress-*.json")
	if err != nil {
		return fmt.Errorf("progress: %w", err)
	}
	_, werr := tmp.Write(append(b, '\n'))
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), s.Path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("progress: %w", werr)
	}
	return nil
}

// Names lists the finished lessons, sorted.
func (f File) Names() []string {
	out := make([]string, 0, len(f.Lessons))
	for n := range f.Lessons {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
