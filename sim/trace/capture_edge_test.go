package trace_test

import (
	"bytes"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"

	"ftplab/sim/trace"
	"ftplab/sim/trace/capture"
	"ftplab/sim/trace/export"
)

// These tests cut, reorder and merge the frames of an exported session,
// the way real captures come out, and import the result.

type frame struct {
	ci   gopacket.CaptureInfo
	data []byte
}

// framesOf exports a trace to pcap and reads the frames back.
func framesOf(t *testing.T, tr trace.Trace) []frame {
	t.Helper()
	var b bytes.Buffer
	if err := export.PCAP(&b, tr); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	var out []frame
	for {
		data, ci, err := r.ReadPacketData()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, frame{ci, data})
	}
}

// pcapOf writes frames as a pcap, each cut to snap bytes (0: whole).
func pcapOf(t *testing.T, frames []frame, snap int) *bytes.Buffer {
	t.Helper()
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		data, ci := f.data, f.ci
		ci.Length = len(data)
		if snap > 0 && len(data) > snap {
			data = data[:snap]
		}
		ci.CaptureLength = len(data)
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	return &b
}

func tcpOf(f frame) *layers.TCP {
	p := gopacket.NewPacket(f.data, layers.LinkTypeEthernet, gopacket.Default)
	tl, _ := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	return tl
}

// rebuild serializes a frame again after its TCP header was changed.
func rebuild(t *testing.T, f frame, change func(*layers.TCP)) frame {
	p := gopacket.NewPacket(f.data, layers.LinkTypeEthernet, gopacket.Default)
	eth := p.Layer(layers.LayerTypeEthernet).(*layers.Ethernet)
	ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	tl := p.Layer(layers.LayerTypeTCP).(*layers.TCP)
	change(tl)
	tl.SetNetworkLayerForChecksum(ip)
	buf := gopacket.NewSerializeBuffer()
	if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, eth, ip, tl, gopacket.Payload(tl.Payload)); err != nil {
		t.Fatal(err)
	}
	f.data = slices.Clone(buf.Bytes())
	return f
}

