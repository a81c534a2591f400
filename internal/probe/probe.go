// Package probe asks a real FTP server how it behaves in each data
// connection mode (PASV, EPSV, PORT, EPRT) and explains what it finds:
// `ftplab probe HOST:PORT`. It contacts only the host it is given, with
// short, bounded timeouts: a reply that names another address is reported,
// not dialed (guard.go), and replies and listings are bounded in size.
package probe

import (
	"context"
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
)

// Result is one mode's verdict.
type Result struct {
	Mode       ftp.Mode `json:"mode"`
	Command    string   `json:"command"` // PASV, EPSV, PORT, EPRT
	Outcome    Outcome  `json:"outcome"`
	Reply      string   `json:"reply,omitempty"`      // the reply that decided, when the server decided
	Advertised string   `json:"advertised,omitempty"` // the address in a 227 reply
	Dialed     string   `json:"dialed,omitempty"`     // the data address actually dialed
	Err        string   `json:"error,omitempty"`
	Stopped    []string `json:"stopped,omitempty"` // dials and connections the probe refused (not the server's address)
	Cause      string   `json:"cause"`             // one sentence: why, and what usually fixes it
}

// Report is the whole probe.
type Report struct {
	Server  string   `json:"server"`
	Banner  string   `json:"banner,omitempty"`
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

// probeMode tries one LIST in mode m. Data connections go only to the
// server's own address (as curl and ftplib do): a 227 reply naming another
// address is reported as a mismatch, never dialed.
func probeMode(ctx context.Context, addr string, m ftp.Mode, o Options) (Result, string) {
	r := Result{Mode: m, Command: commandOf[m]}
	var last, advertised, dialed string
	spoke := false // a command was sent: the control connection got past the greeting
	observe := func(e ftp.Event) {
		switch {
		case e.Kind == ftp.EvCommand:
			spoke = true
		case e.Kind == ftp.EvReply:
			last = e.Text
			if strings.HasPrefix(e.Text, "227 ") {
				if ap, err := ftp.Parse227(e.Text); err == nil {
					advertised = ap.String()
				}
			}
		case e.Kind == ftp.EvDial && e.Channel == ftp.Data:
			dialed = e.Remote
		}
	}
	t := tryList(ctx, addr, m, o, observe)
	listErr := t.err
	r.Advertised, r.Dialed, r.Stopped = advertised, dialed, t.stopped
	if len(t.stopped) > 0 {
		r.Dialed = "" // the guard stopped it: nothing was sent
	}
	mismatch := advertised != "" && t.server.IsValid() && hostOf(advertised) != t.server.String()
	if listErr == nil {
		r.Outcome = Worked
		r.Cause = worked(m)
		if mismatch {
			r.Outcome = Mismatch
			r.Cause = fmt.Sprintf("The server advertises %s in its 227 reply but is reached at %s: the server is behind NAT or misconfigured. The probe dials only the server it was given, as modern clients (curl, ftplib) do, and that worked; classic clients dial the advertised address and fail. Fix: advertise the right public address (vsftpd pasv_address).", hostOf(advertised), t.server)
		}
		return r, t.banner
	}
	r.Err = listErr.Error()
	var re *ftp.ReplyError
	switch {
	case errors.As(listErr, &re) && re.Command != "USER" && re.Command != "PASS" && re.Command != "greeting":
		r.Outcome, r.Reply = Refused, re.Reply.String()
		r.Cause = refusedCause(m, re)
	case dialed == "" && !errors.As(listErr, &re) && !spoke:
		r.Outcome = Broken
		r.Cause = "The control connection itself failed: check the address, the port and that an FTP server answers there."
	case errors.As(listErr, &re):
		r.Outcome, r.Reply = Broken, re.Reply.String()
		r.Cause = "Login was refused: pass --user NAME:PASSWORD, or enable anonymous access on the server."
	case len(t.stopped) > 0:
		r.Outcome, r.Reply = DialFailed, last
		r.Cause = "The server named a data address the probe does not dial: a server hands out an unprivileged port on its own address, so this one is misconfigured or trying to use the probe to reach something else."
	default:
		r.Outcome = DialFailed
		r.Reply = last
		r.Cause = dialCause(m, advertised, dialed, mismatch, listErr)
	}
	return r, t.banner
}

type listTry struct {
	banner  string
	server  netip.Addr // the control connection's peer (invalid if never connected)
	stopped []string   // what the guard refused to dial or accept
	err     error
}

// tryList logs in and lists in mode m, on a network that reaches only the
// server.
func tryList(ctx context.Context, addr string, m ftp.Mode, o Options, observe ftp.Observer) (t listTry) {
	g := &guard{inner: o.Network, addr: addr}
	defer func() {
		t.stopped = g.notes()
		g.mu.Lock()
		t.server = g.server
		g.mu.Unlock()
	}()
	c, err := ftp.Dial(ctx, addr, ftp.ClientConfig{Network: g, Mode: m, SkipPasvIP: true, Timeout: o.Timeout, Observer: observe, MaxListing: maxListing})
	if err != nil {
		t.err = err
		return t
	}
	defer c.Close()
	t.banner = c.Banner.String()
	if err := c.Login(o.User, o.Password); err != nil {
		t.err = err
		return t
	}
	if _, err := c.List(""); err != nil {
		t.err = err
		return t
	}
	c.Quit()
	return t
}

// maxListing bounds the LIST a probe reads: it only needs to know that
// data flowed.
const maxListing = 1 << 20

func worked(m ftp.Mode) string {
	if m.Passive() {
		return "The server listened and this machine could dial it: passive mode works from here."
	}
	return "The server could dial back to this machine: nothing blocks inbound connections to it."
}

func refusedCause(m ftp.Mode, re *ftp.ReplyError) string {
	switch {
	case re.Reply.Code == 425 && !m.Passive():
		return "The server tried to connect back to this machine and failed: a firewall or NAT in front of this machine blocks inbound connections (use passive mode)."
	case re.Reply.Code == 500 && strings.Contains(re.Reply.String(), "Illegal"):
		return "The server refused the address this machine announced: it differs from the address the server sees (this machine is behind NAT without an FTP helper)."
	case re.Command == commandOf[m] || (m == ftp.ModeEPSV && re.Command == "PASV") || (m == ftp.ModeEPRT && re.Command == "PORT"):
		return fmt.Sprintf("The server does not allow %s here (it is disabled in its configuration).", commandOf[m])
	}
	return fmt.Sprintf("The server answered %q to %s.", re.Reply.String(), re.Command)
}

func dialCause(m ftp.Mode, advertised, dialed string, mismatch bool, err error) string {
	kind := "timed out (packets dropped)"
	if strings.Contains(err.Error(), "refused") {
		kind = "was refused"
	}
	if m.Passive() {
		if mismatch {
			return fmt.Sprintf("The server advertises %s, not its own address: it is behind NAT, misconfigured or hostile. The probe dials only the server it was given, and the dial to %s %s.", advertised, dialed, kind)
		}
		return fmt.Sprintf("The dial to %s %s: the server's firewall does not admit its passive port range.", dialed, kind)
	}
	return fmt.Sprintf("The data connection %s.", kind)
}

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
	if r.Banner != "" {
		line += termsafe.String(fmt.Sprintf("  (%s)", r.Banner))
	}
	fmt.Fprintln(w, line)
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
