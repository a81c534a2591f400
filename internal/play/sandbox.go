package play

import (
	"context"

	"ftplab/sim"
	"ftplab/sim/scenario"
	"ftplab/tui/player"
)

// Sandbox returns the sandbox's runner: it plays a scenario to its end
// (milliseconds, timeouts included) and hands the player the whole run.
// The sandbox screen calls it from a tea.Cmd, never from Update.
func Sandbox(ctx context.Context) func(sc scenario.Scenario, title string) (player.Session, error) {
	return func(sc scenario.Scenario, title string) (player.Session, error) {
		run, err := sim.Run(ctx, sc, sim.Options{Title: title})
		if err != nil {
			return player.Session{}, err
		}
		return player.Session{Header: run.Header, Events: run.Events, Received: received(run.Received)}, nil
	}
}

// received hands the player what the client's commands got back.
func received(got []sim.Received) []player.Received {
	out := make([]player.Received, len(got))
	for k, rc := range got {
		out[k] = player.Received{At: rc.Event, Command: rc.Command, Conn: rc.Conn, Bytes: rc.Bytes, Text: rc.Text}
	}
	return out
}

// listings are the listings among what was received. A lesson shows those
// (what its `ls` said is part of the story) but not a get's size and
// sha256 line: a lesson's screen keeps its room for the control channel
// its questions refer to. The paced run is the dry run again, event for
// event, so the dry run's positions hold for it.
func listings(got []sim.Received) []player.Received {
	var out []sim.Received
	for _, rc := range got {
		if st, err := scenario.ParseStep(rc.Command); err == nil && (st.Verb == "ls" || st.Verb == "nlst") {
			out = append(out, rc)
		}
	}
	return received(out)
}