func importOf(t *testing.T, b *bytes.Buffer) trace.Trace {
	t.Helper()
	tr, err := capture.Read(b)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// bigTransfer is the passive fixture with a 6038-byte file: a write of
// 6000 bytes (five frames), then one of 38.
func bigTransfer(t *testing.T) trace.Trace {
	tr := loadFixture(t, "passive-list-get")
	for i, e := range tr.Events {
		if e.Kind == trace.Segment && e.Bytes == 4096 {
			tr.Events[i].Bytes = 6000
		}
	}
	return tr
}

func notes(tr trace.Trace) []trace.Event {
	var out []trace.Event
	for _, e := range tr.Events {
		if e.Kind == trace.Note {
			out = append(out, e)
		}
	}
	return out
}

// dataFrames are the indexes of frames with payload to port p's peer.
func payloadFrames(frames []frame, srcPort uint16) []int {
	var out []int
	for i, f := range frames {
		if tl := tcpOf(f); tl != nil && uint16(tl.SrcPort) == srcPort && len(tl.Payload) > 0 {
			out = append(out, i)
		}
	}
	return out
}

func TestImportReordersBySequence(t *testing.T) {
	frames := framesOf(t, bigTransfer(t))
	data := payloadFrames(frames, 30001)
	if len(data) != 6 { // 6000 bytes in five, then the last 38
		t.Fatalf("%d data frames, want 6", len(data))
	}
	// The second data frame overtakes the first, as on nDPI's capture.
	frames[data[0]], frames[data[1]] = frames[data[1]], frames[data[0]]
	tr := importOf(t, pcapOf(t, frames, 0))
	if got := dataBytes(tr); fmt.Sprint(got) != "[126 6038]" {
		t.Errorf("data bytes %v, want [126 6000]", got)
	}
	if n := notes(tr); len(n) != 0 {
		t.Errorf("notes %v, want none (nothing is missing)", n)
	}
}

func TestImportShowsGaps(t *testing.T) {
	frames := framesOf(t, bigTransfer(t))
	data := payloadFrames(frames, 30001)
	frames = slices.Delete(frames, data[2], data[2]+1) // one frame lost by the capture
	tr := importOf(t, pcapOf(t, frames, 0))
	var held, missing int64
	for _, e := range tr.Events {
		if e.Conn == 3 && e.Kind == trace.Segment {
			held += e.Bytes
		}
		if e.Conn == 3 && e.Kind == trace.Note {
			missing += e.Bytes
			if !strings.Contains(e.Text, "misses 1460 bytes") {
				t.Errorf("note %q", e.Text)
			}
		}
	}
	if held != 6038-1460 || missing != 1460 {
		t.Errorf("held %d, missing %d; want %d and 1460", held, missing, 6038-1460)
	}
	// A lost control frame ends the line before it: no two lines glued.
	frames = framesOf(t, bigTransfer(t))
	client := payloadFrames(frames, 2000)
	frames = slices.Delete(frames, client[1], client[1]+1) // PASS
	tr = importOf(t, pcapOf(t, frames, 0))
	for _, l := range controlLines(tr) {
		if strings.Contains(l, "PASS") {
			t.Errorf("line %q: the lost PASS is there", l)
		}
	}
	if n := notes(tr); len(n) != 1 || n[0].Host != "client" || n[0].Conn != 1 {
		t.Errorf("notes %+v, want one about the client's control bytes", n)
	}
}

func TestImportSnapLength(t *testing.T) {
	// 60: Ethernet+IP+TCP is 54, so 6 bytes of each payload are kept.
	tr := importOf(t, pcapOf(t, framesOf(t, bigTransfer(t)), 60))
	lines := controlLines(tr)
	for _, l := range lines {
		_, text, _ := strings.Cut(l, ": ")
		if len(text) > 6 {
			t.Errorf("line %q is longer than what the capture kept: glued across a cut", l)
		}
	}
	cut := 0
	for _, n := range notes(tr) {
		if strings.Contains(n.Text, "snap length") {
			cut++
		}
	}
	if cut == 0 || len(lines) == 0 {
		t.Errorf("%d lines, %d snap-length notes", len(lines), cut)
	}
	// 154 keeps every control line whole and cuts the data frames: the
	// data sizes still count what was sent.
	tr = importOf(t, pcapOf(t, framesOf(t, bigTransfer(t)), 154))
	var held, total int64
	for _, e := range tr.Events {
		if e.Conn == 3 && (e.Kind == trace.Segment || e.Kind == trace.Note) {
			total += e.Bytes
			if e.Kind == trace.Segment {
				held += e.Bytes
			}
		}
	}
	if total != 6038 || held != 5*100+38 {
		t.Errorf("data #3: %d bytes by sequence, %d held; want 6038 and %d", total, held, 5*100+38)
	}
}

func TestImportMidSession(t *testing.T) {
	frames := framesOf(t, bigTransfer(t))
	start := slices.IndexFunc(frames, func(f frame) bool { tl := tcpOf(f); return tl != nil && bytes.HasPrefix(tl.Payload, []byte("PASV")) })
	tr := importOf(t, pcapOf(t, frames[start:], 0))
	lines := controlLines(tr)
	if len(lines) == 0 || lines[0] != "client: PASV" {
		t.Fatalf("lines %q, want them from PASV", lines)
	}
	if n := notes(tr); len(n) == 0 || !strings.Contains(n[0].Text, "middle of this FTP session") {
		t.Errorf("notes %+v, want the mid-session one first", n)
	}
	if got := dataBytes(tr); len(got) != 2 {
		t.Errorf("data connections %v, want both", got)
	}
}

// twoSessions: the fixture, then again 10 s later from another client port.
func twoSessions(t *testing.T) []frame {
	a := framesOf(t, bigTransfer(t))
	second := loadFixture(t, "passive-list-get")
	for i, e := range second.Events {
		second.Events[i].From = strings.ReplaceAll(e.From, ":2000", ":2100")
		second.Events[i].To = strings.ReplaceAll(e.To, ":2000", ":2100")
		second.Events[i].From = strings.ReplaceAll(second.Events[i].From, ":4915", ":5915")
		second.Events[i].To = strings.ReplaceAll(second.Events[i].To, ":4915", ":5915")
		second.Events[i].T += 10_000_000
		if e.Text == "USER anonymous" {
			second.Events[i].Text = "USER alice"
			second.Events[i].Bytes = int64(len("USER alice\r\n"))
		}
	}
	return append(a, framesOf(t, second)...)
}

func TestImportEverySession(t *testing.T) {
	frames := twoSessions(t)
	sessions, err := capture.List(pcapOf(t, frames, 0))
	if err != nil {
		t.Fatal(err)
	}
	if len(sessions) != 2 || sessions[0].User != "anonymous" || sessions[1].User != "alice" || sessions[1].Data != 2 || sessions[1].Start.Sub(sessions[0].Start) != 10*time.Second {
		t.Fatalf("sessions %v", sessions)
	}
	res, err := capture.Import(pcapOf(t, frames, 0), capture.Options{Session: 2})
	if err != nil {
		t.Fatal(err)
	}
	if lines := controlLines(res.Trace); !slices.Contains(lines, "client: USER alice") || slices.Contains(lines, "client: USER anonymous") {
		t.Errorf("session 2 lines %q", lines)
	}
	if got := dataBytes(res.Trace); fmt.Sprint(got) != "[126 4134]" {
		t.Errorf("session 2 data %v", got)
	}
	if _, err := capture.Import(pcapOf(t, frames, 0), capture.Options{Session: 3}); err == nil || !strings.Contains(err.Error(), "has 2 FTP session") {
		t.Errorf("session 3: %v", err)
	}
}

// TestImportFINWithData: the last data frame carries the FIN (as
// Pure-FTPd's does): the bytes come before the close, and survive export.
func TestImportFINWithData(t *testing.T) {
	frames := framesOf(t, bigTransfer(t))
	data := payloadFrames(frames, 30001)
	last := data[len(data)-1]
	frames[last] = rebuild(t, frames[last], func(tl *layers.TCP) { tl.FIN = true })
	fin := slices.IndexFunc(frames[last+1:], func(f frame) bool { tl := tcpOf(f); return tl.FIN && tl.SrcPort == 30001 })
	frames = slices.Delete(frames, last+1+fin, last+2+fin)
	tr := importOf(t, pcapOf(t, frames, 0))
	var kinds []string
	for _, e := range tr.Events {
		if e.Conn == 3 && e.Host == "server" {
			kinds = append(kinds, string(e.Kind))
		}
	}
	if strings.Join(kinds, " ") != "segment segment close" {
		t.Errorf("server's events on data #3: %v, want the segment, then the close", kinds)
	}
	back := pcapRoundTrip(t, tr)
	if a, b := dataBytes(tr), dataBytes(back); fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprint(a) != "[126 6038]" {
		t.Errorf("data %v, after a round trip %v", a, b)
	}
}

// TestExportHalfClose: the client closes, the server still sends, then
// closes: both the bytes and the order survive export and import.
func TestExportHalfClose(t *testing.T) {
	tr := importOf(t, pcapOf(t, framesOf(t, bigTransfer(t)), 0))
	// Move the client's close of the control connection before the 221.
	var quit, bye, closeAt int
	for i, e := range tr.Events {
		switch {
		case e.Text == "QUIT":
			quit = i
		case strings.HasPrefix(e.Text, "221"):
			bye = i
		case e.Kind == trace.Close && e.Conn == 1 && e.Host == "client":
			closeAt = i
		}
	}
	if quit == 0 || bye == 0 || closeAt == 0 {
		t.Fatalf("no QUIT/221/close: %d %d %d", quit, bye, closeAt)
	}
	c := tr.Events[closeAt]
	c.T = tr.Events[quit].T
	evs := slices.Delete(slices.Clone(tr.Events), closeAt, closeAt+1)
	evs = slices.Insert(evs, quit+1, c)
	for i := range evs {
		evs[i].Seq = i
	}
	tr.Events = evs
	back := pcapRoundTrip(t, tr)
	want := []string{"client: QUIT", "client closes", "server: 221 Goodbye.", "server closes"}
	var got []string
	for _, e := range back.Events {
		if e.Conn == 1 && (e.Kind == trace.Close || strings.HasPrefix(e.Text, "QUIT") || strings.HasPrefix(e.Text, "221")) {
			got = append(got, strings.SplitN(trace.Describe(e), " 1", 2)[0])
		}
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("after a round trip %q, want %q", got, want)
	}
}

// TestImportPcapngInterfaces: interface 0 is Ethernet (other traffic),
// interface 1 raw IP with the FTP session.
func TestImportPcapngInterfaces(t *testing.T) {
	frames := framesOf(t, bigTransfer(t))
	var b bytes.Buffer
	w, err := pcapgo.NewNgWriter(&b, layers.LinkTypeEthernet)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := w.AddInterface(pcapgo.NgInterface{LinkType: layers.LinkTypeRaw, SnapLength: 65536})
	if err != nil {
		t.Fatal(err)
	}
	other := frames[0].data // an Ethernet frame on interface 0
	if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: frames[0].ci.Timestamp, CaptureLength: len(other), Length: len(other)}, other); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		ip := f.data[14:]
		ci := gopacket.CaptureInfo{Timestamp: f.ci.Timestamp, CaptureLength: len(ip), Length: len(ip), InterfaceIndex: raw}
		if err := w.WritePacket(ci, ip); err != nil {
			t.Fatal(err)
		}
	}
	w.Flush()
	tr := importOf(t, &b)
	if got := dataBytes(tr); fmt.Sprint(got) != "[126 6038]" {
		t.Errorf("data %v", got)
	}
}

