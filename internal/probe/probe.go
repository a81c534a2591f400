// Package probe asks a real FTP server how it behaves in each data
// connection mode (PASV, EPSV, PORT, EPRT) and explains what it finds:
// `ftplab probe HOST:PORT`. It contacts only the host it is given, with
// short, bounded timeouts.
package probe

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"strings"
	"time"

	"ftplab/internal/termsafe"
	"ftplab/sim/ftp"
)

// Options steer a probe.
type Options struct {
	User, Password string        // default anonymous
	Timeout        time.Duration // per step; default 5 s
	Network        ftp.Network   // default the OS network
	// TLS protects the control and data connections with explicit AUTH
	// TLS (RFC 4217) before logging in. The server's certificate is not
	// checked: the probe asks about data connections, not identity.
	TLS bool
}

// Outcome names how one mode fared.
type Outcome string

// The outcomes a mode can have.
const (
	Worked     Outcome = "worked"
	Refused    Outcome = "refused by server" // the server answered the mode's command or LIST with an error
	DialFailed Outcome = "data dial failed"  // the data connection could not be set up
	Broken     Outcome = "control failed"    // login or the control connection itself failed
	Mismatch   Outcome = "address mismatch"  // worked only by ignoring the advertised address
	Impossible Outcome = "not possible"      // the mode cannot be asked for on this connection (PORT over IPv6)
)

// Result is one mode's verdict.
type Result struct {
	Mode    ftp.Mode `json:"mode"`
	Command string   `json:"command"` // PASV, EPSV, PORT, EPRT
	Outcome Outcome  `json:"outcome"`
	// Reply is the reply the verdict rests on: the refusal for "refused" and
	// a refused login, the answer to the mode's command (227, 229, 200) for
	// "worked", "data dial failed" and "address mismatch"; empty when no
	// reply decided (a timeout, PORT over IPv6).
	Reply      string `json:"reply,omitempty"`
	Advertised string `json:"advertised,omitempty"` // the address in a 227 reply
	Dialed     string `json:"dialed,omitempty"`     // the data address actually dialed
	Err        string `json:"error,omitempty"`
	// Stopped are the dials and connections the probe refused: anything
	// but the server it was given (a 227 naming another host, 0.0.0.0 or a
	// port below 1024; an active connection from elsewhere).
	Stopped []string `json:"stopped,omitempty"`
	Cause   string   `json:"cause"` // one sentence: why, and what usually fixes it
}

// Report is the whole probe.
type Report struct {
	Server  string   `json:"server"`
	Banner  string   `json:"banner,omitempty"` // the whole greeting, lines joined by "\n"
	Results []Result `json:"results"`
}

// Run probes addr in every mode, one fresh control connection per mode.
func Run(ctx context.Context, addr string, o Options) (Report, error) {
	if _, _, err := net.SplitHostPort(addr); err != nil {
		return Report{}, fmt.Errorf("probe: %q is not HOST:PORT", addr)
	}
	if o.User == "" {
		o.User, o.Password = "anonymous", "probe@ftplab"
	}
	if o.Timeout == 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Network == nil {
		o.Network = ftp.OSNetwork{DialTimeout: o.Timeout}
	}
	rep := Report{Server: addr}
	for _, m := range []ftp.Mode{ftp.ModePassive, ftp.ModeEPSV, ftp.ModeActive, ftp.ModeEPRT} {
		r, banner := probeMode(ctx, addr, m, o)
		if banner == "" && r.Outcome == Broken && len(rep.Results) == 0 {
			return Report{}, fmt.Errorf("probe: cannot reach an FTP server at %s: %s", addr, r.Err)
		}
		if rep.Banner == "" {
			rep.Banner = banner
		}
		rep.Results = append(rep.Results, r)
	}
	return rep, nil
}

var commandOf = map[ftp.Mode]string{ftp.ModePassive: "PASV", ftp.ModeEPSV: "EPSV", ftp.ModeActive: "PORT", ftp.ModeEPRT: "EPRT"}

// step is how far a try got before it failed.
type step int

