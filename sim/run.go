package sim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"ftplab/netem"
	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// Options steer a run.
type Options struct {
	// OnEvent sees every event as it happens, in order. It may block: that
	// holds the whole simulated network still, which is how the player
	// steps through a live run.
	OnEvent func(trace.Event)
	// Title goes into the trace header (a lesson's title).
	Title string
	// OnHeader sees the header before the first event (a live player
	// draws the stage from it).
	OnHeader func(trace.Header)
	// Paced says OnEvent will hold the network for as long as a learner
	// likes: the endpoints' real-time safety deadlines are stretched.
	Paced bool
}

// Session is a finished run: what a recorded file holds, plus its summary.
type Session struct {
	Header  trace.Header
	Events  []trace.Event
	Summary Summary
	// ServerFiles is what the server's root held when the run ended,
	// after the server shut down (the root is removed then). Not part of
	// a recorded file.
	ServerFiles []ServerFile
	// Received is what the client's commands got back (a listing's text,
	// a get's size and sha256), in the order they ran. Not part of a
	// recorded file.
	Received []Received
}

// ServerFile is one regular file left in the server's root.
type ServerFile struct {
	Name   string // slash-separated, relative to the root
	Size   int64
	SHA256 [32]byte
}

// Trace is the session as a recorded file holds it.
func (s *Session) Trace() trace.Trace { return trace.Trace{Header: s.Header, Events: s.Events} }

// realTimeout bounds each real wait of the endpoints. Nothing in a healthy
// run waits in real time (netem simulates timeouts), so this only stops a
// broken run from hanging.
const realTimeout = 10 * time.Second

// pacedTimeout replaces it when a learner steps through a live run.
const pacedTimeout = 6 * time.Hour

// Run plays a scenario to its end on a fresh simulated network.
func Run(ctx context.Context, sc scenario.Scenario, o Options) (*Session, error) {
	sc = sc.Defaults()
	if err := sc.Validate(); err != nil {
		return nil, err
	}
	rec := &recorder{onEvent: o.OnEvent}
	world := netem.New(netem.Options{Emit: rec.add, ControlPort: sc.Port()})
	defer world.Close()

	r := &runner{sc: sc, world: world, rec: rec, realTimeout: realTimeout}
	if o.Paced {
		r.realTimeout = pacedTimeout
	}
	if err := r.build(); err != nil {
		return nil, err
	}
	hdr, err := r.header(o.Title)
	if err != nil {
		return nil, err
	}
	if o.OnHeader != nil {
		o.OnHeader(hdr)
	}
	ok, reason := r.play(ctx)
	world.Close()

	verdict := "ok"
	if !ok {
		verdict = "failed"
	}
	rec.add(trace.Event{Kind: trace.Result, Verdict: verdict, Text: reason})
	s := &Session{Header: hdr, Events: rec.events, ServerFiles: r.files, Received: r.got}
	s.Summary = Summarize(hdr, sc, s.Events)
	return s, nil
}

// recorder keeps the events and numbers the ones sim adds itself (the
// result; netem's own notes, such as a stall's, already carry their time).
type recorder struct {
	mu      sync.Mutex
	events  []trace.Event
	onEvent func(trace.Event)
}

func (r *recorder) add(e trace.Event) {
	r.mu.Lock()
	if e.Kind == trace.Result {
		e.Seq = len(r.events)
		if n := len(r.events); n > 0 {
			e.T = r.events[n-1].T
		}
	}
	r.events = append(r.events, e)
	r.mu.Unlock()
	if r.onEvent != nil {
		r.onEvent(e)
	}
}

// mark is the number of events so far.
func (r *recorder) mark() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.events)
}

// dataReset is the first reset of a data connection at or after mark.
func (r *recorder) dataReset(mark int) (trace.Event, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.events[min(mark, len(r.events)):] {
		if e.Kind == trace.Reset && e.Channel == trace.Data {
			return e, true
		}
	}
	return trace.Event{}, false
}

// runner holds one run's parts.
type runner struct {
	sc             scenario.Scenario
	world          *netem.World
	rec            *recorder
	realTimeout    time.Duration
	client, server *netem.Host
	root           string
	sample         []byte
	files          []ServerFile // the root at the end, for Session.ServerFiles
	got            []Received   // what the script's steps received, for Session.Received
	tlsServer      *tls.Config
	tlsClient      *tls.Config
}

