package sim

import (
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// integrityLinks are the link conditions every mode must carry a file
// through intact.
var integrityLinks = []struct {
	name string
	sc   scenario.Scenario
}{
	{"latency-20ms", scenario.Scenario{Latency: scenario.Duration(20 * time.Millisecond)}},
	{"bandwidth-256KiB", scenario.Scenario{Bandwidth: 256 << 10}},
	{"stall-64KiB-10s", scenario.Scenario{StallAfter: 64 << 10, StallFor: scenario.Duration(10 * time.Second)}},
	{"all-three", scenario.Scenario{Latency: scenario.Duration(20 * time.Millisecond), Bandwidth: 256 << 10, StallAfter: 64 << 10, StallFor: scenario.Duration(10 * time.Second)}},
}

// TestIntegrityUnderLinkConditions: in every mode and under latency,
// bandwidth, a stall and all three, a 1 MiB get and a 1 MiB put through
// the real client and server complete with sha256 equal at both ends, the
// trace carries every byte, and virtual time is at least what the
// bandwidth and the stalls cost. All of it runs in virtual time.
func TestIntegrityUnderLinkConditions(t *testing.T) {
	const size = 1 << 20
	for _, mode := range []ftp.Mode{ftp.ModeActive, ftp.ModePassive, ftp.ModeEPSV, ftp.ModeEPRT} {
		for _, link := range integrityLinks {
			t.Run(fmt.Sprintf("%s/%s", mode, link.name), func(t *testing.T) {
				sc := link.sc
				sc.Mode = mode
				sc.FileSize = size
				sc.Script = []string{"get " + scenario.SampleFile, "put upload.bin"}
				s, err := Run(context.Background(), sc, Options{})
				if err != nil {
					t.Fatal(err)
				}
				// OK means the runner's own sha256 checks passed: the get's
				// bytes against the server's file, the server's copy of the
				// put against what the client sent.
				if !s.Summary.OK || !s.Summary.AsExpected {
					t.Fatalf("run failed: %s", s.Summary.Reason)
				}
				// And independently of the runner: the server's root at the
				// end holds the upload with the sha256 of what was sent, and
				// the sample untouched.
				files := map[string]ServerFile{}
				for _, f := range s.ServerFiles {
					files[f.Name] = f
				}
				if f := files["upload.bin"]; f.Size != size || f.SHA256 != sha256.Sum256(uploadContent("upload.bin", size)) {
					t.Errorf("server's upload.bin: %d bytes, sha256 %x; want %d bytes of what the client sent", f.Size, f.SHA256, size)
				}
				if f := files[scenario.SampleFile]; f.Size != size || f.SHA256 != sha256.Sum256(sampleContent(size)) {
					t.Errorf("server's %s changed: %d bytes", scenario.SampleFile, f.Size)
				}
				if len(files) != 2 {
					t.Errorf("server's root holds %v, want only %s and upload.bin", s.ServerFiles, scenario.SampleFile)
				}

				// The trace carries every byte: 1 MiB from the server (RETR)
				// and 1 MiB from the client (STOR), on two data connections.
				sent := map[string]int64{}
				conns := map[int]bool{}
				stalls := 0
				for _, e := range s.Events {
					switch {
					case e.Kind == trace.Segment && e.Channel == trace.Data:
						sent[e.Host] += e.Bytes
						conns[e.Conn] = true
					case e.Kind == trace.Note && strings.HasPrefix(e.Text, "link stalls for"):
						stalls++
					case e.Kind == trace.Reset:
						t.Errorf("unexpected reset: %+v", e)
					}
				}
				if sent["server"] != size || sent["client"] != size || len(conns) != 2 {
					t.Errorf("data bytes by sender %v on %d connections; want %d each way on 2", sent, len(conns), size)
				}
				wantStalls := 0
				if sc.StallAfter > 0 {
					wantStalls = 2 // once per data connection
				}
				if stalls != wantStalls {
					t.Errorf("%d stall notes, want %d", stalls, wantStalls)
				}

				t.Logf("virtual %.3f s, %d events, transfers %v", s.Summary.VirtualMS/1000, len(s.Events), transferSpans(s.Events))
				// Virtual time: 2 MiB at the bandwidth, plus each stall.
				var least time.Duration
				if sc.Bandwidth > 0 {
					least += time.Duration(2 * size * int64(time.Second) / int64(sc.Bandwidth))
				}
				least += time.Duration(wantStalls) * time.Duration(sc.StallFor)
				if got := time.Duration(s.Summary.VirtualMS * float64(time.Millisecond)); got < least {
					t.Errorf("virtual time %s, want at least %s (2 MiB at %s plus %d stalls of %s)", got, least, sc.Bandwidth, wantStalls, time.Duration(sc.StallFor))
				}
				// Each transfer on its own: from the 150 to the 226 the
				// data connection needs size/bandwidth.
				if sc.Bandwidth > 0 {
					per := time.Duration(size * int64(time.Second) / int64(sc.Bandwidth))
					spans := transferSpans(s.Events)
					if len(spans) != 2 {
						t.Errorf("%d transfers (150 ... 226) in the trace, want 2", len(spans))
					}
					for _, span := range spans {
						if span < per {
							t.Errorf("a transfer took %s of virtual time, want at least %s (1 MiB at %s)", span, per, sc.Bandwidth)
						}
					}
				}
			})
		}
	}
}

// transferSpans is the virtual time from each 150 reply to the next 226.
func transferSpans(events []trace.Event) []time.Duration {
	var spans []time.Duration
	start := int64(-1)
	for _, e := range events {
		if e.Kind != trace.Segment || e.Channel != trace.Control || e.Host != "server" {
			continue
		}
		switch {
		case strings.HasPrefix(e.Text, "150 "):
			start = e.T
		case strings.HasPrefix(e.Text, "226 ") && start >= 0:
			spans = append(spans, time.Duration(e.T-start)*time.Microsecond)
			start = -1
		}
	}
	return spans
}

// TestIntegrityCheckCatchesOneByte: the runner's sha256 comparisons, which
// TestIntegrityUnderLinkConditions relies on, fail on a single changed
// byte at either end, and on a missing upload.
func TestIntegrityCheckCatchesOneByte(t *testing.T) {
	want := sampleContent(1 << 20)
	if err := checkGet(scenario.SampleFile, want, want); err != nil {
		t.Fatal(err)
	}
	bad := append([]byte(nil), want...)
	bad[len(bad)/2] ^= 1
	if err := checkGet(scenario.SampleFile, bad, want); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Errorf("get with one flipped byte: %v, want a sha256 error", err)
	}
	if err := checkGet(scenario.SampleFile, want[:len(want)-1], want); err == nil {
		t.Error("get one byte short: accepted")
	}

	dir := t.TempDir()
	sent := uploadContent("upload.bin", 1<<20)
	if err := checkPut(dir, "upload.bin", sent); err == nil {
		t.Error("put with no copy on the server: accepted")
	}
	stored := append([]byte(nil), sent...)
	stored[12345] ^= 0x80
	if err := os.WriteFile(filepath.Join(dir, "upload.bin"), stored, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := checkPut(dir, "upload.bin", sent); err == nil || !strings.Contains(err.Error(), "sha256") {
		t.Errorf("put with one flipped byte on the server: %v, want a sha256 error", err)
	}
	os.WriteFile(filepath.Join(dir, "upload.bin"), sent, 0o644)
	if err := checkPut(dir, "upload.bin", sent); err != nil {
		t.Error(err)
	}
}

// TestFileSizeKeepsDefaults: without file_size the served file and the
// uploads are the classic small ones (the goldens depend on it); with it,
// exactly that many bytes.
func TestFileSizeKeepsDefaults(t *testing.T) {
	if n := len(sampleContent(0)); n != 4134 {
		t.Errorf("default sample %d bytes, want 4134", n)
	}
	if n := len(uploadContent("notes.txt", 0)); n != 64*len("uploaded by the ftplab client as notes.txt\n") {
		t.Errorf("default upload %d bytes", n)
	}
	for _, size := range []int64{1, 4096, 1<<20 + 7} {
		if n := int64(len(sampleContent(size))); n != size {
			t.Errorf("sample of %d: %d bytes", size, n)
		}
		if n := int64(len(uploadContent("x", size))); n != size {
			t.Errorf("upload of %d: %d bytes", size, n)
		}
	}
}
