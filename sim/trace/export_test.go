package trace_test

import (
	"bytes"
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"ftplab/internal/peertest"
	"ftplab/sim"
	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
	"ftplab/sim/trace/export"
)

var update = flag.Bool("update", false, "rewrite golden files")

func record(t *testing.T, sc scenario.Scenario) trace.Trace {
	t.Helper()
	s, err := sim.Run(context.Background(), sc, sim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s.Trace()
}

func tshark(t *testing.T, pcap string, args ...string) string {
	t.Helper()
	out, err := exec.Command("tshark", append([]string{"-r", pcap}, args...)...).Output()
	if err != nil {
		t.Fatalf("tshark %v: %v", args, err)
	}
	return string(out)
}

// TestPCAPReadByTshark: tshark lists the commands in order, sees the
// ftp-data of an ok transfer and the dropped SYNs as retransmissions.
func TestPCAPReadByTshark(t *testing.T) {
	peertest.Need(t, "tshark")
	dir := t.TempDir()
	tests := []struct {
		name  string
		sc    scenario.Scenario
		check func(t *testing.T, pcap string)
	}{
		{"active-ok", scenario.Scenario{Mode: ftp.ModeActive}, func(t *testing.T, pcap string) {
			if out := tshark(t, pcap, "-Y", "ftp-data"); !strings.Contains(out, "FTP-DATA") {
				t.Errorf("no ftp-data frames:\n%s", out)
			}
		}},
		{"passive-ok", scenario.Scenario{Mode: ftp.ModePassive}, func(t *testing.T, pcap string) {
			if out := tshark(t, pcap, "-Y", "ftp-data"); !strings.Contains(out, "FTP-DATA") {
				t.Errorf("no ftp-data frames:\n%s", out)
			}
		}},
		{"active-client-firewall", scenario.Scenario{Mode: ftp.ModeActive, Firewall: "client", Expect: "fail"}, func(t *testing.T, pcap string) {
			out := tshark(t, pcap, "-Y", "tcp.analysis.retransmission && tcp.flags.syn==1")
			if n := strings.Count(out, "\n"); n != 9 { // 1, 2, 3, 4, 5, 7, 11, 19, 35 s: Linux's schedule up to 60 s
				t.Errorf("%d SYN retransmissions, want 9:\n%s", n, out)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := record(t, tt.sc)
			pcap := filepath.Join(dir, tt.name+".pcap")
			f, _ := os.Create(pcap)
			if err := export.PCAP(f, tr); err != nil {
				t.Fatal(err)
			}
			f.Close()
			var want []string
			for _, e := range tr.Events {
				if e.Kind == trace.Segment && e.Channel == trace.Control && e.Host == "client" {
					want = append(want, strings.Fields(e.Text)[0])
				}
			}
			got := strings.Fields(tshark(t, pcap, "-Y", "ftp.request", "-T", "fields", "-e", "ftp.request.command"))
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("tshark commands %v, want %v", got, want)
			}
			tt.check(t, pcap)
		})
	}
}

// TestMermaid checks the diagram's structure against sequenceDiagram's
// rules and keeps a golden copy.
func TestMermaid(t *testing.T) {
	tr := record(t, scenario.Scenario{Name: "acf", Mode: ftp.ModeActive, Firewall: "client", Expect: "fail"})
	var b bytes.Buffer
	if err := export.Mermaid(&b, tr); err != nil {
		t.Fatal(err)
	}
	checkMermaid(t, b.String())
	if !strings.Contains(b.String(), "-xP1: SYN data 192.0.2.10#58;2001") {
		t.Errorf("the dropped dial should end at the firewall:\n%s", b.String())
	}
	golden(t, "acf.mmd", b.Bytes())
}