// build puts hosts and middleboxes on the network as the scenario says.
func (r *runner) build() error {
	sc := r.sc
	var err error
	if r.client, err = r.world.AddHost(netem.HostConfig{Name: "client", Addr: sc.ClientIP(), ConnectTimeout: time.Duration(sc.ClientWait),
		SYNSchedule: synSchedule(sc), NoSACK: sc.NoSACK}); err != nil {
		return err
	}
	if r.server, err = r.world.AddHost(netem.HostConfig{Name: "server", Addr: sc.ServerIP(), ConnectTimeout: time.Duration(sc.ConnectWait),
		DataTimeout: time.Duration(sc.DataWait), SYNSchedule: synSchedule(sc)}); err != nil {
		return err
	}
	if sc.ClientFirewall() {
		if err := r.world.AddFirewall("client", ClientFirewall(sc)); err != nil {
			return err
		}
	}
	if sc.ClientNAT() {
		if err := r.world.AddNAT("client", ClientNAT(sc)); err != nil {
			return err
		}
	}
	if sc.ServerNAT() {
		if err := r.world.AddNAT("server", ServerNAT(sc)); err != nil {
			return err
		}
	}
	if sc.ServerFirewall() {
		if err := r.world.AddFirewall("server", ServerFirewall(sc)); err != nil {
			return err
		}
	}
	r.world.SetLink(link(sc))
	return nil
}

func (r *runner) header(title string) (trace.Header, error) {
	raw, err := json.Marshal(r.sc)
	if err != nil {
		return trace.Header{}, err
	}
	return trace.Header{
		Format: trace.FormatName, Version: trace.Version, Minor: trace.Minor,
		Name: r.sc.Name, Title: title, Source: "sim",
		Topology: r.world.Topology(), Scenario: raw,
	}, nil
}

// sampleContent is the served file: deterministic, so every run moves the
// same bytes and sha256 can prove integrity. size 0 is the classic 4 KiB
// file; any other size is the same lines, continued and cut to size.
func sampleContent(size int64) []byte {
	n := int64(4096)
	if size > 0 {
		n = size
	}
	var b bytes.Buffer
	b.Grow(int(n) + 128)
	b.WriteString("Hello from the ftplab server.\n")
	for i := 1; int64(b.Len()) < n; i++ {
		fmt.Fprintf(&b, "line %04d: the data channel carries the file, the control channel the talk.\n", i)
	}
	if size > 0 {
		b.Truncate(int(size))
	}
	return b.Bytes()
}

// play starts the server, runs the client's script and says how it went.
func (r *runner) play(ctx context.Context) (ok bool, reason string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	dir, err := os.MkdirTemp("", "ftplab-sim-")
	if err != nil {
		return false, err.Error()
	}
	defer os.RemoveAll(dir)
	r.sample = sampleContent(int64(r.sc.FileSize))
	if err := os.WriteFile(filepath.Join(dir, scenario.SampleFile), r.sample, 0o644); err != nil {
		return false, err.Error()
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return false, err.Error()
	}
	defer root.Close()
	r.root = dir
	if r.sc.TLS {
		if err := r.makeTLS(); err != nil {
			return false, err.Error()
		}
	}

	cfg := ftp.ServerConfig{
		Network: r.server, Clock: r.world.Clock(), Root: root,
		Anonymous: true, AllowUpload: true, AnonymousUpload: true, AnonymousOtherWrite: true,
		PasvMinPort: scenario.PasvMinPort, PasvMaxPort: scenario.PasvMaxPort, PasvSequential: true,
		ActiveFromPort: scenario.ServerDataPort, TLS: r.tlsServer, DataTLSWithoutReuse: true, // no tickets: see makeTLS
		IdleTimeout: r.realTimeout, DataTimeout: r.realTimeout,
	}
	if r.sc.PasvAddress {
		cfg.PasvAddress = r.sc.Addrs().ServerPublic
	}
	srv, err := ftp.NewServer(cfg)
	if err != nil {
		return false, err.Error()
	}
	l, err := r.server.Listen(ctx, net.JoinHostPort(r.sc.ServerIP(), strconv.Itoa(r.sc.Port())))
	if err != nil {
		return false, err.Error()
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		srv.Serve(ctx, l)
	}()
	defer func() {
		srv.Close()
		<-done
		r.files = listFiles(dir)
	}()
	return r.script(ctx)
}

func (r *runner) makeTLS() error {
	cert, err := ftp.GenerateCert("ftplab-server", r.sc.Addrs().ServerPublic, r.sc.Addrs().ServerPrivate)
	if err != nil {
		return err
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return err
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	// No session tickets: they are sent after the handshake, racing the
	// next command, and would make the trace differ from run to run.
	r.tlsServer = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, SessionTicketsDisabled: true}
	r.tlsClient = &tls.Config{RootCAs: pool, ServerName: "ftplab-server", MinVersion: tls.VersionTLS12, ClientSessionCache: tls.NewLRUClientSessionCache(4)}
	return nil
}

