package trace

// ConnStatus is where a connection stands, or how its dial ended.
type ConnStatus uint8

// The statuses. A dial ends Connected, Dropped, Rejected or Refused; a
// connected connection later becomes Closed or Reset.
const (
	StatusDialing   ConnStatus = iota // SYN sent, no answer yet
	StatusConnected                   // the handshake completed
	StatusDropped                     // its SYNs were dropped: the dial timed out
	StatusRejected                    // a box refused it (REJECT: a reset at once)
	StatusRefused                     // it reached the host, and nobody listened there
	StatusClosed                      // closed with a FIN
	StatusReset                       // reset (RST) after it connected
)

var statusNames = [...]string{"dialing", "connected", "dropped", "rejected", "refused", "closed", "reset"}

// String is the status as the JSON summary and the kernel check spell it.
func (s ConnStatus) String() string {
	if int(s) < len(statusNames) {
		return statusNames[s]
	}
	return "unknown"
}

// Failed tells whether the dial failed.
func (s ConnStatus) Failed() bool {
	return s == StatusDropped || s == StatusRejected || s == StatusRefused
}

// Conn is one connection as the events so far tell it.
type Conn struct {
	ID       int
	Channel  Channel
	Dialer   string // the host that sent the SYN
	From, To string // as the dialer sees them
	Status   ConnStatus
	Dial     ConnStatus // how the dial ended; StatusDialing while it has not
	// Box, Rule, State and Verdict are the verdict that decided: the one
	// that dropped or rejected the SYN, else the first box that accepted it.
	Box, Rule, State, Verdict string
	Attempts                  int // SYN retransmissions so far
	// Opened is the virtual time (µs) of its first SYN, or, for a
	// connection an imported capture joins after its handshake
	// (Midstream), of its first event.
	Opened    int64
	Midstream bool
	Bytes     int64  // bytes of the segments sent on it
	Sender    string // the host that sent the last of them
	// FirstByte and LastByte are the virtual times (µs) of its first and
	// last segment, for its rate.
	FirstByte, LastByte int64
	firstSegment        int64 // the first segment's bytes, which arrive at FirstByte
}

// Rate is the connection's bytes per second of virtual time so far, or 0
// before two segments are apart in time.
func (c *Conn) Rate() float64 {
	if d := c.LastByte - c.FirstByte; d > 0 {
		return float64(c.Bytes-c.firstSegment) / (float64(d) / 1e6)
	}
	return 0
}

// Blocked tells whether a box dropped or rejected the SYN, and which.
func (c *Conn) Blocked() (box, rule string, ok bool) {
	if c.Verdict == "drop" || c.Verdict == "reject" {
		return c.Box, c.Rule, true
	}
	return "", "", false
}

// A Fold folds events into connections, one event at a time, so a player
// can step it forward. The zero Fold is ready to use.
type Fold struct {
	Conns []*Conn // in the order they started
	byID  map[int]*Conn
}

// FoldAll folds a whole event stream.
func FoldAll(events []Event) *Fold {
	f := &Fold{}
	for _, e := range events {
		f.Apply(e)
	}
	return f
}

// Conn is the connection with that id, or nil.
func (f *Fold) Conn(id int) *Conn { return f.byID[id] }

// Apply moves the fold past one event. A connection starts at its SYN, or
// at a connected event when a capture begins after its handshake; events
// of a connection that has not started are ignored.
func (f *Fold) Apply(e Event) {
	if e.Conn == 0 {
		return
	}
	c := f.byID[e.Conn]
	if c == nil {
		if e.Kind != SYN && e.Kind != Connected {
			return
		}
		if f.byID == nil {
			f.byID = map[int]*Conn{}
		}
		c = &Conn{ID: e.Conn, Channel: e.Channel, Dialer: e.Host, From: e.From, To: e.To, Opened: e.T, Midstream: e.Kind == Connected}
		f.byID[e.Conn] = c
		f.Conns = append(f.Conns, c)
	}
	switch e.Kind {
	case Verdict:
		if e.Verdict != "accept" || c.Verdict == "" {
			c.Box, c.Rule, c.State, c.Verdict = e.Box, e.Rule, e.State, e.Verdict
		}
	case Retransmit:
		c.Attempts = e.Attempt
	case Connected:
		c.Status, c.Dial = StatusConnected, StatusConnected
	case Timeout:
		c.Status, c.Dial = StatusDropped, StatusDropped
		switch {
		case e.Box != "":
			c.Box, c.Rule, c.Verdict = e.Box, e.Rule, "drop"
		case e.Rule != "":
			c.Rule = e.Rule // no box: why the network lost it ("no host at 10.0.0.21")
		}
	case Refused:
		c.Status, c.Dial = StatusRefused, StatusRefused
		if e.Box != "" {
			c.Status, c.Dial = StatusRejected, StatusRejected
			c.Box, c.Rule, c.Verdict = e.Box, e.Rule, "reject"
		}
	case Segment:
		if c.Bytes == 0 {
			c.FirstByte, c.firstSegment = e.T, e.Bytes
		}
		c.Bytes += e.Bytes
		c.LastByte, c.Sender = e.T, e.Host
	case Close:
		if c.Status == StatusConnected {
			c.Status = StatusClosed
		}
	case Reset:
		c.Status = StatusReset
	}
}

// ControlLine is the text of a control-channel line this event carries
// ("" and false for anything else, an encrypted segment included).
func (e Event) ControlLine() (string, bool) {
	if e.Kind == Segment && e.Channel == Control && e.Text != "" {
		return e.Text, true
	}
	return "", false
}

// Failed tells whether the event is a failure a timeline marks: a dial
// that gave up or was refused, a reset, a verdict other than accept.
func (e Event) Failed() bool {
	return e.Kind == Timeout || e.Kind == Refused || e.Kind == Reset || (e.Kind == Verdict && e.Verdict != "accept")
}
