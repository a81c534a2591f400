package classroom

import (
	"fmt"
	"sort"
	"sync"
	"time"
	"unicode"
)

// Progress is where a student stands in the lesson on their screen.
type Progress struct {
	Step, Steps  int
	Score, Total int
	Finished     bool
}

// Seat is one connected student, as their screen sees the class: it says
// who they are and hears what they do. Its methods are safe to call from
// the student's program (they only take a short lock).
type Seat struct {
	Name    string
	Addr    string // the remote IP
	NoColor bool   // the client sent NO_COLOR
	Sandbox bool   // the client asked for the sandbox (ssh -t HOST sandbox)

	class *Class
	quit  func(reason string) // ends the session with a message
	led   chan struct{}       // the teacher's lead changed (holds one)
	mu    sync.Mutex
	st    Row
}

// Row is one line of the dashboard.
type Row struct {
	Student   string
	Addr      string
	Lesson    string // the lesson's name, "" in the menu
	Progress  Progress
	Started   time.Time // the lesson opened at
	LastInput time.Time
	Connected bool
}

// Opened says the student opened a lesson (or the sandbox).
func (s *Seat) Opened(lesson string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Lesson, s.st.Progress, s.st.Started = lesson, Progress{}, time.Now()
}

// Stepped says where the student stands now.
func (s *Seat) Stepped(p Progress) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.Progress = p
}

// Input says the student pressed a key.
func (s *Seat) Input(t time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.st.LastInput = t
}

func (s *Seat) row() Row {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.st
}

// Finished records a finished lesson in the results file and returns the
// student's best result for it so far.
func (s *Seat) Finished(lesson string, score, total int) (best string, err error) {
	s.mu.Lock()
	started := s.st.Started
	s.mu.Unlock()
	r := Result{Student: s.Name, Lesson: lesson, Score: score, Total: total, Started: started, Ended: time.Now()}
	return s.class.record(r)
}

// Best is the student's best result for a lesson ("" if never finished),
// from this run of the server and the results file it continued.
func (s *Seat) Best(lesson string) string { return s.class.best(s.Name, lesson) }

// Class is the roster: who is connected, and everyone's best results.
type Class struct {
	max     int
	results *Results
	mu      sync.Mutex
	seats   map[string]*Seat             // connected, by name
	left    map[string]Row               // students who left, their last row
	bests   map[string]map[string]Result // student -> lesson -> best
	lead    Lead
}

// Lead is the teacher leading the class through a lesson; the zero Lead
// leaves everyone free.
type Lead struct {
	Lesson string
	Step   int // 1-based
}

// SetLead changes the lead and tells every connected student's session.
// It never waits for a session: each holds one "changed" note and reads
// the latest lead when it gets to it.
func (c *Class) SetLead(l Lead) {
	c.mu.Lock()
	c.lead = l
	seats := make([]*Seat, 0, len(c.seats))
	for _, s := range c.seats {
		seats = append(seats, s)
	}
	c.mu.Unlock()
	for _, s := range seats {
		s.noteLead()
	}
}

// Lead is the current lead.
func (c *Class) Lead() Lead {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lead
}

func (s *Seat) noteLead() {
	select {
	case s.led <- struct{}{}:
	default: // a note is waiting already: it will read the latest lead
	}
}

// NewClass makes a roster for at most max students at once, recording to
// results (which may be nil) and starting from the results already there.
func NewClass(max int, results *Results, earlier []Result) *Class {
	c := &Class{max: max, results: results, seats: map[string]*Seat{}, left: map[string]Row{}, bests: map[string]map[string]Result{}}
	for _, r := range earlier {
		c.keepBest(r)
	}
	return c
}

func (c *Class) keepBest(r Result) {
	m := c.bests[r.Student]
	if m == nil {
		m = map[string]Result{}
		c.bests[r.Student] = m
	}
	if old, ok := m[r.Lesson]; !ok || r.better(old) {
		m[r.Lesson] = r
	}
}

func (c *Class) record(r Result) (string, error) {
	var err error
	if c.results != nil {
		err = c.results.Append(r)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.keepBest(r)
	return c.bests[r.Student][r.Lesson].Best(), err
}

func (c *Class) best(student, lesson string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r, ok := c.bests[student][lesson]; ok {
		return r.Best()
	}
	return ""
}

// errFull and friends are what a refused student reads.
type refusal string

func (r refusal) Error() string { return string(r) }

// join seats a student. A name already connected is taken over: the old
// session is closed (a student whose connection dropped comes back).
func (c *Class) join(s *Seat) error {
	c.mu.Lock()
	old := c.seats[s.Name]
	if old == nil && len(c.seats) >= c.max {
		c.mu.Unlock()
		return refusal(fmt.Sprintf("ftplab classroom: the class is full (%d students); ask your teacher", c.max))
	}
	s.class = c
	s.led = make(chan struct{}, 1)
	if c.lead.Lesson != "" {
		s.led <- struct{}{} // a latecomer joins the lead
	}
	now := time.Now()
	s.st = Row{Student: s.Name, Addr: s.Addr, LastInput: now, Connected: true}
	c.seats[s.Name] = s
	delete(c.left, s.Name)
	c.mu.Unlock()
	if old != nil {
		old.quit("ftplab classroom: " + s.Name + " connected again from " + s.Addr + "; this session is closed")
	}
	return nil
}

// leave takes a student off the roster, unless a newer session of the
// same name took the seat already.
func (c *Class) leave(s *Seat) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seats[s.Name] == s {
		delete(c.seats, s.Name)
		r := s.row()
		r.Connected = false
		c.left[s.Name] = r
	}
}

// Rows is every student's line, connected ones and those who left,
// sorted by name.
func (c *Class) Rows() []Row {
	c.mu.Lock()
	rows := make([]Row, 0, len(c.seats)+len(c.left))
	for _, s := range c.seats {
		rows = append(rows, s.row())
	}
	for _, r := range c.left {
		rows = append(rows, r)
	}
	c.mu.Unlock()
	sort.Slice(rows, func(i, j int) bool { return rows[i].Student < rows[j].Student })
	return rows
}

// Connected is how many students are connected.
func (c *Class) Connected() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.seats)
}

// checkName keeps names printable and short: a name is drawn on the
// teacher's terminal, and an escape sequence in it would run there.
func checkName(name string) error {
	if name == "" || len([]rune(name)) > 32 {
		return refusal("ftplab classroom: log in with your name as the user (ssh -p PORT yourname@HOST), 1 to 32 characters")
	}
	for _, r := range name {
		if !(unicode.IsLetter(r) || unicode.IsDigit(r) || r == '.' || r == '_' || r == '-') {
			return refusal(fmt.Sprintf("ftplab classroom: the name %q has %q in it; use letters, digits, '.', '_' or '-'", name, r))
		}
	}
	return nil
}