// script is the client's side of the run.
func (r *runner) script(ctx context.Context) (bool, string) {
	sc := r.sc
	c, err := ftp.Dial(ctx, net.JoinHostPort(sc.Addrs().ServerPublic, strconv.Itoa(sc.Port())), ftp.ClientConfig{
		Network:    r.client,
		LocalAddr:  net.JoinHostPort(sc.ClientIP(), strconv.Itoa(scenario.ClientControlPort)),
		ActivePort: scenario.ClientDataPort,
		Mode:       sc.Mode,
		SkipPasvIP: sc.SkipPasvIP || sc.Client == "curl" || sc.Client == "ftplib",
		// The profiles, as the real clients behave (docs/fidelity.md).
		FixPasvAddress:       sc.Client == "lftp",
		PassiveOnPortRefused: sc.Client == "lftp",
		PASVAfterEPSVFails:   sc.Client == "curl",
		BeforeTransfer:       r.pause,
		PortAddress:          sc.PortAddress,
		EPSVAll:              sc.EPSVAll,
		TLS:                  r.tlsClient,
		Timeout:              r.realTimeout,
	})
	if err != nil {
		return false, "control connection: " + err.Error()
	}
	defer c.Close()
	if sc.TLS {
		if err := c.AuthTLS(); err != nil {
			return false, err.Error()
		}
	}
	if err := c.Login("anonymous", "learner@ftplab"); err != nil {
		return false, err.Error()
	}
	for _, line := range sc.Script {
		mark := r.rec.mark()
		if err := r.step(c, line); err != nil {
			// Like curl after a failed transfer: hang up without QUIT.
			if e, ok := r.rec.dataReset(mark); ok {
				// The server's 426 alone does not say why: name the reset.
				return false, fmt.Sprintf("%s: %s [data #%d]; %v", line, e.Err, e.Conn, err)
			}
			return false, err.Error()
		}
	}
	if err := c.Quit(); err != nil {
		return false, "QUIT: " + err.Error()
	}
	return true, "every step of the script completed"
}

// pause is the client's wait before each transfer, in virtual time.
func (r *runner) pause() {
	if r.sc.Pause > 0 {
		r.world.Pause("client", time.Duration(r.sc.Pause))
	}
}

// uploadContent is what `put` sends: deterministic like the sample. size 0
// is the classic 64 lines; any other size is the same line, repeated and
// cut to size.
func uploadContent(name string, size int64) []byte {
	line := []byte("uploaded by the ftplab client as " + name + "\n")
	if size == 0 {
		return bytes.Repeat(line, 64)
	}
	return bytes.Repeat(line, int(size)/len(line)+1)[:size]
}

// step runs one line of the script and keeps what it received.
func (r *runner) step(c *ftp.Client, line string) error {
	st, err := scenario.ParseStep(line)
	if err != nil {
		return err
	}
	from := r.rec.mark()
	var data []byte
	var moved int64
	switch st.Verb {
	case "ls":
		data, err = c.List(st.Arg)
		moved = int64(len(data))
	case "nlst":
		var names []string
		names, err = c.NameList(st.Arg)
		if len(names) > 0 {
			data = []byte(strings.Join(names, "\r\n") + "\r\n")
		}
		moved = int64(len(data))
	case "get":
		var got bytes.Buffer
		moved, err = c.Retrieve(st.Arg, &got)
		data = got.Bytes()
		if err == nil && st.Arg == scenario.SampleFile {
			err = checkGet(st.Arg, data, r.sample)
		}
	case "put":
		data = uploadContent(st.Arg, int64(r.sc.FileSize))
		if moved, err = c.Store(st.Arg, bytes.NewReader(data)); err == nil {
			err = checkPut(r.root, st.Arg, data)
		}
	}
	if rc, ok := r.received(from, line, st, data, moved, err); ok {
		r.got = append(r.got, rc)
	}
	return err
}

// checkGet compares what a get received with the server's file.
func checkGet(name string, got, want []byte) error {
	if sha256.Sum256(got) != sha256.Sum256(want) {
		return fmt.Errorf("get %s: the bytes differ from the server's file (sha256; %d bytes received, %d sent)", name, len(got), len(want))
	}
	return nil
}

// checkPut compares the server's copy of a put, in root, with what was
// sent.
func checkPut(root, name string, sent []byte) error {
	got, err := os.ReadFile(filepath.Join(root, filepath.Base(name)))
	if err != nil {
		return fmt.Errorf("put %s: the server has no copy: %v", name, err)
	}
	if sha256.Sum256(got) != sha256.Sum256(sent) {
		return fmt.Errorf("put %s: the server's copy differs from what was sent (sha256; %d bytes stored, %d sent)", name, len(got), len(sent))
	}
	return nil
}

// listFiles lists the regular files under dir with their sizes and sha256.
func listFiles(dir string) []ServerFile {
	var files []ServerFile
	filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		rel, _ := filepath.Rel(dir, path)
		files = append(files, ServerFile{Name: filepath.ToSlash(rel), Size: int64(len(b)), SHA256: sha256.Sum256(b)})
		return nil
	})
	return files
}
