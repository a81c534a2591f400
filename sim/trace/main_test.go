package trace_test

import (
	"bytes"
	"os/exec"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"ftplab/sim/trace"
	"ftplab/sim/trace/capture"
	"ftplab/sim/trace/export"
)

// TestMain fails the package if a test leaves goroutines behind (the
// parallel decoder, the servers the import tests start).
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// pcapRoundTrip exports a trace as pcap and imports it back.
func pcapRoundTrip(t *testing.T, tr trace.Trace) trace.Trace {
	t.Helper()
	var pcap bytes.Buffer
	if err := export.PCAP(&pcap, tr); err != nil {
		t.Fatal(err)
	}
	back, err := capture.Read(&pcap)
	if err != nil {
		t.Fatal(err)
	}
	return back
}

// tsharkConversation is tshark's reading of a capture's control channel:
// one "COMMAND" or "CODE" per FTP packet, in order. extra goes before the
// filter (e.g. "-d", "tcp.port==2121,ftp" for a server on another port).
func tsharkConversation(t *testing.T, tshark, file string, extra ...string) []string {
	t.Helper()
	args := append(append([]string{"-r", file}, extra...), "-Y", "ftp", "-T", "fields", "-e", "ftp.request.command", "-e", "ftp.response.code")
	out, err := exec.Command(tshark, args...).Output()
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		lines = append(lines, strings.TrimSpace(l))
	}
	return lines
}
