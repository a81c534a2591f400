package trace_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"ftplab/internal/peertest"
	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
	"ftplab/sim/trace/capture"
	"ftplab/sim/trace/export"
)

func controlLines(t trace.Trace) []string {
	var out []string
	for _, e := range t.Events {
		if e.Kind == trace.Segment && e.Channel == trace.Control && e.Text != "" {
			out = append(out, e.Host+": "+e.Text)
		}
	}
	return out
}

// TestExportImportRoundTrip: a lesson exported as pcap and imported back
// has the same control conversation and data connections.
func TestExportImportRoundTrip(t *testing.T) {
	for _, sc := range []scenario.Scenario{{Mode: ftp.ModeActive}, {Mode: ftp.ModePassive, Script: []string{"ls", "get hello.txt"}}, {Mode: ftp.ModeEPSV}, {Mode: ftp.ModePassive, TLS: true}} {
		tr := record(t, sc)
		back := pcapRoundTrip(t, tr)
		if a, b := strings.Join(controlLines(tr), "\n"), strings.Join(controlLines(back), "\n"); a != b {
			t.Errorf("%s: control lines differ:\n--- recorded\n%s\n--- imported\n%s", sc.Mode, a, b)
		}
		if a, b := count(tr, trace.Connected), count(back, trace.Connected); a != b {
			t.Errorf("%s: %d connections recorded, %d imported", sc.Mode, a, b)
		}
		if a, b := dataBytes(tr), dataBytes(back); fmt.Sprint(a) != fmt.Sprint(b) {
			t.Errorf("%s: data bytes per connection: recorded %v, imported %v", sc.Mode, a, b)
		}
	}
}

func count(t trace.Trace, k trace.Kind) int {
	n := 0
	for _, e := range t.Events {
		if e.Kind == k {
			n++
		}
	}
	return n
}

func TestImportRefusesNonCaptures(t *testing.T) {
	var pcap bytes.Buffer
	export.PCAP(&pcap, record(t, scenario.Scenario{Mode: ftp.ModePassive}))
	tests := []struct {
		name, src, want string
	}{
		{"empty", "", "not a pcap"},
		{"text", "hello, this is not a capture\n", "not a pcap or pcapng"},
		{"cut in the first packet", pcap.String()[:24+16+10], "truncated capture"},
		{"no ftp", emptyPcap(), "no FTP session found"},
	}
	for _, tt := range tests {
		if _, err := capture.Read(strings.NewReader(tt.src)); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}

// TestImportKeepsACutFile: a file cut in the middle of a packet imports
// what is complete, and says where it was cut.
func TestImportKeepsACutFile(t *testing.T) {
	var pcap bytes.Buffer
	full := record(t, scenario.Scenario{Mode: ftp.ModePassive})
	export.PCAP(&pcap, full)
	tr, err := capture.Read(strings.NewReader(pcap.String()[:pcap.Len()-30]))
	if err != nil {
		t.Fatal(err)
	}
	last := tr.Events[len(tr.Events)-1]
	if last.Kind != trace.Note || !strings.Contains(last.Text, "ends in the middle of packet") {
		t.Errorf("last event %+v, want a note on the cut", last)
	}
	if a, b := len(controlLines(full)), len(controlLines(tr)); b == 0 || b > a {
		t.Errorf("%d control lines of %d kept", b, a)
	}
}

func emptyPcap() string {
	var b bytes.Buffer
	export.PCAP(&b, trace.Trace{})
	return b.String()
}

// TestImportRealCapture captures curl talking to a real server on loopback
// with dumpcap, in passive and active mode, imports the capture and checks
// the imported conversation against what tshark itself decodes.
func TestImportRealCapture(t *testing.T) {
	paths := peertest.Need(t, "curl", "dumpcap", "tshark")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello from a real capture\n"), 0o644)
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	srv, err := ftp.NewServer(ftp.ServerConfig{Root: root, Anonymous: true})
	if err != nil {
		t.Fatal(err)
	}
	// 127.0.0.3: an address of its own on loopback, so the capture holds
	// this session only, whatever else the machine's tests do meanwhile.
	l, err := net.Listen("tcp", "127.0.0.3:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(context.Background(), l); close(done) }()
	defer func() { srv.Close(); <-done }()
	port := l.Addr().(*net.TCPAddr).Port

	for _, mode := range []struct {
		name string
		args []string
	}{{"passive", []string{"--disable-epsv"}}, {"active", []string{"-P", "-"}}} {
		t.Run(mode.name, func(t *testing.T) {
			capFile := filepath.Join(dir, mode.name+".pcapng")
			dump := exec.Command(paths[1], "-q", "-i", "lo", "-f", "tcp and host 127.0.0.3", "-w", capFile)
			if err := dump.Start(); err != nil {
				peertest.Missing(t, "dumpcap cannot start: "+err.Error())
			}
			for i := 0; i < 100; i++ { // wait until the capture is running
				if fi, err := os.Stat(capFile); err == nil && fi.Size() > 0 {
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(300 * time.Millisecond)
			out, err := exec.Command(paths[0], append(append([]string{"-sS"}, mode.args...), "ftp://"+l.Addr().String()+"/hello.txt")...).CombinedOutput()
			time.Sleep(300 * time.Millisecond)
			dump.Process.Signal(syscall.SIGINT)
			dump.Wait()
			if err != nil || string(out) != "hello from a real capture\n" {
				t.Fatalf("curl: %v %s", err, out)
			}
			f, err := os.Open(capFile)
			if err != nil {
				peertest.Missing(t, "capturing on lo is not permitted here: "+err.Error())
			}
			defer f.Close()
			tr, err := capture.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			// tshark's own reading of the control channel.
			want := tsharkConversation(t, paths[2], capFile, "-d", "tcp.port=="+itoa(port)+",ftp")
			var got []string
			for _, ln := range controlLines(tr) {
				_, text, _ := strings.Cut(ln, ": ")
				got = append(got, strings.Fields(text)[0])
			}
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("imported control %v, tshark saw %v", got, want)
			}
			if count(tr, trace.Connected) != 2 {
				t.Errorf("want the control and one data connection, got %d connections", count(tr, trace.Connected))
			}
			var replay bytes.Buffer
			if err := export.Text(&replay, tr); err != nil || !strings.Contains(replay.String(), "RETR hello.txt") {
				t.Errorf("the imported trace does not replay: %v\n%s", err, replay.String())
			}
		})
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
