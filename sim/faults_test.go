package sim

import (
	"context"
	"crypto/sha256"
	"fmt"
	"strings"
	"testing"
	"time"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

// TestResetMidTransfer: the link resets the data connection partway
// through a 1 MiB RETR or STOR, in passive and active mode. The run fails
// with a reason naming the reset, the server answers 426, exactly
// reset_after bytes crossed before the one Reset event, and a broken
// upload leaves nothing under its name (nor a temporary file), and does
// not clobber a file that was already there.
func TestResetMidTransfer(t *testing.T) {
	const size, resetAfter = 1 << 20, 100000
	for _, mode := range []ftp.Mode{ftp.ModePassive, ftp.ModeActive} {
		for _, step := range []string{"get " + scenario.SampleFile, "put upload.bin", "put " + scenario.SampleFile} {
			t.Run(fmt.Sprintf("%s/%s", mode, step), func(t *testing.T) {
				sc := scenario.Scenario{Mode: mode, FileSize: size, ResetAfter: resetAfter, Script: []string{step}, Expect: "fail"}
				s, err := Run(context.Background(), sc, Options{})
				if err != nil {
					t.Fatal(err)
				}
				sum := s.Summary
				if sum.OK || !sum.AsExpected {
					t.Fatalf("ok=%v as_expected=%v (%s): want a failed run", sum.OK, sum.AsExpected, sum.Reason)
				}
				wantReason := step + ": link reset the connection after 100000 bytes [data #2]; "
				if !strings.HasPrefix(sum.Reason, wantReason) || !strings.Contains(sum.Reason, "426") {
					t.Errorf("reason %q: want it to start %q and carry the 426", sum.Reason, wantReason)
				}
				if r := lastReply(sum); r.Code != 426 || r.Text != "Failure on the data connection; transfer aborted." {
					t.Errorf("last reply %+v: want 426 Failure on the data connection; transfer aborted.", r)
				}

				var resets []trace.Event
				var before int64 // data bytes shown before the reset
				for _, e := range s.Events {
					switch {
					case e.Kind == trace.Reset:
						resets = append(resets, e)
					case e.Kind == trace.Segment && e.Channel == trace.Data && len(resets) == 0:
						before += e.Bytes
					}
				}
				if len(resets) != 1 || resets[0].Channel != trace.Data {
					t.Fatalf("resets %+v: want exactly one, on the data connection", resets)
				}
				if before != resetAfter {
					t.Errorf("%d data bytes before the reset, want exactly %d", before, resetAfter)
				}
				sender := "server"
				if strings.HasPrefix(step, "put") {
					sender = "client"
				}
				if resets[0].Host != sender {
					t.Errorf("reset seen by %s, want the sender %s", resets[0].Host, sender)
				}

				// The server's root: the sample as it was, nothing else.
				if len(s.ServerFiles) != 1 {
					t.Errorf("server's root holds %+v, want only %s (no partial upload, no temporary file)", s.ServerFiles, scenario.SampleFile)
				}
				for _, f := range s.ServerFiles {
					if f.Name == scenario.SampleFile && (f.Size != size || f.SHA256 != sha256.Sum256(sampleContent(size))) {
						t.Errorf("%s on the server is now %d bytes: a broken upload clobbered it", scenario.SampleFile, f.Size)
					}
				}
			})
		}
	}
}

// TestStallShorterThanDataTimeout: each data connection stalls for 4
// minutes, less than the server's data timeout (5 minutes, vsftpd's
// data_connection_timeout, in virtual time), then resumes: the 1 MiB get
// and put complete with sha256 equal at both ends, and the stall sits in
// the trace as two notes exactly 4 minutes of virtual time apart.
func TestStallShorterThanDataTimeout(t *testing.T) {
	stallFor := 4 * time.Minute
	if wait := time.Duration(scenario.Scenario{}.Defaults().DataWait); stallFor >= wait {
		t.Fatalf("the stall (%s) must be shorter than the server's data timeout (%s)", stallFor, wait)
	}
	for _, mode := range []ftp.Mode{ftp.ModePassive, ftp.ModeActive} {
		t.Run(string(mode), func(t *testing.T) {
			s := runStall(t, mode, stallFor)
			if v := time.Duration(s.Summary.VirtualMS * float64(time.Millisecond)); v < 2*stallFor {
				t.Errorf("virtual time %s, want at least two stalls of %s", v, stallFor)
			}
		})
	}
}

// TestStallLongerThanDataTimeout: a 10-minute stall outlasts the server's
// 5-minute data timeout. 5 minutes of virtual time into the stall the
// server gives up, whether it was sending (get: its write times out) or
// receiving (put: its read times out): 426 on the control channel, the run
// fails, and a broken upload leaves nothing in the server's root.
func TestStallLongerThanDataTimeout(t *testing.T) {
	wait := time.Duration(scenario.Scenario{}.Defaults().DataWait)
	for _, step := range []string{"get " + scenario.SampleFile, "put upload.bin"} {
		for _, mode := range []ftp.Mode{ftp.ModePassive, ftp.ModeActive} {
			t.Run(step+"/"+string(mode), func(t *testing.T) {
				sc := scenario.Scenario{Mode: mode, FileSize: 1 << 20, StallAfter: 64 << 10, StallFor: scenario.Duration(10 * time.Minute), Script: []string{step}}
				s, err := Run(context.Background(), sc, Options{})
				if err != nil {
					t.Fatal(err)
				}
				if s.Summary.OK || !hasReply(s.Summary, 426, "") {
					t.Fatalf("ok=%v, replies %+v: want a failed run with 426", s.Summary.OK, s.Summary.Replies)
				}
				var stall, gaveUp *trace.Event
				for i, e := range s.Events {
					switch {
					case e.Kind == trace.Note && strings.HasPrefix(e.Text, "link stalls"):
						stall = &s.Events[i]
					case e.Kind == trace.Note && strings.HasPrefix(e.Text, "server gives up on the stalled data connection"):
						gaveUp = &s.Events[i]
					}
				}
				if stall == nil || gaveUp == nil {
					t.Fatalf("want a stall note and the server giving up in the trace; stall %v, gave up %v", stall, gaveUp)
				}
				if d := time.Duration(gaveUp.T-stall.T) * time.Microsecond; d != wait {
					t.Errorf("the server gave up %s into the stall, want %s", d, wait)
				}
				for _, f := range s.ServerFiles {
					if f.Name != scenario.SampleFile {
						t.Errorf("left in the server's root: %s (%d bytes)", f.Name, f.Size)
					}
				}
			})
		}
	}
}

// runStall runs a 1 MiB get and put with a stall of d after 64 KiB on each
// data connection and checks the run, both copies and the stall notes.
func runStall(t *testing.T, mode ftp.Mode, d time.Duration) *Session {
	t.Helper()
	const size = 1 << 20
	sc := scenario.Scenario{Mode: mode, FileSize: size, StallAfter: 64 << 10, StallFor: scenario.Duration(d), Script: []string{"get " + scenario.SampleFile, "put upload.bin"}}
	s, err := Run(context.Background(), sc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !s.Summary.OK {
		t.Fatalf("run failed: %s", s.Summary.Reason)
	}
	up := false
	for _, f := range s.ServerFiles {
		if f.Name == "upload.bin" {
			up = f.Size == size && f.SHA256 == sha256.Sum256(uploadContent("upload.bin", size))
		}
	}
	if !up {
		t.Errorf("server's copy of upload.bin missing or different: %+v", s.ServerFiles)
	}
	var stalls, resumes []trace.Event
	for _, e := range s.Events {
		switch {
		case e.Kind == trace.Note && strings.HasPrefix(e.Text, "link stalls for "+d.String()+" after 65536 bytes"):
			stalls = append(stalls, e)
		case e.Kind == trace.Note && strings.HasPrefix(e.Text, "link resumes"):
			resumes = append(resumes, e)
		case e.Kind == trace.Reset:
			t.Errorf("unexpected reset %+v", e)
		}
	}
	if len(stalls) != 2 || len(resumes) != 2 {
		t.Fatalf("%d stall and %d resume notes, want one of each per data connection", len(stalls), len(resumes))
	}
	for i := range stalls {
		if got := time.Duration(resumes[i].T-stalls[i].T) * time.Microsecond; got != d || resumes[i].Conn != stalls[i].Conn || stalls[i].Channel != trace.Data {
			t.Errorf("stall %+v, resume %+v: want the same data connection, %s apart (got %s)", stalls[i], resumes[i], d, got)
		}
	}
	return s
}
