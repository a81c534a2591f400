package ftp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// maxCommandLine is the longest command line the server reads (vsftpd's
// limit is similar). Longer lines are answered 500 and discarded unread.
const maxCommandLine = 4096

// session is one control connection.
type session struct {
	srv  *Server
	raw  net.Conn // the accepted socket; conn may wrap it in TLS
	conn net.Conn
	r    *bufio.Reader

	closeOnce sync.Once
	abortOnce sync.Once
	aborted   chan struct{} // closed by abort
	mu        sync.Mutex    // guards data for abort
	data      []io.Closer

	key       netip.Addr   // addrKey of the peer: per-address limits
	loginBy   atomic.Int64 // login deadline (Unix ns); 0 once logged in or never
	hangUp    bool         // the command asks dispatch to end the session
	user      string
	loggedIn  bool
	failures  int
	cwd       string // absolute virtual path, "/" is the root
	binary    bool
	rest      int64
	renameSrc string
	epsvAll   bool
	active    netip.AddrPort  // set by PORT/EPRT
	pasv      net.Listener    // set by PASV/EPSV
	protP     bool            // data connections use TLS (PROT P)
	secure    bool            // control channel is under TLS
	mlstFacts map[string]bool // OPTS MLST selection; nil: every fact
	umask     os.FileMode     // SITE UMASK; new files and directories
	tlsConf   *sessionTLS     // set by AUTH TLS
	pbsz      bool            // PBSZ came after AUTH TLS: PROT may follow

	ctl     *controlReader
	stashed *lineResult // a line that came in during a transfer
}

func newSession(s *Server, conn net.Conn) *session {
	keepUrgentInline(conn)
	c := &session{srv: s, raw: conn, conn: conn, r: bufio.NewReaderSize(conn, maxCommandLine+2), cwd: "/", umask: 0o022, aborted: make(chan struct{})}
	if s.cfg.LoginTimeout > 0 {
		c.loginBy.Store(time.Now().Add(s.cfg.LoginTimeout).UnixNano())
	}
	return c
}

// abort closes the session's sockets from another goroutine (Server.Close).
func (c *session) abort() {
	c.abortOnce.Do(func() { close(c.aborted) })
	c.raw.Close()
	c.mu.Lock()
	for _, d := range c.data {
		closeData(d)
	}
	c.mu.Unlock()
}

// track remembers a data socket so abort can close it.
func (c *session) track(d io.Closer) func() {
	c.mu.Lock()
	c.data = append(c.data, d)
	c.mu.Unlock()
	return func() {
		c.mu.Lock()
		for i, x := range c.data {
			if x == d {
				c.data = append(c.data[:i], c.data[i+1:]...)
				break
			}
		}
		c.mu.Unlock()
	}
}

func (c *session) addrs() (string, string) {
	return c.raw.LocalAddr().String(), c.raw.RemoteAddr().String()
}

func (c *session) serve() {
	c.startReader()
	defer c.stopReader()
	defer c.close()
	c.reply(220, "(ftplab)")
	for {
		var line string
		var err error
		if r := c.stashed; r != nil {
			c.stashed = nil
			line, err = r.line, r.err
		} else {
			line, err = c.nextLine()
		}
		if errors.Is(err, errLineTooLong) {
			c.reply(500, "Command line too long.")
			continue
		}
		if errors.Is(err, errBadLine) {
			c.reply(501, "Syntax error in parameters or arguments.")
			continue
		}
		if err != nil {
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if c.loggedIn {
					c.reply(421, "Timeout.")
				} else {
					c.reply(421, "Login timed out.")
				}
			}
			return
		}
		local, remote := c.addrs()
		c.srv.cfg.Observer.emit(Event{Kind: EvCommand, Channel: Control, Local: local, Remote: remote, Text: line})
		if quit := c.dispatch(line); quit {
			return
		}
	}
}

func (c *session) close() {
	c.closeOnce.Do(func() {
		if c.pasv != nil {
			c.pasv.Close()
		}
		local, remote := c.addrs()
		c.conn.Close()
		c.srv.cfg.Observer.emit(Event{Kind: EvClose, Channel: Control, Local: local, Remote: remote})
	})
}

const telnetSynch = "\xff\xf4\xf2"

var (
	errLineTooLong = errors.New("command line too long")
	errBadLine     = errors.New("NUL or bare CR in command line")
)

