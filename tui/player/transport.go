package player

import (
	"time"

	tea "charm.land/bubbletea/v2"
)

// animFrames is how many frames a packet takes to cross its wire.
const animFrames = 8

type (
	tickMsg struct{ gen int } // animation frame
	playMsg struct{ gen int } // autoplay step
)

// transport is where the player stands and how it moves: the step on
// screen, the packet's animation frame, autoplay and its speed. Its timers
// are tea.Cmds tagged with a generation, so a stale tick is ignored.
type transport struct {
	i       int // the event on screen (-1: before the first)
	frame   int // animation frame of the current event; animFrames = at rest
	animGen int
	playing bool
	playGen int
	speed   int // 1..5
	runTo   int // live: let the run go on until this event (G or a seek beyond what is known); 0 none
}

func newTransport() transport { return transport{i: -1, frame: animFrames, speed: 2} }

// moveTo puts the transport on event n; a single step forward animates,
// anything else lands at rest.
func (t *transport) moveTo(n int, animate bool) {
	t.i = n
	t.frame = animFrames
	if animate {
		t.frame = 0
	}
}

// animate starts the frame timer while a packet is in flight.
func (t *transport) animate() tea.Cmd {
	if t.frame >= animFrames {
		return nil
	}
	t.animGen++
	gen := t.animGen
	return tea.Tick(40*time.Millisecond, func(time.Time) tea.Msg { return tickMsg{gen} })
}

// tick advances the animation; it reports the next frame's timer.
func (t *transport) tick(msg tickMsg) tea.Cmd {
	if msg.gen == t.animGen && t.frame < animFrames {
		t.frame++
		return t.animate()
	}
	return nil
}

// schedulePlay arms the autoplay timer at the current speed.
func (t *transport) schedulePlay() tea.Cmd {
	if !t.playing {
		return nil
	}
	t.playGen++
	gen := t.playGen
	delay := []time.Duration{1600, 1000, 600, 300, 120}[t.speed-1] * time.Millisecond
	return tea.Tick(delay, func(time.Time) tea.Msg { return playMsg{gen} })
}

// due tells whether an autoplay message is the current one.
func (t *transport) due(msg playMsg) bool { return msg.gen == t.playGen && t.playing }

func (t *transport) faster() { t.speed = min(5, t.speed+1) }
func (t *transport) slower() { t.speed = max(1, t.speed-1) }