const (
	stepConnect step = iota // the control connection and greeting
	stepTLS                 // AUTH TLS, PBSZ, PROT
	stepLogin               // USER, PASS
	stepList                // the mode's command, the data connection, LIST
)

// watch follows a try's control traffic: the reply to the mode's own
// command, the 227 address and the data dial.
type watch struct {
	mode                          ftp.Mode
	lastCmd                       string
	modeReply, advertised, dialed string
}

func (w *watch) observe(e ftp.Event) {
	switch {
	case e.Kind == ftp.EvCommand:
		w.lastCmd, _, _ = strings.Cut(e.Text, " ")
	case e.Kind == ftp.EvReply && isModeCommand(w.mode, w.lastCmd) && len(e.Text) > 3 && e.Text[3] == ' ':
		w.modeReply = e.Text
		if strings.HasPrefix(e.Text, "227 ") {
			if ap, err := ftp.Parse227(e.Text); err == nil {
				w.advertised = ap.String()
			}
		}
	case e.Kind == ftp.EvDial && e.Channel == ftp.Data:
		w.dialed = e.Remote
	}
}

// isModeCommand: cmd is what mode m sends to set up its data connection
// (EPSV and EPRT fall back to PASV and PORT on servers without them).
func isModeCommand(m ftp.Mode, cmd string) bool {
	return cmd == commandOf[m] || (m == ftp.ModeEPSV && cmd == "PASV") || (m == ftp.ModeEPRT && cmd == "PORT")
}

// probeMode tries one LIST in mode m. For PASV it notices a 227 address
// that differs from the server's and, when dialing it fails, retries the
// way modern clients do (the control connection's address).
func probeMode(ctx context.Context, addr string, m ftp.Mode, o Options) (Result, string) {
	r := Result{Mode: m, Command: commandOf[m]}
	w := &watch{mode: m}
	// Data connections go only to the server's own address, as curl and
	// ftplib do: a 227 naming another address is reported, never dialed.
	banner, st, stopped, listErr := tryList(ctx, addr, m, true, o, w.observe)
	r.Advertised, r.Dialed, r.Stopped = w.advertised, w.dialed, stopped
	if len(stopped) > 0 {
		r.Dialed = "" // the guard stopped it: nothing was sent
	}
	unspecified := m == ftp.ModePassive && w.advertised != "" && isUnspecified(w.advertised)
	if listErr == nil {
		r.Outcome, r.Reply, r.Cause = Worked, w.modeReply, worked(m)
		switch {
		case unspecified:
			r.Outcome, r.Cause = Mismatch, unspecifiedCause(addr)
		case m == ftp.ModePassive && w.advertised != "" && !sameHost(w.advertised, addr):
			r.Outcome = Mismatch
			r.Cause = fmt.Sprintf("The server advertises %s in its 227 reply but is reached at %s: the server is behind NAT or misconfigured. The probe dials only the server it was given, as modern clients (curl, ftplib) do, and that worked; classic clients dial the advertised address and fail. Fix: advertise the right public address (vsftpd pasv_address).", hostOf(w.advertised), hostOf(addr))
		}
		return r, banner
	}
	r.Err = listErr.Error()
	var re *ftp.ReplyError
	isReply := errors.As(listErr, &re)
	switch {
	case st == stepConnect:
		r.Outcome = Broken
		if isReply {
			r.Reply = re.Reply.String()
		}
		r.Cause = "The control connection itself failed: check the address, the port and that an FTP server answers there."
	case st == stepTLS:
		r.Outcome = Broken
		if isReply {
			r.Reply = re.Reply.String()
			r.Cause = fmt.Sprintf("The server does not offer explicit TLS (it answered %q to %s): probe without --tls.", re.Reply.String(), re.Command)
		} else {
			r.Cause = "The TLS handshake on the control connection failed: the server may want implicit TLS (port 990), which probe does not speak."
		}
	case st == stepLogin:
		r.Outcome = Broken
		if isReply {
			r.Reply = re.Reply.String()
		}
		r.Cause = loginCause(re, listErr, o)
	case errors.Is(listErr, ftp.ErrPORTNeedsIPv4):
		r.Outcome = Impossible
		r.Cause = "PORT's six numbers hold only an IPv4 address (RFC 959) and this control connection is IPv6: over IPv6, active mode is EPRT (RFC 2428)."
	case isReply:
		r.Outcome, r.Reply = Refused, re.Reply.String()
		r.Cause = refusedCause(m, addr, re)
	default:
		r.Outcome = DialFailed
		r.Reply = w.modeReply
		r.Cause = dialCause(m, addr, w.advertised, w.dialed, listErr)
		if len(stopped) > 0 {
			r.Cause = fmt.Sprintf("The server asked for a data connection the probe will not make (%s): it contacts only the server it was given, at a port of 1024 or more.", stopped[0])
		}
	}
	return r, banner
}