// readCommand reads one line. A line over maxCommandLine is skipped to its
// end without being kept in memory, so a 1 MB line costs nothing.
func (c *session) readCommand() (string, error) {
	frag, err := c.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull || (err == nil && len(frag) > maxCommandLine+2) {
		for err == bufio.ErrBufferFull {
			_, err = c.r.ReadSlice('\n')
		}
		if err != nil {
			return "", err
		}
		return "", errLineTooLong
	}
	if err != nil {
		return "", err
	}
	line := strings.TrimSuffix(strings.TrimSuffix(string(frag), "\n"), "\r")
	// Telnet "interrupt process" and "synch" (IAC IP IAC DM) that clients
	// such as Python's ftplib put before ABOR; the DM may have gone out of
	// band, so strip whatever of it arrived.
	// Byte by byte: strings.TrimLeft reads its cutset as UTF-8, where these
	// bytes are all U+FFFD, and would strip any invalid byte at the start.
	for len(line) > 0 && strings.IndexByte(telnetSynch, line[0]) >= 0 {
		line = line[1:]
	}
	if strings.ContainsAny(line, "\x00\r") {
		return "", errBadLine
	}
	return line, nil
}

// reply sends one single-line reply.
func (c *session) reply(code int, text string) {
	c.send(fmt.Sprintf("%d %s", code, text))
}

// replyLines sends a multi-line reply (RFC 959 4.2): "code-first", the
// middle lines indented by a space, "code last".
func (c *session) replyLines(code int, first string, middle []string, last string) {
	c.send(fmt.Sprintf("%d-%s", code, first))
	for _, m := range middle {
		c.send(" " + m)
	}
	c.send(fmt.Sprintf("%d %s", code, last))
}

func (c *session) send(line string) {
	line = oneLine(line)
	local, remote := c.addrs()
	c.srv.cfg.Observer.emit(Event{Kind: EvReply, Channel: Control, Local: local, Remote: remote, Text: line})
	c.conn.SetWriteDeadline(time.Now().Add(c.srv.cfg.DataTimeout))
	io.WriteString(c.conn, line+"\r\n")
}

// command describes one verb.
type command struct {
	fn       func(c *session, arg string)
	needArg  bool
	preLogin bool // allowed before login
	upload   bool // needs AllowUpload
}

var commands map[string]command

func init() {
	commands = map[string]command{
		"USER": {fn: (*session).cmdUSER, needArg: true, preLogin: true},
		"PASS": {fn: (*session).cmdPASS, preLogin: true},
		"QUIT": {preLogin: true}, // handled in dispatch
		"NOOP": {fn: func(c *session, _ string) { c.reply(200, "NOOP ok.") }, preLogin: true},
		"SYST": {fn: func(c *session, _ string) { c.reply(215, "UNIX Type: L8") }, preLogin: true},
		"FEAT": {fn: (*session).cmdFEAT, preLogin: true},
		"HELP": {fn: (*session).cmdHELP, preLogin: true},
		"OPTS": {fn: (*session).cmdOPTS, needArg: true, preLogin: true},
		"AUTH": {fn: (*session).cmdAUTH, needArg: true, preLogin: true},
		"PBSZ": {fn: (*session).cmdPBSZ, needArg: true, preLogin: true},
		"PROT": {fn: (*session).cmdPROT, needArg: true, preLogin: true},
		"TYPE": {fn: (*session).cmdTYPE, needArg: true},
		"MODE": {fn: (*session).cmdMODE, needArg: true},
		"STRU": {fn: (*session).cmdSTRU, needArg: true},
		"PWD":  {fn: (*session).cmdPWD},
		"XPWD": {fn: (*session).cmdPWD},
		"CWD":  {fn: (*session).cmdCWD, needArg: true},
		"XCWD": {fn: (*session).cmdCWD, needArg: true},
		"CDUP": {fn: func(c *session, _ string) { c.cmdCWD("..") }},
		"XCUP": {fn: func(c *session, _ string) { c.cmdCWD("..") }},
		"PORT": {fn: (*session).cmdPORT, needArg: true},
		"EPRT": {fn: (*session).cmdEPRT, needArg: true},
		"PASV": {fn: (*session).cmdPASV},
		"EPSV": {fn: (*session).cmdEPSV},
		"LIST": {fn: (*session).cmdLIST},
		"NLST": {fn: (*session).cmdNLST},
		"MLSD": {fn: (*session).cmdMLSD},
		"MLST": {fn: (*session).cmdMLST},
		"RETR": {fn: (*session).cmdRETR, needArg: true},
		"STOR": {fn: func(c *session, a string) { c.cmdSTOR(a, storeNew) }, needArg: true, upload: true},
		"APPE": {fn: func(c *session, a string) { c.cmdSTOR(a, storeAppend) }, needArg: true, upload: true},
		"STOU": {fn: func(c *session, a string) { c.cmdSTOR(a, storeUnique) }, upload: true},
		"MFMT": {fn: (*session).cmdMFMT, needArg: true, upload: true},
		"SITE": {fn: (*session).cmdSITE, needArg: true},
		"ALLO": {fn: func(c *session, _ string) { c.reply(202, "ALLO command ignored.") }},
		"ACCT": {fn: notImplemented},
		"SMNT": {fn: notImplemented},
		"REIN": {fn: notImplemented},
		"DELE": {fn: (*session).cmdDELE, needArg: true, upload: true},
		"MKD":  {fn: (*session).cmdMKD, needArg: true, upload: true},
		"XMKD": {fn: (*session).cmdMKD, needArg: true, upload: true},
		"RMD":  {fn: (*session).cmdRMD, needArg: true, upload: true},
		"XRMD": {fn: (*session).cmdRMD, needArg: true, upload: true},
		"RNFR": {fn: (*session).cmdRNFR, needArg: true, upload: true},
		"RNTO": {fn: (*session).cmdRNTO, needArg: true, upload: true},
		"SIZE": {fn: (*session).cmdSIZE, needArg: true},
		"MDTM": {fn: (*session).cmdMDTM, needArg: true},
		"REST": {fn: (*session).cmdREST, needArg: true},
		"ABOR": {fn: func(c *session, _ string) { c.reply(225, "No transfer to ABOR.") }},
		"STAT": {fn: (*session).cmdSTAT},
	}
}

