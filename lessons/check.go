package lessons

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sort"
	"strings"

	"ftplab/sim"
	"ftplab/sim/trace"
)

// CheckFile validates a lesson, `ftplab lesson check FILE|NAME`: it parses
// it, then runs its scenario to confirm the expected outcome happens, every
// section speaks and every prediction is asked, and warns where a hook is
// ambiguous or a placeholder comes out empty. A name that is no file is
// looked up among the embedded lessons.
func CheckFile(path string) error {
	src, err := readLessonFile(path)
	if errors.Is(err, fs.ErrNotExist) && !strings.HasSuffix(path, ".md") && !strings.ContainsRune(path, os.PathSeparator) {
		l, ferr := Find(path)
		if ferr != nil {
			return ferr
		}
		return l.CheckRun(context.Background())
	}
	if err != nil {
		return err
	}
	l, err := Parse(path, src)
	if err != nil {
		return err
	}
	return l.CheckRun(context.Background())
}

// CheckRun runs the lesson's scenario and reports, by line, what the run
// contradicts (errors) and what reads as if meant for another event
// (warnings).
func (l *Lesson) CheckRun(ctx context.Context) error {
	s, err := sim.Run(ctx, l.Scenario, sim.Options{Title: l.Title})
	if err != nil {
		return err
	}
	var errs Errors
	add := func(line int, warn bool, format string, args ...any) {
		errs = append(errs, CheckError{File: l.Path, Line: line, Msg: fmt.Sprintf(format, args...), Warning: warn})
	}
	if !s.Summary.AsExpected {
		outcome := "failed: " + s.Summary.Reason
		if s.Summary.OK {
			outcome = "succeeded"
		}
		add(1, false, "expect: %s, but the run %s", l.Scenario.Defaults().Expect, outcome)
	}
	v := l.view(s.Events)
	for _, sec := range l.Sections {
		if v.first(sec.hook) < 0 {
			add(sec.Line, false, "section \"on %s\" never speaks: no event in the run matches it", sec.Hook)
			continue
		}
		if msg := ambiguity(sec.hook, sec.Hook, v); msg != "" {
			add(sec.Line, true, "section \"on %s\" %s", sec.Hook, msg)
		}
		for _, msg := range emptyPlaceholders(l, sec, v) {
			add(sec.Line, true, "section \"on %s\": %s", sec.Hook, msg)
		}
	}
	for i, p := range l.Predictions {
		if v.first(p.hook) < 0 {
			add(p.line, false, "prediction %d is never asked: nothing matches %q", i+1, p.Before)
			continue
		}
		if msg := ambiguity(p.hook, p.Before, v); msg != "" {
			add(p.line, true, "prediction %d (before %s) %s", i+1, p.Before, msg)
		}
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return errs[i].Line < errs[j].Line })
		return errs
	}
	return nil
}

// ambiguity explains why a hook that names no connection may speak at the
// wrong one: it matches events on more than one connection (the control
// connection usually comes first), or replies to more than one command.
func ambiguity(h hook, written string, v *view) string {
	if h.qualified() {
		return ""
	}
	var conns, cmds []string
	seen := map[string]bool{}
	for i := range v.evs {
		if !h.matches(i, v) {
			continue
		}
		if k := v.connKey(i); k != "" && !seen[k] {
			seen[k] = true
			conns = append(conns, k)
		}
		if h.kind == "reply" {
			if c := "after " + v.facts[i].lastCmd; !seen[c] {
				seen[c] = true
				cmds = append(cmds, c)
			}
		}
	}
	switch {
	case len(conns) > 1:
		return fmt.Sprintf("is ambiguous: it matches events on %d connections (%s); name one, e.g. %q or %q",
			len(conns), strings.Join(conns, ", "), written+" control", written+" data")
	case len(cmds) > 1:
		return fmt.Sprintf("is ambiguous: it matches replies to %d commands (%s); name one, e.g. %q",
			len(cmds), strings.Join(cmds, ", "), written+" "+cmds[len(cmds)-1])
	}
	return ""
}

// emptyPlaceholders lists the placeholders of a section that come out
// empty at an event where it speaks ("drops the SYN to ." reads badly).
func emptyPlaceholders(l *Lesson, sec Section, v *view) []string {
	var out []string
	seen := map[string]bool{}
	for i := range v.evs {
		if l.section(i, v) == nil || l.section(i, v).Line != sec.Line {
			continue
		}
		for _, name := range placeholdersIn(sec.Text) {
			if seen[name] {
				continue
			}
			if placeholders[name](v, i) == "" {
				seen[name] = true
				out = append(out, fmt.Sprintf("{%s} is empty at event %d (%s)", name, i, describe(v.evs[i])))
			}
		}
	}
	return out
}

// placeholdersIn lists the known {names} in text.
func placeholdersIn(text string) []string {
	var out []string
	for br := range braced(text) {
		if br.known {
			out = append(out, br.name)
		}
	}
	return out
}

func describe(e trace.Event) string { return trace.Describe(e) }
