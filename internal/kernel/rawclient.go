//go:build linux

package kernel

import (
	"fmt"
	"strconv"

	"ftplab/sim/ftp"
)

// rawClient is a small FTP client for the rows curl cannot play: it writes
// each command in two send()s, the first split bytes first, on a socket
// with TCP_NODELAY, as ftplab's --split-commands client does, and it can
// wait pause seconds between the PORT/PASV reply and the transfer. It logs like
// curl -v ("> " commands, "< " replies) so the same parsers read it, and
// exits 0 only when the transfer ends with 226.
const rawClient = `
import socket, sys, re
import time
host, port, mode, me, split, pause = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), float(sys.argv[6])
def log(s): print(s, flush=True)
c = socket.create_connection((host, port), timeout=12)
c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
f = c.makefile('rb')
def reply():
    while True:
        line = f.readline().decode('latin-1').rstrip('\r\n')
        if not line:
            raise EOFError('connection closed')
        log('< ' + line)
        if re.match(r'^\d{3} ', line):
            return int(line[:3]), line
def cmd(text):
    log('> ' + text)
    b = (text + '\r\n').encode()
    if 0 < split < len(b):
        c.send(b[:split]); c.send(b[split:])
    else:
        c.send(b)
    return reply()
try:
    reply()
    cmd('USER anonymous'); cmd('PASS learner@ftplab'); cmd('TYPE I')
    data = None
    if mode in ('active', 'eprt'):
        l = socket.socket(); l.settimeout(12); l.bind((me, 0)); l.listen(1)
        p = l.getsockname()[1]
        arg = ('PORT %s,%d,%d' % (me.replace('.', ','), p >> 8, p & 255)) if mode == 'active' else ('EPRT |1|%s|%d|' % (me, p))
        code, _ = cmd(arg)
        if code != 200: sys.exit(1)
        time.sleep(pause)
        code, _ = cmd('RETR hello.txt')
        if code != 150: sys.exit(1)
        data, _ = l.accept()
    else:
        code, line = cmd('PASV' if mode == 'passive' else 'EPSV')
        if mode == 'passive':
            n = [int(x) for x in re.search(r'(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)', line).groups()]
            addr = ('%d.%d.%d.%d' % tuple(n[:4]), n[4] * 256 + n[5])
        else:
            addr = (host, int(re.search(r'\|\|\|(\d+)\|', line).group(1)))
        time.sleep(pause)
        data = socket.create_connection(addr, timeout=12)
        code, _ = cmd('RETR hello.txt')
        if code != 150: sys.exit(1)
    while data.recv(65536): pass
    data.close()
    code, _ = reply()
    cmd('QUIT')
    sys.exit(0 if code == 226 else 1)
except (OSError, EOFError) as e:
    log('client: (%s) %s' % (type(e).__name__, e))
    sys.exit(1)
`

// rawClientArgs runs rawClient for a row.
func rawClientArgs(r Row, a addresses) []string {
	mode := map[ftp.Mode]string{ftp.ModeActive: "active", ftp.ModeEPRT: "eprt", ftp.ModePassive: "passive", ftp.ModeEPSV: "epsv"}[r.Mode]
	return []string{"python3", "-c", rawClient, a.dialTarget, strconv.Itoa(r.Scenario().Port()), mode, a.client, fmt.Sprint(r.SplitCommands),
		fmt.Sprint(r.Pause.Seconds())}
}

// ftplibClient is Python's ftplib with its stock settings (passive unless
// the row is active); its debug output names each reply "*resp* 'NNN ...".
const ftplibClient = `
import ftplib, sys
host, port, mode = sys.argv[1], int(sys.argv[2]), sys.argv[3]
try:
    f = ftplib.FTP(timeout=12)
    f.set_debuglevel(1)
    f.connect(host, port)
    f.login()
    f.set_pasv(mode != 'active')
    f.retrbinary('RETR hello.txt', lambda b: None)
    f.quit()
except Exception as e:
    print('client: (%s) %s' % (type(e).__name__, e), flush=True)
    sys.exit(1)
`

// clientArgs is the command line of the row's client in the client
// namespace.
func clientArgs(r Row, a addresses) []string {
	port := strconv.Itoa(r.Scenario().Port())
	switch {
	case r.SplitCommands > 0 || r.Pause > 0:
		return rawClientArgs(r, a)
	case r.Client == "ftplib":
		return []string{"python3", "-c", ftplibClient, a.dialTarget, port, string(r.Mode)}
	case r.Client == "lftp":
		passive := "on"
		if r.Mode == ftp.ModeActive || r.Mode == ftp.ModeEPRT {
			passive = "off"
		}
		script := fmt.Sprintf("set xfer:clobber on; set net:max-retries 2; set net:timeout 12; set net:reconnect-interval-base 1; set ftp:passive-mode %s; set ftp:prefer-epsv %v; open -u anonymous,learner@ftplab ftp://%s:%s; get hello.txt -o /dev/null",
			passive, r.Mode == ftp.ModeEPSV, a.dialTarget, port)
		return []string{"lftp", "-d", "-c", script}
	}
	return append([]string{"curl"}, curlArgs(r, a)...)
}
