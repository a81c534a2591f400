// Package play makes the sessions the player plays: a lesson run live and
// paced by the learner, a sandbox run, and the real clients of `ftplab
// serve --watch`. It is the one package that knows both how to run a
// scenario ([ftplab/sim]) and what the player wants ([player.Session]),
// so the screens in [ftplab/tui] never run anything themselves.
package play

import (
	"context"
	"errors"
	"io"
	"sync"

	"ftplab/lessons"
	"ftplab/sim"
	"ftplab/sim/trace"
	"ftplab/tui/player"
)

// guide is a lesson's words and questions as the player asks for them.
type guide struct{ l *lessons.Lesson }

func (g guide) Narration(i int, evs []trace.Event) string { return g.l.Narration(i, evs) }

// Summary is the lesson's one paragraph for its end card.
func (g guide) Summary() string { return g.l.Summary }

// FormattedNarration lays the lesson's Markdown out for the player, in
// the player's styles (player.MarkdownGuide).
func (g guide) FormattedNarration(i int, evs []trace.Event, width int, paint func(string, player.Markup) string) string {
	return lessons.Format(g.l.Narration(i, evs), width, "\n", func(s string, st lessons.Style) string {
		return paint(s, player.Markup{Strong: st.Strong, Emphasis: st.Emphasis, Code: st.Code})
	})
}

func (g guide) Question(i int, evs []trace.Event) *player.Question {
	p := g.l.PredictionAt(i, evs)
	if p == nil {
		return nil
	}
	return &player.Question{Question: p.Question, Choices: p.Choices, Answer: p.Answer, Explain: p.Explain}
}

// Guide is the player's view of a lesson.
func Guide(l *lessons.Lesson) player.Guide { return guide{l} }

// Lesson starts a lesson's scenario paced by the player: netem holds each
// event until the player asks for it, so the next SYN really happens when
// the learner presses →. Closing the feed ends the run (it then finishes
// at full speed, unseen).
//
// A run is deterministic, so the lesson is first played once at full speed
// (milliseconds, timeouts included) to learn its length: the player then
// knows where "step 1/36" stands, and its timeline and seek keys mean the
// whole lesson, while every event it shows still comes from the paced run.
func Lesson(ctx context.Context, name string) (player.Session, error) {
	l, err := lessons.Find(name)
	if err != nil {
		return player.Session{}, err
	}
	dry, err := sim.Run(ctx, l.Scenario, sim.Options{Title: l.Title})
	if err != nil {
		return player.Session{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	f := &pacedFeed{events: make(chan trace.Event), gate: make(chan struct{}, 1), cancel: cancel}
	header := make(chan trace.Header, 1)
	go func() {
		defer close(f.events)
		_, err := sim.Run(ctx, l.Scenario, sim.Options{Title: l.Title, Paced: true,
			OnHeader: func(h trace.Header) { header <- h },
			OnEvent: func(e trace.Event) {
				select {
				case <-f.gate:
				case <-ctx.Done():
					return
				}
				select {
				case f.events <- e:
				case <-ctx.Done():
				}
			}})
		f.setErr(err)
	}()
	s := player.Session{Feed: f, Guide: Guide(l), Length: steps(dry.Events), Received: listings(dry.Received)}
	select {
	case s.Header = <-header:
	case <-f.events: // the run ended before it had a header
		cancel()
		return player.Session{}, f.err()
	}
	return s, nil
}

// pacedFeed hands the player one event per Next, letting the run emit
// its next event only when asked.
type pacedFeed struct {
	events chan trace.Event
	gate   chan struct{} // one token: the run may emit one more event
	cancel context.CancelFunc

	mu     sync.Mutex
	runErr error
}

func (f *pacedFeed) Next() (trace.Event, error) {
	select {
	case f.gate <- struct{}{}:
	default:
	}
	e, ok := <-f.events
	if !ok {
		if err := f.err(); err != nil {
			return trace.Event{}, err
		}
		return trace.Event{}, io.EOF
	}
	return e, nil
}

func (f *pacedFeed) Close() error { f.cancel(); return nil }

func (f *pacedFeed) setErr(err error) {
	if errors.Is(err, context.Canceled) {
		err = nil
	}
	f.mu.Lock()
	f.runErr = err
	f.mu.Unlock()
}

func (f *pacedFeed) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.runErr
}

// steps counts the events the player steps through: the transport's own
// packets (syn-ack, ack, fin, rst) are not steps.
func steps(events []trace.Event) int {
	n := 0
	for _, e := range events {
		if !e.Kind.Transport() {
			n++
		}
	}
	return n
}
