// Package trace is ftplab's event model and recorded-session file. netem and
// the FTP endpoints produce Events; the TUI, replay and the exporters only
// read them. The file format is documented in docs/trace-format.md.
package trace

// Kind names what happened.
type Kind string

// Event kinds. netem emits the network ones; sim adds the endpoint and
// result ones. Readers must ignore kinds they do not know.
const (
	// Network (netem).
	Listen     Kind = "listen"     // Host listens on From
	SYN        Kind = "syn"        // Host dials From -> To (Attempt 0 is the first SYN)
	Retransmit Kind = "retransmit" // SYN sent again after a drop (Attempt 1..n)
	Verdict    Kind = "verdict"    // Box decided Verdict on a SYN, by Rule, seeing State
	NAT        Kind = "nat"        // Box translated an address: Before -> After
	Expect     Kind = "expect"     // FTP helper in Box expects a data connection To (Text: why)
	ExpectUsed Kind = "expect-used"
	Ignore     Kind = "ignore"    // FTP helper in Box makes no expectation for a PORT/EPRT/227/229 (Text: why)
	Connected  Kind = "connected" // handshake done: From -> To, each as the dialer sees it
	Timeout    Kind = "timeout"   // a dial gave up after its SYNs were dropped
	Refused    Kind = "refused"   // a dial was refused (REJECT, or nobody listening)
	Segment    Kind = "segment"   // Host sent Bytes on Conn; Text holds a control line
	Rewrite    Kind = "rewrite"   // FTP helper rewrote a control line: Before -> After
	Blind      Kind = "blind"     // FTP helper cannot read the control channel (TLS)
	Close      Kind = "close"     // Conn closes: the first end to close it, Host, sends FIN (one per connection)
	Reset      Kind = "reset"     // Conn was reset (RST); Err says why

	// The transport's own packets (format 1.1 on; a 1.0 trace has none,
	// and readers synthesize them, see Packets). Each is emitted when
	// netem's real socket does it; From and To are as Host sees them.
	// They are packets, not steps: a player at the granularity of steps
	// folds them out (Kind.Transport).
	SYNACK Kind = "syn-ack" // Host, the listener, answers the SYN (behind NAT: with the addresses it sees)
	ACK    Kind = "ack"     // Host, the dialer, sends the ACK that completes the handshake ("connected" follows)
	FIN    Kind = "fin"     // Host sends FIN on Conn: every end's, in order, a half-close (CloseWrite) too
	RST    Kind = "rst"     // Host sends RST on Conn (Box: a box sent it in Host's name)

	// Endpoints and scenario (sim).
	Note   Kind = "note"   // free text from the scenario runner
	Result Kind = "result" // the run's outcome: Verdict "ok" or "failed", Text says why
)

// Transport tells whether the kind is one of the transport's own packets
// (syn-ack, ack, fin, rst) rather than a step of the session.
func (k Kind) Transport() bool { return k == SYNACK || k == ACK || k == FIN || k == RST }

// Channel tells the FTP channel a connection carries.
type Channel string

// The two FTP channels.
const (
	Control Channel = "control"
	Data    Channel = "data"
)

// Event is one step of a session. Fields that do not apply are empty. The
// JSON names are the file format; keep them stable.
type Event struct {
	Seq     int     `json:"seq"`               // 0, 1, 2... in emission order
	T       int64   `json:"t_us"`              // virtual time since start, microseconds
	Kind    Kind    `json:"kind"`              // what happened
	Conn    int     `json:"conn,omitempty"`    // connection id, 1.. (0: none)
	Channel Channel `json:"chan,omitempty"`    // control or data
	Host    string  `json:"host,omitempty"`    // the host that acted: "client", "server"
	From    string  `json:"from,omitempty"`    // virtual "ip:port" of the acting end
	To      string  `json:"to,omitempty"`      // virtual "ip:port" of the other end
	Box     string  `json:"box,omitempty"`     // middlebox: "client-fw", "client-nat", "server-fw", "server-nat"
	Verdict string  `json:"verdict,omitempty"` // accept, drop, reject (Verdict); ok, failed (Result)
	Rule    string  `json:"rule,omitempty"`    // the rule that decided, as a person reads it
	State   string  `json:"state,omitempty"`   // conntrack state: NEW, ESTABLISHED, RELATED
	Attempt int     `json:"attempt,omitempty"` // SYN retransmission number
	Text    string  `json:"text,omitempty"`    // control line without CRLF, or a note
	Before  string  `json:"before,omitempty"`  // NAT/rewrite: what it was
	After   string  `json:"after,omitempty"`   // NAT/rewrite: what it became
	Bytes   int64   `json:"bytes,omitempty"`   // bytes in a segment or transfer
	Err     string  `json:"err,omitempty"`     // error text
}

// SessionEvent is one event of one of several sessions in a stream (the
// real clients of `ftplab serve --watch`), with the header of its session.
type SessionEvent struct {
	Session string // the session's name: a client's control address, "ip:port"
	Header  Header
	Event   Event
}