// notImplemented answers the RFC 959 verbs this server leaves out, as
// vsftpd does: 502 says "known, not here", where 500 says "never heard of".
func notImplemented(c *session, _ string) { c.reply(502, "Command not implemented.") }

// dispatch runs one command line; it reports whether the session ends.
func (c *session) dispatch(line string) (quit bool) {
	verb, arg, _ := strings.Cut(line, " ")
	verb = strings.ToUpper(verb)
	cmd, ok := commands[verb]
	switch {
	case !ok:
		c.reply(500, "Unknown command.")
		return false
	case verb == "QUIT":
		c.reply(221, "Goodbye.")
		return true
	case !cmd.preLogin && !c.loggedIn:
		c.reply(530, "Please login with USER and PASS.")
		return false
	case cmd.needArg && strings.TrimSpace(arg) == "":
		c.reply(501, "Syntax error in parameters or arguments.")
		return false
	case cmd.upload && !c.mayWrite(verb):
		c.reply(550, "Permission denied.")
		return false
	}
	if verb != "RNTO" {
		defer func() {
			if verb != "RNFR" {
				c.renameSrc = ""
			}
		}()
	}
	cmd.fn(c, arg)
	return c.hangUp
}

func (c *session) cmdUSER(arg string) {
	if c.srv.cfg.RequireTLS && !c.secure {
		c.reply(530, "This server requires TLS: AUTH TLS first.")
		return
	}
	if c.loggedIn {
		c.reply(530, "Can't change to another user.")
		return
	}
	c.user = arg
	c.reply(331, "Please specify the password.")
}

func (c *session) cmdPASS(arg string) {
	switch {
	case c.loggedIn:
		c.reply(230, "Already logged in.")
		return
	case c.user == "":
		c.reply(503, "Login with USER first.")
		return
	}
	cfg := c.srv.cfg
	if !c.awaitLoginSlot() {
		return
	}
	anon := c.user == "anonymous" || c.user == "ftp"
	want, known := cfg.Users[c.user]
	if (anon && cfg.Anonymous) || (known && !anon && want == arg) {
		c.loggedIn = true
		c.loginBy.Store(0)
		c.reply(230, "Login successful.")
		return
	}
	c.loginFailed()
}