// tryList logs in and lists in mode m, on a network that reaches only the
// server (see guard); banner is the server's whole greeting, st is the
// step an error came from, and stopped what the guard refused.
func tryList(ctx context.Context, addr string, m ftp.Mode, skipPasvIP bool, o Options, observe ftp.Observer) (banner string, st step, stopped []string, err error) {
	g := &guard{inner: o.Network, addr: addr}
	defer func() { stopped = g.notes() }()
	cfg := ftp.ClientConfig{Network: g, Mode: m, SkipPasvIP: skipPasvIP, Timeout: o.Timeout, Observer: observe, MaxListing: maxListing}
	if o.TLS {
		host, _, _ := net.SplitHostPort(addr)
		cfg.TLS = &tls.Config{ServerName: host, InsecureSkipVerify: true} // see Options.TLS
	}
	c, err := ftp.Dial(ctx, addr, cfg)
	if err != nil {
		return "", stepConnect, nil, err
	}
	defer c.Close()
	banner = strings.Join(c.Banner.Lines, "\n")
	if o.TLS {
		if err := c.AuthTLS(); err != nil {
			return banner, stepTLS, nil, err
		}
	}
	if err := c.Login(o.User, o.Password); err != nil {
		return banner, stepLogin, nil, err
	}
	if _, err := c.List(""); err != nil {
		return banner, stepList, nil, err
	}
	c.Quit()
	return banner, stepList, nil, nil
}

// maxListing bounds the LIST a probe reads: it only needs to know that
// data flowed.
const maxListing = 1 << 20

// tlsWords are how servers say a login needs TLS first: vsftpd "530
// Non-anonymous sessions must use encryption.", proftpd "550 SSL/TLS
// required on the control channel", pure-ftpd "534 ...".
var tlsWords = []string{"encrypt", "tls", "ssl", "secure"}

func loginCause(re *ftp.ReplyError, err error, o Options) string {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Sprintf("No answer to the login within %v: some servers (pure-ftpd) hold a refused login's 530 for seconds. The login is likely refused; to see the server's answer, probe again with a longer --timeout.", o.Timeout)
	}
	if re == nil {
		return "The control connection failed during the login."
	}
	text := strings.ToLower(re.Reply.String())
	for _, w := range tlsWords {
		if strings.Contains(text, w) || re.Reply.Code == 534 {
			if o.TLS {
				return "The server still refuses the login under TLS: check its TLS settings for this user."
			}
			return "The server requires TLS before this login: probe again with --tls."
		}
	}
	if o.User != "anonymous" {
		return fmt.Sprintf("Login was refused for %s: check the name and password (and that the server lets this user log in over FTP).", o.User)
	}
	return "Login was refused: pass --user NAME:PASSWORD, or enable anonymous access on the server."
}

func isUnspecified(hostport string) bool {
	ap, err := netip.ParseAddrPort(hostport)
	return err == nil && ap.Addr().IsUnspecified()
}

func unspecifiedCause(addr string) string {
	return fmt.Sprintf("The 227 reply names 0.0.0.0, no address at all (vsftpd answers PASV over IPv6 so): a dial to it reaches only a server on this very machine, and clients that use the address fail. Clients that ignore it (curl, ftplib) dial %s; better, use EPSV.", hostOf(addr))
}

func worked(m ftp.Mode) string {
	if m.Passive() {
		return "The server listened and this machine could dial it: passive mode works from here."
	}
	return "The server could dial back to this machine: nothing blocks inbound connections to it."
}

