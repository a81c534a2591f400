package lessons

import (
	"sync"

	"ftplab/sim/trace"
)

// firstCache remembers where each section's and prediction's hook first
// matches in a run's events, so narrating event i costs the number of
// sections, not a walk of the whole run (which made a 3000-step script
// take 27 s). Whether event k matches depends only on k and the events up
// to it, and runs only ever append, so a first match, once found, stays.
type firstCache struct {
	mu      sync.Mutex
	base    *trace.Event // evs[0] of the run scanned; another run starts over
	scanned int          // events looked at
	last    trace.Event  // evs[scanned-1], to notice a slice reused for another run
	section []int        // first match per section (-1: none yet)
	predict []int        // first match per prediction
}

// firsts returns the first match of every section and prediction in evs.
func (l *Lesson) firsts(evs []trace.Event) (section, predict []int) {
	c := l.cache
	if c == nil {
		c = &firstCache{}
	} else {
		c.mu.Lock()
		defer c.mu.Unlock()
	}
	if len(evs) == 0 {
		return nil, nil
	}
	if c.base != &evs[0] || c.scanned > len(evs) || (c.scanned > 0 && evs[c.scanned-1] != c.last) ||
		len(c.section) != len(l.Sections) || len(c.predict) != len(l.Predictions) {
		c.base, c.scanned = &evs[0], 0
		c.section = filled(make([]int, len(l.Sections)), -1)
		c.predict = filled(make([]int, len(l.Predictions)), -1)
	}
	for k := c.scanned; k < len(evs); k++ {
		for i := range l.Sections {
			if c.section[i] < 0 && l.Sections[i].hook.matches(k, evs) {
				c.section[i] = k
			}
		}
		for i := range l.Predictions {
			if c.predict[i] < 0 && l.Predictions[i].hook.matches(k, evs) {
				c.predict[i] = k
			}
		}
	}
	c.scanned, c.last = len(evs), evs[len(evs)-1]
	return append([]int(nil), c.section...), append([]int(nil), c.predict...)
}

func filled(s []int, v int) []int {
	for i := range s {
		s[i] = v
	}
	return s
}