// TestLineBytes: non-UTF-8 control bytes (a Latin-1 file name) and an
// unterminated last line survive import, the trace file and export byte
// for byte.
func TestLineBytes(t *testing.T) {
	for _, b := range []string{"RETR caf\xe9.txt", "plain", "caf\u00e9", "\uf7e9 is kept apart from \xe9", "\xff\xfe"} {
		text := trace.LineText([]byte(b))
		if !utf8Valid(text) || string(trace.LineBytes(text)) != b {
			t.Errorf("%q -> %q -> %q", b, text, trace.LineBytes(text))
		}
	}
	tr := bigTransfer(t)
	for i, e := range tr.Events {
		if e.Text == "RETR hello.txt" {
			tr.Events[i].Text, tr.Events[i].Bytes = trace.LineText([]byte("RETR caf\xe9.txt")), int64(len("RETR caf\xe9.txt\r\n"))
		}
		if e.Text == "221 Goodbye." {
			tr.Events[i].Bytes = int64(len(e.Text)) // the capture ends before its CR LF
		}
	}
	frames := framesOf(t, tr)
	found := false
	for _, f := range frames {
		if tl := tcpOf(f); tl != nil && string(tl.Payload) == "RETR caf\xe9.txt\r\n" {
			found = true
		}
	}
	if !found {
		t.Error("no frame carries the Latin-1 bytes")
	}
	back := importOf(t, pcapOf(t, frames, 0))
	var file bytes.Buffer
	if err := trace.Write(&file, back); err != nil {
		t.Fatal(err)
	}
	back, err := trace.Read(&file)
	if err != nil {
		t.Fatal(err)
	}
	var retr, bye trace.Event
	for _, e := range back.Events {
		switch {
		case strings.HasPrefix(e.Text, "RETR"):
			retr = e
		case strings.HasPrefix(e.Text, "221"):
			bye = e
		}
	}
	if string(trace.LineBytes(retr.Text)) != "RETR caf\xe9.txt" || retr.Bytes != 15 {
		t.Errorf("RETR came back as %q (%d bytes)", trace.LineBytes(retr.Text), retr.Bytes)
	}
	if bye.Text != "221 Goodbye." || bye.Bytes != 12 {
		t.Errorf("the unterminated 221 came back as %q (%d bytes)", bye.Text, bye.Bytes)
	}
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "\ufffd") == s }

