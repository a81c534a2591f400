package player

import (
	"ftplab/sim/trace"
)

// A Session is what the player shows: the events known up front, more as
// they happen, and the words that go with them.
type Session struct {
	Header trace.Header
	Events []trace.Event // known up front (a replay: all of them)
	Feed   Feed          // nil when every event is known
	Guide  Guide         // nil when nobody narrates
	// Length is how many events the whole session has, when a live one
	// knows it ahead (a lesson played once first); 0 when unknown.
	Length int
	// Received is what the client's commands got back (a listing's text,
	// a get's size and sha256), each shown from the event by which it had
	// arrived; nil when nobody knows (a recorded trace holds no payload).
	Received []Received
}

// A Feed delivers a run's events as they happen.
//
// The player calls Next from one goroutine at a time (a tea.Cmd), only
// when it wants the next event; for a paced run each call is what lets
// the network take its next step. Next blocks until there is an event and
// returns io.EOF after the last. Close tells the source the player is
// leaving; a Next in progress then returns.
type Feed interface {
	Next() (trace.Event, error)
	Close() error
}

// A Guide is a lesson's words and questions for the events of a session.
// Its methods get the events known so far and must not change them.
type Guide interface {
	// Narration is the lesson's words for event i, or "".
	Narration(i int, evs []trace.Event) string
	// Question is the question to ask before event i is shown, or nil.
	Question(i int, evs []trace.Event) *Question
}

// A Summarizer is a Guide with a closing paragraph for the end card.
type Summarizer interface {
	Summary() string
}

// Question is a "what happens next?" question.
type Question struct {
	Question string
	Choices  []string
	Answer   int // 1-based
	Explain  string
}

// Options change how the player looks.
type Options struct {
	Present bool // projector mode: stage, narration and timeline only, high contrast
	NoColor bool
	Light   bool                // inks for a light background (--theme light, or auto on a light terminal)
	Keys    map[string][]string // action -> keys, over the defaults (see [Actions])
	// OnStatus, when set, hears where the learner stands each time it
	// changes (step, score, the end). It is called from Update and must
	// not block.
	OnStatus func(Status)
}
