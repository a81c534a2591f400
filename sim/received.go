package sim

import (
	"crypto/sha256"
	"fmt"

	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// Received is what one of the client's commands got back: a listing's
// text, or a line saying how many bytes a get received and their sha256.
// The events only count a data connection's bytes; this is what the bytes
// said, for a learner who typed `ls` and wants to see the answer.
//
// It is not part of a recorded file: a trace holds what the network
// carried as headers and control lines, never a data connection's
// payload (docs/trace-format.md says why).
type Received struct {
	// Event is the index in Session.Events by which all of it had arrived:
	// the server's close (or reset) of the data connection that carried
	// it, or for a put, the reply that ends the transfer. A player shows
	// it from that step on, never before.
	Event   int
	Command string // the script's step: "ls", "get hello.txt"
	Conn    int    // the data connection (0: none was made)
	Text    string // as received: a listing keeps its CRLFs and any bytes a file name holds
	Bytes   int64  // how many bytes the data connection brought (a put: sent)
}

// received builds what step st got, once it ran; from is the first event
// of the step. ok is false when nothing came back worth showing: no data
// connection was made, or it failed before a byte moved.
func (r *runner) received(from int, line string, st scenario.Step, data []byte, moved int64, stepErr error) (Received, bool) {
	r.rec.mu.Lock()
	evs := r.rec.events[min(from, len(r.rec.events)):]
	at, conn := -1, 0
	for _, e := range evs {
		if e.Channel == trace.Data && e.Conn != 0 {
			conn = e.Conn // the step's last data connection: a retry's, when there was one
		}
	}
	for k, e := range evs {
		if e.Conn == conn && conn != 0 && (e.Kind == trace.Close || e.Kind == trace.Reset) {
			at = from + k
			break
		}
	}
	if st.Verb == "put" || at < 0 {
		// An upload has all arrived when the server says so; a data
		// connection that never closed has what it had by the step's end.
		at = from + len(evs) - 1
		for k := len(evs) - 1; k >= 0; k-- {
			if e := evs[k]; e.Kind == trace.Segment && e.Channel == trace.Control && e.Host == "server" {
				at = from + k
				break
			}
		}
	}
	r.rec.mu.Unlock()
	if conn == 0 || at < from || (moved == 0 && stepErr != nil) {
		return Received{}, false // nothing came (a 550): the reply says it all
	}
	rc := Received{Event: at, Command: line, Conn: conn, Bytes: moved}
	switch st.Verb {
	case "ls", "nlst":
		rc.Text = string(data)
	case "get":
		rc.Text = getLine(st.Arg, data, stepErr, st.Arg == scenario.SampleFile, r.sample)
	case "put":
		rc.Text = fmt.Sprintf("%d bytes sent, sha256 %s", moved, short(sha256.Sum256(data)))
		if stepErr == nil {
			rc.Text += ": the server's copy is the same"
		}
	}
	return rc, true
}

// getLine says what a get received, and whether it is the server's file.
func getLine(name string, got []byte, err error, known bool, want []byte) string {
	s := fmt.Sprintf("%d bytes received, sha256 %s", len(got), short(sha256.Sum256(got)))
	switch {
	case err != nil && known:
		s += fmt.Sprintf(" before the transfer failed (the server's %s has %d bytes)", name, len(want))
	case err != nil:
		s += " before the transfer failed"
	case known && sha256.Sum256(got) == sha256.Sum256(want):
		s += fmt.Sprintf(": the same as the server's %s", name)
	case known:
		s += fmt.Sprintf(": not the server's %s (%d bytes, sha256 %s)", name, len(want), short(sha256.Sum256(want)))
	}
	return s
}

// short is the first 8 bytes of a sha256 in hex, enough to compare by eye.
func short(sum [32]byte) string { return fmt.Sprintf("%x…", sum[:8]) }