func refusedCause(m ftp.Mode, addr string, re *ftp.ReplyError) string {
	switch {
	case m == ftp.ModePassive && re.Command == "PASV" && isIPv6(addr):
		return "A 227 reply can carry only an IPv4 address and this server is reached over IPv6, so PASV cannot work here: use EPSV (RFC 2428)."
	case re.Reply.Code == 425 && !m.Passive():
		return "The server tried to connect back to this machine and failed: a firewall or NAT in front of this machine blocks inbound connections (use passive mode)."
	case re.Reply.Code == 500 && strings.Contains(re.Reply.String(), "Illegal"):
		return "The server refused the address this machine announced: it differs from the address the server sees (this machine is behind NAT without an FTP helper)."
	case re.Command == commandOf[m] || (m == ftp.ModeEPSV && re.Command == "PASV") || (m == ftp.ModeEPRT && re.Command == "PORT"):
		return fmt.Sprintf("The server does not allow %s here (it is disabled in its configuration).", commandOf[m])
	}
	return fmt.Sprintf("The server answered %q to %s.", re.Reply.String(), re.Command)
}

func dialCause(m ftp.Mode, addr, advertised, dialed string, err error) string {
	kind := "timed out (packets dropped)"
	if strings.Contains(err.Error(), "refused") {
		kind = "was refused"
	}
	if m.Passive() {
		if advertised != "" && !sameHost(advertised, addr) {
			return fmt.Sprintf("The server advertises %s, not its own address: it is behind NAT, misconfigured or hostile. The probe dials only the server it was given, and the dial to %s %s.", advertised, dialed, kind)
		}
		return fmt.Sprintf("The dial to %s %s: the server's firewall does not admit its passive port range.", dialed, kind)
	}
	return fmt.Sprintf("The data connection %s.", kind)
}

func isIPv6(hostport string) bool {
	ip, err := netip.ParseAddr(hostOf(hostport))
	return err == nil && ip.Unmap().Is6()
}

func sameHost(a, b string) bool { return hostOf(a) == hostOf(b) }

func hostOf(hostport string) string {
	if ap, err := netip.ParseAddrPort(hostport); err == nil {
		return ap.Addr().Unmap().String()
	}
	h, _, _ := net.SplitHostPort(hostport)
	return h
}

// WriteText prints the report as a table with one cause sentence per mode.
// The server's words are escaped for the terminal.
func WriteText(w io.Writer, r Report) error {
	line := termsafe.String(fmt.Sprintf("probe %s", r.Server))
	banner := strings.Split(r.Banner, "\n")
	if len(banner) == 1 && r.Banner != "" {
		line += termsafe.String(fmt.Sprintf("  (%s)", r.Banner))
	}
	fmt.Fprintln(w, line)
	if len(banner) > 1 {
		for _, l := range banner {
			fmt.Fprintln(w, "  | "+termsafe.String(l))
		}
	}
	for _, res := range r.Results {
		detail := res.Reply
		if detail == "" {
			detail = res.Err
		}
		fmt.Fprintln(w, termsafe.String(fmt.Sprintf("  %-4s %-8s %-18s %s", res.Command, res.Mode, res.Outcome, detail)))
		if res.Advertised != "" {
			dialed := res.Dialed
			if dialed == "" {
				dialed = "nothing"
			}
			fmt.Fprintln(w, termsafe.String(fmt.Sprintf("       advertised %s, dialed %s", res.Advertised, dialed)))
		}
		for _, s := range res.Stopped {
			fmt.Fprintln(w, "       stopped: "+termsafe.String(s))
		}
		if _, err := fmt.Fprintln(w, "       "+termsafe.String(res.Cause)); err != nil {
			return err
		}
	}
	return nil
}

// WriteJSON prints the report as one JSON object.
func WriteJSON(w io.Writer, r Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// ParseUser splits NAME:PASSWORD.
func ParseUser(s string) (user, pass string, err error) {
	user, pass, ok := strings.Cut(s, ":")
	if !ok || user == "" {
		return "", "", fmt.Errorf("--user %q: want NAME:PASSWORD", s)
	}
	return user, pass, nil
}
