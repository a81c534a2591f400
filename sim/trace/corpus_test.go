package trace_test

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"ftplab/internal/peertest"
	"ftplab/sim/trace"
	"ftplab/sim/trace/capture"
	"ftplab/sim/trace/export"
)

// corpusDir finds the corpus of third-party captures (sources and hashes
// in its SOURCES.md): FTPLAB_CAPTURES, else testdata/captures, else
// ../shared/captures next to the checkout. Absent, the test skips, except
// under CI=true.
func corpusDir(t *testing.T) string {
	dirs := []string{os.Getenv("FTPLAB_CAPTURES"), filepath.Join("testdata", "captures"), filepath.Join("..", "..", "..", "shared", "captures")}
	for _, d := range dirs {
		if d == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(d, "SOURCES.md")); err == nil {
			return d
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("the capture corpus is missing (looked in %q); set FTPLAB_CAPTURES", dirs)
	}
	t.Skipf("the capture corpus is not here (looked in %q; set FTPLAB_CAPTURES)", dirs)
	return ""
}

// corpus lists each shared capture and what is known about it beyond
// tshark's view: how many FTP sessions it has.
var corpus = []struct {
	file     string
	sessions int // 0: not FTP, import must refuse it
}{
	{"aliawa-ftp.pcap", 2}, // the second: one 425 reply to another client on port 21
	{"csaw14-traffic-5.pcap", 2},
	{"ipv4-cut-2of3.pcap", 1},
	{"jovair-ftp.pcapng", 1},
	{"loopback-sll2.pcap", 1},
	{"luguifang-smtp-attachment.pcap", 0},
	{"ndpi-ftp.pcap", 1},
	{"sv-firewall-116-ftp-all-data-ipv4.pcap", 2},
	{"sv-ftp-download-active.pcap", 1},
	{"sv-ftp-upload-passive.pcap", 1},
	{"zeek-bigtransfer.pcap", 1},
	{"zeek-ftp-auth-tls.pcap", 1},
	{"zeek-ftp-with-numbers-in-filename.pcap", 1},
	{"zeek-ipv4.pcap", 1},
	{"zeek-ipv6.pcap", 1},
}

