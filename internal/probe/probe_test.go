package probe

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"ftplab/internal/peertest"
	"ftplab/sim/ftp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestProbeVsftpd probes real vsftpd servers configured four ways and checks
// each mode's verdict.
func TestProbeVsftpd(t *testing.T) {
	type want struct {
		outcome Outcome
		cause   string // a phrase the explanation must contain
	}
	tests := []struct {
		name  string
		extra string
		want  map[ftp.Mode]want
	}{
		{"normal", "", map[ftp.Mode]want{
			ftp.ModePassive: {Worked, "passive mode works"},
			ftp.ModeEPSV:    {Worked, "passive mode works"},
			ftp.ModeActive:  {Worked, "dial back"},
			ftp.ModeEPRT:    {Worked, "dial back"},
		}},
		{"pasv_enable=NO", "pasv_enable=NO\n", map[ftp.Mode]want{
			ftp.ModePassive: {Refused, "does not allow PASV"},
			ftp.ModeEPSV:    {Refused, "does not allow EPSV"},
			ftp.ModeActive:  {Worked, ""},
			ftp.ModeEPRT:    {Worked, ""},
		}},
		{"port_enable=NO", "port_enable=NO\n", map[ftp.Mode]want{
			ftp.ModePassive: {Worked, ""},
			ftp.ModeEPSV:    {Worked, ""},
			ftp.ModeActive:  {Refused, "does not allow PORT"},
			ftp.ModeEPRT:    {Refused, "does not allow EPRT"},
		}},
		// A wrong advertised address: 127.0.0.9 is loopback, so the probe's
		// dial stays on this machine, and nothing listens there.
		{"pasv_address wrong", "pasv_address=127.0.0.9\n", map[ftp.Mode]want{
			ftp.ModePassive: {Mismatch, "pasv_address"},
			ftp.ModeEPSV:    {Worked, ""}, // 229 carries no address
			ftp.ModeActive:  {Worked, ""},
			ftp.ModeEPRT:    {Worked, ""},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			os.WriteFile(filepath.Join(dir, "readme.txt"), []byte("hi\n"), 0o644)
			addr := peertest.Vsftpd(t, dir, tt.extra)
			rep, err := Run(context.Background(), addr, Options{Timeout: 3 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			if len(rep.Results) != 4 {
				t.Fatalf("%d results, want 4", len(rep.Results))
			}
			for _, r := range rep.Results {
				w := tt.want[r.Mode]
				if r.Outcome != w.outcome || !strings.Contains(r.Cause, w.cause) {
					t.Errorf("%s: %s (%s), want %s with cause containing %q", r.Command, r.Outcome, r.Cause, w.outcome, w.cause)
				}
			}
			var text, js bytes.Buffer
			t.Log("\n" + func() string { var b bytes.Buffer; WriteText(&b, rep); return b.String() }())
			if err := WriteText(&text, rep); err != nil || !strings.Contains(text.String(), "PASV") {
				t.Errorf("WriteText: %v\n%s", err, text.String())
			}
			if err := WriteJSON(&js, rep); err != nil || !strings.Contains(js.String(), `"outcome"`) {
				t.Errorf("WriteJSON: %v\n%s", err, js.String())
			}
		})
	}
}

func TestProbeNoServer(t *testing.T) {
	_, err := Run(context.Background(), "127.0.0.1:1", Options{Timeout: time.Second})
	if err == nil || !strings.Contains(err.Error(), "cannot reach") {
		t.Fatalf("err = %v, want cannot reach", err)
	}
}

func TestProbeBadInput(t *testing.T) {
	if _, err := Run(context.Background(), "no-port", Options{}); err == nil {
		t.Error("an address without a port must be refused")
	}
	for _, s := range []string{"", "nopass", ":x"} {
		if _, _, err := ParseUser(s); err == nil {
			t.Errorf("ParseUser(%q) accepted", s)
		}
	}
}
