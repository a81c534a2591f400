package trace

import "encoding/json"

// FormatName, Version and Minor identify a recorded-session file. A
// reader refuses another major Version; a minor adds to the format, so
// every 1.x reader reads every 1.y file. Minor 1 added the transport's
// own events (syn-ack, ack, fin, rst); a file without "minor" is 1.0.
const (
	FormatName = "ftplab-trace"
	Version    = 1
	Minor      = 1
)

// Header is the first line of a recorded session: what ran, on what network.
type Header struct {
	Format   string          `json:"format"`             // FormatName
	Version  int             `json:"version"`            // major version; readers refuse others
	Minor    int             `json:"minor,omitempty"`    // minor version: what was added within the major (0: 1.0)
	Name     string          `json:"name,omitempty"`     // lesson or scenario name
	Title    string          `json:"title,omitempty"`    // human title
	Source   string          `json:"source,omitempty"`   // "sim", "import", "serve"
	Topology Topology        `json:"topology"`           // what the stage draws
	Scenario json.RawMessage `json:"scenario,omitempty"` // sim's scenario as it ran (opaque here)
}

// Topology is the network the stage draws: hosts left to right, with the
// middleboxes that sit in front of each.
type Topology struct {
	Hosts []Host `json:"hosts"`
	Boxes []Box  `json:"boxes,omitempty"`
}

// Host is an endpoint on the stage.
type Host struct {
	Name   string `json:"name"`             // "client", "server"
	Addr   string `json:"addr"`             // its own (maybe private) virtual IP
	Public string `json:"public,omitempty"` // the address others see, when behind NAT
}

// Box is a middlebox in front of a host.
type Box struct {
	Name  string   `json:"name"`            // "client-fw", "client-nat", "server-fw", "server-nat"
	Kind  string   `json:"kind"`            // "firewall" or "nat"
	Side  string   `json:"side"`            // the host it guards: "client" or "server"
	Rules []string `json:"rules,omitempty"` // rules as a person reads them, in order
	ALG   bool     `json:"alg,omitempty"`   // an FTP helper is attached
}