// TestCorpusAgreesWithTshark imports every FTP session of every shared
// capture and checks it against tshark's own reassembly: the control
// bytes each way (every command and reply, and where tshark says bytes
// are missing, the same number missing), the size of every data
// connection each way by sequence number, and every connection tshark
// links as ftp-data being one of the session's. Then import -> export
// (pcap and pcapng) -> import must give the same events.
func TestCorpusAgreesWithTshark(t *testing.T) {
	dir := corpusDir(t)
	tshark := peertest.Need(t, "tshark")[0]
	for _, c := range corpus {
		t.Run(c.file, func(t *testing.T) {
			path := filepath.Join(dir, c.file)
			sessions, err := capture.List(openFile(t, path))
			if c.sessions == 0 {
				if err == nil || !strings.Contains(err.Error(), "no FTP session") {
					t.Fatalf("not FTP, yet: %v %v", sessions, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(sessions) != c.sessions {
				t.Fatalf("%d sessions, want %d: %v", len(sessions), c.sessions, sessions)
			}
			ref := readTshark(t, tshark, path)
			claimed := map[int]bool{}
			for n := 1; n <= len(sessions); n++ {
				res, err := capture.Import(openFile(t, path), capture.Options{Session: n})
				if err != nil {
					t.Fatal(err)
				}
				tr := res.Trace
				checkControl(t, n, tr, ref, tshark, path)
				for _, s := range checkData(t, n, tr, ref, tshark, path) {
					claimed[s] = true
				}
				checkRoundTrip(t, n, tr, export.PCAP)
				checkRoundTrip(t, n, tr, export.PCAPNG)
			}
			for s := range ref.ftpData {
				if !claimed[s] {
					t.Errorf("tshark links tcp.stream %d as ftp-data, but no session has it", s)
				}
			}
		})
	}
}

func openFile(t *testing.T, path string) *os.File {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// tsharkView is what tshark says about a capture's TCP streams.
type tsharkView struct {
	streams map[[2]netip.AddrPort][]int // (src, dst) of a stream's first packet -> stream numbers
	spans   map[int]map[netip.AddrPort]int64
	ftpData map[int]bool
}

func readTshark(t *testing.T, tshark, path string) tsharkView {
	out, err := exec.Command(tshark, "-r", path, "-Y", "tcp", "-T", "fields", "-E", "separator=/t",
		"-e", "tcp.stream", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport",
		"-e", "tcp.seq", "-e", "tcp.len", "-e", "tcp.flags.syn", "-e", "ftp-data.setup-method").Output()
	if err != nil && len(out) == 0 { // a cut file: tshark exits 2 after the complete packets
		t.Fatalf("tshark: %v", err)
	}
	v := tsharkView{streams: map[[2]netip.AddrPort][]int{}, spans: map[int]map[netip.AddrPort]int64{}, ftpData: map[int]bool{}}
	// tshark's relative sequence numbers are 32-bit; past 4 GiB they wrap.
	// Unwrapped in capture order (the step from the last one is below
	// 2 GiB), as the importer does.
	type dirState struct {
		base, end   int64
		syn, seen   bool
		last        uint32
		lastExt     int64
		unwrapStart bool
	}
	state := map[int]map[netip.AddrPort]*dirState{}
	var order []int
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		f := strings.Split(sc.Text(), "\t")
		if len(f) < 11 {
			continue
		}
		stream, _ := strconv.Atoi(f[0])
		src := netip.AddrPortFrom(netip.MustParseAddr(f[1]+f[2]), uint16(atoi(f[3])))
		dst := netip.AddrPortFrom(netip.MustParseAddr(f[4]+f[5]), uint16(atoi(f[6])))
		raw, n := uint32(atoi(f[7])), int64(atoi(f[8]))
		if state[stream] == nil {
			state[stream] = map[netip.AddrPort]*dirState{}
			v.streams[[2]netip.AddrPort{src, dst}] = append(v.streams[[2]netip.AddrPort{src, dst}], stream)
			order = append(order, stream)
		}
		d := state[stream][src]
		if d == nil {
			d = &dirState{}
			state[stream][src] = d
		}
		seq := int64(raw)
		if d.unwrapStart {
			seq = d.lastExt + int64(int32(raw-d.last))
		}
		d.unwrapStart, d.last, d.lastExt = true, raw, seq
		if f[9] == "1" {
			d.syn, d.base = true, 1
		}
		if n > 0 {
			if !d.syn && (!d.seen || seq < d.base) {
				d.base = seq
			}
			d.seen = true
			d.end = max(d.end, seq+n)
		}
		if f[10] != "" {
			v.ftpData[stream] = true
		}
	}
	for _, s := range order {
		v.spans[s] = map[netip.AddrPort]int64{}
		for src, d := range state[s] {
			if d.seen {
				v.spans[s][src] = d.end - d.base
			}
		}
	}
	return v
}

func atoi(s string) int { n, _ := strconv.Atoi(s); return n }

// streamOf finds tshark's stream for a connection of the trace.
func (v tsharkView) streamOf(t *testing.T, from, to string) int {
	a, b := netip.MustParseAddrPort(from), netip.MustParseAddrPort(to)
	for _, k := range [][2]netip.AddrPort{{a, b}, {b, a}} {
		if s := v.streams[k]; len(s) > 0 {
			return s[0]
		}
	}
	t.Fatalf("tshark has no stream %s - %s", from, to)
	return -1
}

// connEnds is each connection's dialer and listener, from its first
// syn or connected event.
func connEnds(tr trace.Trace) map[int][2]string {
	out := map[int][2]string{}
	for _, e := range tr.Events {
		if _, ok := out[e.Conn]; !ok && (e.Kind == trace.SYN || e.Kind == trace.Connected) {
			out[e.Conn] = [2]string{e.From, e.To}
		}
	}
	return out
}

// checkControl compares the control bytes each way with tshark's
// follow,tcp,raw, gaps written as tshark writes them. After AUTH TLS the
// trace has sizes only: then the clear part must be tshark's beginning,
// and the total the same.
func checkControl(t *testing.T, n int, tr trace.Trace, ref tsharkView, tshark, path string) {
	ends := connEnds(tr)
	ctrl := 0
	for _, e := range tr.Events {
		if e.Channel == trace.Control && e.Conn > 0 {
			ctrl = e.Conn
			break
		}
	}
	stream := ref.streamOf(t, ends[ctrl][0], ends[ctrl][1])
	want := tsharkFollow(t, tshark, path, stream)[stream]
	got := map[string][]byte{}
	secret := map[string]int64{}
	for _, e := range tr.Events {
		if e.Conn != ctrl {
			continue
		}
		switch {
		case e.Kind == trace.Segment && e.Text != "":
			got[e.From] = append(got[e.From], []byte(lineWithEOL(e))...)
		case e.Kind == trace.Segment:
			secret[e.From] += e.Bytes
		case e.Kind == trace.Note && e.Bytes > 0:
			got[e.From] = fmt.Appendf(got[e.From], "[%d bytes missing in capture file]\x00", e.Bytes)
		}
	}
	for from, w := range want {
		g := got[from]
		if secret[from] > 0 {
			if !bytes.HasPrefix(w, g) || int64(len(g))+secret[from] != int64(len(w)) {
				t.Errorf("session %d, control from %s: %d clear + %d encrypted bytes; tshark %d bytes", n, from, len(g), secret[from], len(w))
			}
			continue
		}
		if !bytes.Equal(g, w) {
			t.Errorf("session %d, control from %s differs from tshark's:\n got %q\nwant %q", n, from, g, w)
		}
	}
}

// lineWithEOL is a control line's bytes as they were sent.
func lineWithEOL(e trace.Event) string {
	b := trace.LineBytes(e.Text)
	switch e.Bytes - int64(len(b)) {
	case 0:
		return string(b)
	case 1:
		return string(b) + "\n"
	}
	return string(b) + "\r\n"
}

// tsharkFollow is tshark's reassembly of streams, by stream and sending
// end (one tshark run for all of them).
func tsharkFollow(t *testing.T, tshark, path string, streams ...int) map[int]map[string][]byte {
	args := []string{"-r", path, "-q"}
	for _, s := range streams {
		args = append(args, "-z", fmt.Sprintf("follow,tcp,raw,%d", s))
	}
	out, err := exec.Command(tshark, args...).Output()
	if err != nil && len(out) == 0 {
		t.Fatalf("tshark follow: %v", err)
	}
	nodes := [2]string{}
	all := map[int]map[string][]byte{}
	var got map[string][]byte
	for _, l := range strings.Split(string(out), "\n") {
		switch {
		case strings.HasPrefix(l, "Filter: tcp.stream eq "):
			got = map[string][]byte{}
			all[atoi(strings.TrimPrefix(l, "Filter: tcp.stream eq "))] = got
		case strings.HasPrefix(l, "Node 0: "):
			nodes[0] = netip.MustParseAddrPort(strings.TrimPrefix(l, "Node 0: ")).String()
		case strings.HasPrefix(l, "Node 1: "):
			nodes[1] = netip.MustParseAddrPort(strings.TrimPrefix(l, "Node 1: ")).String()
		case l == "" || strings.HasPrefix(l, "=") || strings.Contains(l, ":"):
		default:
			node := 0
			if strings.HasPrefix(l, "\t") {
				node = 1
			}
			b, err := hex.DecodeString(strings.TrimSpace(l))
			if err != nil {
				t.Fatalf("tshark follow line %q: %v", l, err)
			}
			got[nodes[node]] = append(got[nodes[node]], b...)
		}
	}
	return all
}

// missingMarker is how tshark's follow shows bytes a capture lacks.
var missingMarker = regexp.MustCompile(`\[(\d+) bytes missing in capture file\]\x00`) // NUL-terminated

// heldAndMissing splits tshark's reassembly into the bytes it holds and
// those it says are missing.
func heldAndMissing(b []byte) (held, missing int64) {
	for _, m := range missingMarker.FindAllSubmatchIndex(b, -1) {
		missing += int64(atoi(string(b[m[2]:m[3]])))
		held -= int64(m[1] - m[0])
	}
	return held + int64(len(b)), missing
}

// checkData compares each data connection's size each way, counted by
// sequence number (bytes the capture holds plus those it misses), with
// tshark's sequence span. It returns tshark's streams of the session's
// data connections.
func checkData(t *testing.T, n int, tr trace.Trace, ref tsharkView, tshark, path string) []int {
	ends := connEnds(tr)
	sizes := map[int]map[string]int64{}
	missing := map[int]map[string]int64{}
	for _, e := range tr.Events {
		if e.Channel == trace.Data && (e.Kind == trace.Segment || (e.Kind == trace.Note && e.Bytes > 0)) {
			if sizes[e.Conn] == nil {
				sizes[e.Conn], missing[e.Conn] = map[string]int64{}, map[string]int64{}
			}
			sizes[e.Conn][e.From] += e.Bytes
			if e.Kind == trace.Note {
				missing[e.Conn][e.From] += e.Bytes
			}
		}
	}
	var streams []int
	defer func() {
		// Which bytes are held and which missing, as tshark's follow says.
		follow := tsharkFollow(t, tshark, path, streams...)
		for c, end := range ends {
			s := ref.streamOf(t, end[0], end[1])
			f, ok := follow[s]
			if !ok || sizes[c] == nil {
				continue
			}
			for _, from := range end {
				held, miss := heldAndMissing(f[from])
				if got := sizes[c][from] - missing[c][from]; got != held || missing[c][from] != miss {
					t.Errorf("session %d, data #%d from %s: %d bytes held, %d missing; tshark's follow %d held, %d missing", n, c, from, got, missing[c][from], held, miss)
				}
			}
		}
	}()
	for c, end := range ends {
		isData := false
		for _, e := range tr.Events {
			if e.Conn == c && e.Channel == trace.Data {
				isData = true
				break
			}
		}
		if !isData {
			continue
		}
		s := ref.streamOf(t, end[0], end[1])
		streams = append(streams, s)
		for _, from := range end {
			want, got := ref.spans[s][netip.MustParseAddrPort(from)], sizes[c][from]
			if want != got {
				t.Errorf("session %d, data #%d from %s: %d bytes, tshark's span %d", n, c, from, got, want)
			}
		}
	}
	return streams
}

// checkRoundTrip: export the trace as a capture and import it again: the
// same events (times, kinds, lines, sizes, gaps). Only the note that the
// original file was cut is not in a capture made from the trace.
func checkRoundTrip(t *testing.T, n int, tr trace.Trace, write func(w io.Writer, t trace.Trace) error) {
	var buf bytes.Buffer
	if err := write(&buf, tr); err != nil {
		t.Fatalf("session %d: export: %v", n, err)
	}
	back, err := capture.Read(&buf)
	if err != nil {
		t.Fatalf("session %d: re-import: %v", n, err)
	}
	a, b := comparable(tr), comparable(back)
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			t.Errorf("session %d: round trip differs at event %d:\n got %v\nwant %v", n, i, at(b, i), at(a, i))
			return
		}
	}
}

func at(s []string, i int) string {
	if i < len(s) {
		return s[i]
	}
	return "(none)"
}

func comparable(tr trace.Trace) []string {
	var out []string
	for _, e := range tr.Events {
		if e.Kind == trace.Note && e.Conn == 0 && strings.Contains(e.Text, "file ends in the middle") {
			continue
		}
		e.Seq = 0
		out = append(out, fmt.Sprintf("%+v", e))
	}
	return out
}
