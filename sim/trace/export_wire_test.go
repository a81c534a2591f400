package trace_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ftplab/internal/peertest"
	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

// writeExport writes a recorded scenario with an exporter and returns the path.
func writeExport(t *testing.T, sc scenario.Scenario, name string, write func(*os.File, trace.Trace) error) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := write(f, record(t, sc)); err != nil {
		t.Fatal(err)
	}
	return path
}

func asPCAP(f *os.File, tr trace.Trace) error   { return export.PCAP(f, tr) }
func asPCAPNG(f *os.File, tr trace.Trace) error { return export.PCAPNG(f, tr) }

func fieldLines(out string) []string {
	var l []string
	for _, s := range strings.Split(strings.TrimSpace(out), "\n") {
		if s != "" {
			l = append(l, s)
		}
	}
	return l
}

// TestPCAPTLSRecords: after AUTH TLS, Wireshark sees TLS application data
// on the control channel, not FTP commands made of filler.
func TestPCAPTLSRecords(t *testing.T) {
	peertest.Need(t, "tshark")
	pcap := writeExport(t, scenario.Scenario{Mode: ftp.ModePassive, TLS: true}, "tls.pcap", asPCAP)
	cmds := fieldLines(tshark(t, pcap, "-Y", "ftp.request.command", "-T", "fields", "-e", "ftp.request.command"))
	if len(cmds) == 0 || cmds[len(cmds)-1] != "AUTH" {
		t.Errorf("FTP commands %q: the last one in clear should be AUTH", cmds)
	}
	records := fieldLines(tshark(t, pcap, "-Y", "tls.record.content_type == 23 && tcp.port == 21", "-T", "fields", "-e", "frame.number"))
	if len(records) < 4 {
		t.Errorf("%d frames with TLS application data on port 21, want the encrypted session", len(records))
	}
	if bad := tshark(t, pcap, "-Y", "_ws.malformed || _ws.expert.severity >= error"); strings.TrimSpace(bad) != "" {
		t.Errorf("malformed frames:\n%s", bad)
	}
}

// TestPCAPRejectAcksTheSYN: a REJECT's RST has sequence 0 and acknowledges
// the SYN (its sequence number + 1), as a real stack answers.
func TestPCAPRejectAcksTheSYN(t *testing.T) {
	peertest.Need(t, "tshark")
	pcap := writeExport(t, scenario.Scenario{Mode: ftp.ModePassive, Firewall: "server", Reject: true, Expect: "fail"}, "reject.pcap", asPCAP)
	syns := map[string]uint64{}
	for _, l := range fieldLines(tshark(t, pcap, "-Y", "tcp.flags.syn == 1 && tcp.flags.ack == 0", "-T", "fields", "-e", "tcp.stream", "-e", "tcp.seq_raw")) {
		f := strings.Fields(l)
		syns[f[0]], _ = strconv.ParseUint(f[1], 10, 32)
	}
	rsts := fieldLines(tshark(t, pcap, "-Y", "tcp.flags.reset == 1 && tcp.flags.ack == 1", "-T", "fields", "-e", "tcp.stream", "-e", "tcp.seq_raw", "-e", "tcp.ack_raw"))
	if len(rsts) == 0 {
		t.Fatal("no RST/ACK in the capture")
	}
	for _, l := range rsts {
		f := strings.Fields(l)
		ack, _ := strconv.ParseUint(f[2], 10, 32)
		if f[1] != "0" || ack != syns[f[0]]+1 {
			t.Errorf("stream %s: RST seq %s ack %d, want seq 0 ack %d", f[0], f[1], ack, syns[f[0]]+1)
		}
	}
}

// TestPCAPDataIsAcknowledged: the receiver ACKs every second segment, so
// the bytes in flight stay within the advertised window.
func TestPCAPDataIsAcknowledged(t *testing.T) {
	peertest.Need(t, "tshark")
	pcap := writeExport(t, scenario.Scenario{Mode: ftp.ModePassive, FileSize: 1 << 20}, "big.pcap", asPCAP)
	most := 0
	for _, l := range fieldLines(tshark(t, pcap, "-Y", "tcp.analysis.bytes_in_flight", "-T", "fields", "-e", "tcp.analysis.bytes_in_flight")) {
		n, _ := strconv.Atoi(l)
		most = max(most, n)
	}
	if most == 0 || most > 2*1460 {
		t.Errorf("at most %d bytes in flight, want at most two segments", most)
	}
	if flags := tshark(t, pcap, "-Y", "tcp.analysis.flags && !tcp.analysis.window_update"); strings.TrimSpace(flags) != "" {
		t.Errorf("TCP analysis flags:\n%s", flags)
	}
}

// TestPCAPNGComments: the narration rides on the frames as packet
// comments; the dropped SYN says who dropped it.
func TestPCAPNGComments(t *testing.T) {
	peertest.Need(t, "tshark")
	pcap := writeExport(t, scenario.Scenario{Mode: ftp.ModeActive, Firewall: "client", Expect: "fail"}, "drop.pcapng", asPCAPNG)
	out := tshark(t, pcap, "-Y", "frame.comment", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack", "-e", "frame.comment")
	found := false
	for _, l := range fieldLines(out) {
		f := strings.SplitN(l, "\t", 3)
		if len(f) == 3 && f[0] == "1" && f[1] == "0" && strings.Contains(f[2], "client-fw DROP the SYN (rule 3: drop in, state NEW)") {
			found = true
		}
	}
	if !found {
		t.Errorf("no SYN carries the client-fw drop as its comment:\n%s", out)
	}
	if n := len(fieldLines(out)); n < 5 {
		t.Errorf("%d frames with comments, want the narration on many", n)
	}
}

// TestPCAPActiveFreshPorts: each active transfer listens on a fresh client
// port, as real clients do, so tshark sees no reused 4-tuple and links
// every data connection to its PORT.
func TestPCAPActiveFreshPorts(t *testing.T) {
	peertest.Need(t, "tshark")
	pcap := writeExport(t, scenario.Scenario{Mode: ftp.ModeActive, Script: []string{"ls", "get hello.txt", "put x"}}, "active3.pcap", asPCAP)
	if reused := tshark(t, pcap, "-Y", "tcp.analysis.reused_ports"); strings.TrimSpace(reused) != "" {
		t.Errorf("reused ports:\n%s", reused)
	}
	linked := map[string]bool{}
	for _, l := range fieldLines(tshark(t, pcap, "-Y", "ftp-data", "-T", "fields", "-e", "tcp.stream", "-e", "ftp-data.setup-method")) {
		if f := strings.Fields(l); len(f) == 2 && f[1] == "PORT" {
			linked[f[0]] = true
		}
	}
	if len(linked) != 3 {
		t.Errorf("%d data connections linked to their PORT, want 3", len(linked))
	}
}
