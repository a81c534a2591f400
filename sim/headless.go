package sim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"ftplab/sim/scenario"
	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

// HeadlessOptions are `ftplab run`'s output choices.
type HeadlessOptions struct {
	Title  string // header title (a lesson's)
	Record string // write the trace to this file
	JSON   bool   // print the summary as JSON instead of the transcript
}

// RunHeadless runs a scenario without a screen and prints its transcript
// (or, with JSON, its summary). It reports whether the run behaved as the
// scenario expects; err is for runs that could not happen at all.
func RunHeadless(ctx context.Context, sc scenario.Scenario, o HeadlessOptions, w io.Writer) (asExpected bool, err error) {
	s, err := Run(ctx, sc, Options{Title: o.Title})
	if err != nil {
		return false, err
	}
	if o.Record != "" {
		if err := WriteTraceFile(o.Record, s.Trace()); err != nil {
			return false, err
		}
	}
	if o.JSON {
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return s.Summary.AsExpected, enc.Encode(s.Summary)
	}
	return s.Summary.AsExpected, export.Text(w, s.Trace())
}

// WriteTraceFile writes to a temporary name and renames, so a failed write
// never leaves a truncated recording under the requested name.
func WriteTraceFile(path string, t trace.Trace) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("record: %w", err)
	}
	if err := trace.Write(f, t); err != nil {
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
