// Package probe asks a real FTP server how it behaves in each data
// connection mode (PASV, EPSV, PORT, EPRT) and explains what it finds:
// `ftplab probe HOST:PORT`. It contacts only the host it is given, with
// short, bounded timeouts.
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
	Cause      string   `json:"cause"` // one sentence: why, and what usually fixes it
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

// probeMode tries one LIST in mode m. For PASV it notices a 227 address
// that differs from the server's and, when dialing it fails, retries the
// way modern clients do (the control connection's address).
func probeMode(ctx context.Context, addr string, m ftp.Mode, o Options) (Result, string) {
	r := Result{Mode: m, Command: commandOf[m]}
	var last, advertised, dialed string
	observe := func(e ftp.Event) {
		switch {
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
	banner, listErr := tryList(ctx, addr, m, false, o, observe)
	r.Advertised, r.Dialed = advertised, dialed
	if listErr == nil {
		r.Outcome = Worked
		r.Cause = worked(m)
		return r, banner
	}
	r.Err = listErr.Error()
	var re *ftp.ReplyError
	switch {
	case errors.As(listErr, &re) && re.Command != "USER" && re.Command != "PASS" && re.Command != "greeting":
		r.Outcome, r.Reply = Refused, re.Reply.String()
		r.Cause = refusedCause(m, re)
	case dialed == "" && !errors.As(listErr, &re) && last == "":
		r.Outcome = Broken
		r.Cause = "The control connection itself failed: check the address, the port and that an FTP server answers there."
	case errors.As(listErr, &re):
		r.Outcome, r.Reply = Broken, re.Reply.String()
		r.Cause = "Login was refused: pass --user NAME:PASSWORD, or enable anonymous access on the server."
	default:
		r.Outcome = DialFailed
		r.Reply = last
		r.Cause = dialCause(m, addr, advertised, dialed, listErr)
		if m == ftp.ModePassive && advertised != "" && !sameHost(advertised, addr) {
			// Retry as curl and ftplib do: ignore the advertised address.
			if _, err := tryList(ctx, addr, m, true, o, nil); err == nil {
				r.Outcome = Mismatch
				r.Cause = fmt.Sprintf("The server advertises %s in its 227 reply but is reached at %s: the server is behind NAT or misconfigured and advertises an address this machine cannot reach. Modern clients (curl, ftplib) ignore the advertised address and work; classic ones fail. Fix: advertise the right public address (vsftpd pasv_address).", hostOf(advertised), hostOf(addr))
			}
		}
	}
	return r, banner
}

// tryList logs in and lists in mode m; banner is the server's greeting.
func tryList(ctx context.Context, addr string, m ftp.Mode, skipPasvIP bool, o Options, observe ftp.Observer) (banner string, err error) {
	c, err := ftp.Dial(ctx, addr, ftp.ClientConfig{Network: o.Network, Mode: m, SkipPasvIP: skipPasvIP, Timeout: o.Timeout, Observer: observe})
	if err != nil {
		return "", err
	}
	defer c.Close()
	banner = c.Banner.String()
	if err := c.Login(o.User, o.Password); err != nil {
		return banner, err
	}
	if _, err := c.List(""); err != nil {
		return banner, err
	}
	c.Quit()
	return banner, nil
}

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

func dialCause(m ftp.Mode, addr, advertised, dialed string, err error) string {
	kind := "timed out (packets dropped)"
	if strings.Contains(err.Error(), "refused") {
		kind = "was refused"
	}
	if m.Passive() {
		if advertised != "" && !sameHost(advertised, addr) {
			return fmt.Sprintf("The dial to the advertised address %s %s: the server is behind NAT and advertises an address this machine cannot reach.", advertised, kind)
		}
		return fmt.Sprintf("The dial to %s %s: the server's firewall does not admit its passive port range.", dialed, kind)
	}
	return fmt.Sprintf("The data connection %s.", kind)
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
func WriteText(w io.Writer, r Report) error {
	fmt.Fprintf(w, "probe %s", r.Server)
	if r.Banner != "" {
		fmt.Fprintf(w, "  (%s)", r.Banner)
	}
	fmt.Fprintln(w)
	for _, res := range r.Results {
		detail := res.Reply
		if detail == "" {
			detail = res.Err
		}
		fmt.Fprintf(w, "  %-4s %-8s %-18s %s\n", res.Command, res.Mode, res.Outcome, detail)
		if res.Advertised != "" {
			fmt.Fprintf(w, "       advertised %s, dialed %s\n", res.Advertised, res.Dialed)
		}
		_, err := fmt.Fprintf(w, "       %s\n", res.Cause)
		if err != nil {
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
