package ftp

// EventKind names one step an endpoint took.
type EventKind string

// The steps an endpoint reports. Local and Remote in the Event are the
// addresses as that endpoint's sockets see them.
const (
	EvListen        EventKind = "listen"         // a socket started listening (Local)
	EvAccept        EventKind = "accept"         // a connection was accepted
	EvDial          EventKind = "dial"           // about to dial Remote from Local
	EvConnected     EventKind = "connected"      // a dial succeeded
	EvDialFailed    EventKind = "dial-failed"    // a dial failed (Err)
	EvCommand       EventKind = "command"        // a command line sent (client) or received (server)
	EvReply         EventKind = "reply"          // a reply line sent (server) or received (client)
	EvTransferStart EventKind = "transfer-start" // data started to flow (Text: the command)
	EvTransferEnd   EventKind = "transfer-end"   // data stopped (Bytes moved, Err if any)
	EvClose         EventKind = "close"          // a socket was closed
)

// Channel says which FTP channel a socket belongs to.
type Channel string

// The two FTP channels.
const (
	Control Channel = "control"
	Data    Channel = "data"
)

// Event is one step reported by the server or the client.
type Event struct {
	Kind    EventKind
	Channel Channel
	Local   string // local address of the socket, "ip:port"
	Remote  string // remote address of the socket, "ip:port"
	Text    string // command or reply line without CRLF
	Bytes   int64  // bytes moved (transfer-end)
	Err     string // error text (dial-failed, transfer-end)
}

// Observer receives every step. It is called synchronously from the
// goroutine that took the step, in protocol order; it must not block long.
type Observer func(Event)

func (o Observer) emit(e Event) {
	if o != nil {
		o(e)
	}
}