func (c *session) cmdFEAT(string) {
	feats := []string{"EPRT", "EPSV", "MDTM", "MFMT", featMLST(c.mlstFacts), "PASV", "REST STREAM", "SIZE", "TVFS", "UTF8"}
	if c.srv.cfg.TLS != nil {
		feats = append([]string{"AUTH TLS", "PBSZ", "PROT"}, feats...)
	}
	c.replyLines(211, "Features:", feats, "End")
}

func (c *session) cmdHELP(string) {
	verbs := make([]string, 0, len(commands))
	for v := range commands {
		verbs = append(verbs, v)
	}
	slices.Sort(verbs)
	var rows []string
	for i := 0; i < len(verbs); i += 8 {
		rows = append(rows, strings.Join(verbs[i:min(i+8, len(verbs))], " "))
	}
	c.replyLines(214, "The following commands are recognized.", rows, "Help OK.")
}

func (c *session) cmdOPTS(arg string) {
	if strings.EqualFold(strings.TrimSpace(arg), "UTF8 ON") {
		c.reply(200, "Always in UTF8 mode.")
		return
	}
	if opt, list, _ := strings.Cut(strings.TrimSpace(arg), " "); strings.EqualFold(opt, "MLST") {
		c.optsMLST(list)
		return
	}
	c.reply(501, "Option not understood.")
}

func (c *session) cmdAUTH(arg string) {
	cfg := c.srv.cfg.TLS
	switch {
	case cfg == nil:
		c.reply(530, "Please login with USER and PASS.")
		return
	case c.secure:
		c.reply(503, "Already using TLS.")
		return
	case !strings.EqualFold(arg, "TLS") && !strings.EqualFold(arg, "SSL") && !strings.EqualFold(arg, "TLS-C"):
		c.reply(504, "Unknown AUTH type.")
		return
	}
	c.reply(234, "Proceed with negotiation.")
	if err := c.startTLS(); err != nil {
		c.srv.logf("AUTH TLS handshake: %v", err)
		c.conn.Close()
	}
}

func (c *session) cmdPBSZ(arg string) {
	if !c.secure {
		c.reply(503, "PBSZ needs a secure connection (AUTH TLS).")
		return
	}
	c.pbsz = true
	c.reply(200, "PBSZ set to 0.")
}

func (c *session) cmdPROT(arg string) {
	switch {
	case !c.secure:
		c.reply(503, "PROT needs a secure connection (AUTH TLS).")
	case !c.pbsz:
		c.reply(503, "PBSZ first (RFC 4217).")
	case strings.EqualFold(arg, "P"):
		c.protP = true
		c.reply(200, "PROT now Private.")
	case strings.EqualFold(arg, "C"):
		c.protP = false
		c.reply(200, "PROT now Clear.")
	default:
		c.reply(536, "PROT level not supported.")
	}
}

func (c *session) cmdTYPE(arg string) {
	switch strings.ToUpper(strings.Join(strings.Fields(arg), " ")) {
	case "I", "L 8":
		c.binary = true
		c.reply(200, "Switching to Binary mode.")
	case "A", "A N":
		c.binary = false
		c.reply(200, "Switching to ASCII mode.")
	default:
		c.reply(504, "Unrecognised TYPE command.")
	}
}

func (c *session) cmdMODE(arg string) {
	if strings.EqualFold(arg, "S") {
		c.reply(200, "Mode set to S.")
		return
	}
	c.reply(504, "Bad MODE command.")
}

func (c *session) cmdSTRU(arg string) {
	if strings.EqualFold(arg, "F") {
		c.reply(200, "Structure set to F.")
		return
	}
	c.reply(504, "Bad STRU command.")
}

func (c *session) cmdSTAT(arg string) {
	if arg != "" {
		c.statPath(arg)
		return
	}
	_, remote := c.addrs()
	mode := "ASCII"
	if c.binary {
		mode = "BINARY"
	}
	c.replyLines(211, "FTP server status:", []string{
		"Connected to " + remote,
		"Logged in as " + c.user,
		"TYPE: " + mode,
		"Session bandwidth limit: none",
	}, "End of status")
}

// fileErr turns a filesystem error into the reply a client can act on.
func (c *session) fileErr(op string, err error) {
	switch {
	case errors.Is(err, os.ErrNotExist):
		c.reply(550, op+": no such file or directory.")
	case errors.Is(err, os.ErrPermission):
		c.reply(550, op+": permission denied.")
	case isEscape(err):
		c.reply(550, op+": path is outside the served directory.")
	default:
		c.reply(550, op+": failed.")
	}
}