// TestImportLinuxSLL2: what `tcpdump -i any` writes with libpcap 1.10 and
// later (link type 276): a 20-byte SLL2 header instead of Ethernet's.
func TestImportLinuxSLL2(t *testing.T) {
	var b bytes.Buffer
	w := pcapgo.NewWriter(&b)
	if err := w.WriteFileHeader(65536, layers.LinkTypeLinuxSLL2); err != nil {
		t.Fatal(err)
	}
	for _, f := range framesOf(t, bigTransfer(t)) {
		sll2 := make([]byte, 20, 20+len(f.data)-14)
		copy(sll2[0:2], f.data[12:14]) // protocol: the EtherType
		sll2[9] = 1                    // ARPHRD_ETHER
		sll2[10], sll2[11] = 0, 6      // to us, 6-byte address
		copy(sll2[12:18], f.data[6:12])
		sll2 = append(sll2, f.data[14:]...)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: f.ci.Timestamp, CaptureLength: len(sll2), Length: len(sll2)}, sll2); err != nil {
			t.Fatal(err)
		}
	}
	tr := importOf(t, &b)
	if got := dataBytes(tr); fmt.Sprint(got) != "[126 6038]" {
		t.Errorf("data %v", got)
	}
	if n := len(controlLines(tr)); n < 10 {
		t.Errorf("%d control lines", n)
	}
}
