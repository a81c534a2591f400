package scenario

// The fixed stage every scenario plays on. Addresses come from the ranges
// set aside for documentation (RFC 5737) and private use (RFC 1918): they are
// labels inside netem and never dialed for real.
const (
	ClientPublicIP  = "192.0.2.10"    // client without NAT
	ClientPrivateIP = "192.168.1.10"  // client behind NAT
	ClientNATIP     = "203.0.113.5"   // the client's NAT, as the server sees it
	ServerPublicIP  = "198.51.100.21" // the server as the client dials it
	ServerPrivateIP = "10.0.0.21"     // the server behind its NAT (port forwarding)

	ClientControlPort = 2000 // the classic explanation's client ports
	ClientDataPort    = 2001
	ServerControlPort = 21
	ServerDataPort    = 20
	PasvMinPort       = 30000 // the server's passive range (vsftpd pasv_min_port)
	PasvMaxPort       = 30009

	// SampleFile is served by every scenario's server.
	SampleFile = "hello.txt"
)

// The same stage in IPv6 (ip: 6): documentation addresses (RFC 3849,
// 2001:db8::/32) in public, unique-local ones (RFC 4193, fd00::/8) behind
// a NAT, which is NAT66 masquerade.
const (
	ClientPublicIP6  = "2001:db8:c::10"
	ClientPrivateIP6 = "fd00:c::10"
	ClientNATIP6     = "2001:db8:a::5"
	ServerPublicIP6  = "2001:db8:5::21"
	ServerPrivateIP6 = "fd00:5::21"
)

// Stage is the addresses of one scenario's stage.
type Stage struct {
	ClientPublic, ClientPrivate, ClientNAT string
	ServerPublic, ServerPrivate            string
}

// Addrs is the stage of the scenario's IP version.
func (s Scenario) Addrs() Stage {
	if s.IP == 6 {
		return Stage{ClientPublicIP6, ClientPrivateIP6, ClientNATIP6, ServerPublicIP6, ServerPrivateIP6}
	}
	return Stage{ClientPublicIP, ClientPrivateIP, ClientNATIP, ServerPublicIP, ServerPrivateIP}
}

// ClientIP is the client's own address for this scenario.
func (s Scenario) ClientIP() string {
	if s.ClientNAT() {
		return s.Addrs().ClientPrivate
	}
	return s.Addrs().ClientPublic
}

// ServerIP is the server's own address for this scenario.
func (s Scenario) ServerIP() string {
	if s.ServerNAT() {
		return s.Addrs().ServerPrivate
	}
	return s.Addrs().ServerPublic
}
