package trace_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"ftplab/sim/trace"
	"ftplab/sim/trace/capture"
	"ftplab/sim/trace/export"
)

// TestImportStoredRealCaptures imports the real captures in testdata (curl
// against `ftplab serve` on 127.0.0.4:21 and, with TLS, 127.0.0.5:21, made
// by make-real-captures.sh),
// so the import of real TCP is tested even where capturing is not allowed.
func TestImportStoredRealCaptures(t *testing.T) {
	const fileSize = 3360 // notes.txt as make-real-captures.sh writes it
	for _, mode := range []string{"passive", "active", "tls"} {
		t.Run(mode, func(t *testing.T) {
			name := "real-curl-" + mode
			f, err := os.Open(filepath.Join("testdata", name+".pcapng"))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			tr, err := capture.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			h := tr.Header
			server := map[string]string{"passive": "127.0.0.4", "active": "127.0.0.4", "tls": "127.0.0.5"}[mode]
			if h.Source != "import" || len(h.Topology.Hosts) != 2 || h.Topology.Hosts[0].Addr != "127.0.0.1" || h.Topology.Hosts[1].Addr != server {
				t.Errorf("header %+v, want source import, client 127.0.0.1, server %s", h, server)
			}
			got := dataBytes(tr)
			switch {
			case mode == "tls" && (len(got) != 1 || got[0] <= fileSize):
				t.Errorf("data bytes per connection %v, want one with the file and TLS around it (> %d)", got, fileSize)
			case mode != "tls" && fmt.Sprint(got) != fmt.Sprint([]int64{fileSize}):
				t.Errorf("data bytes per connection %v, want [%d]", got, fileSize)
			}
			dataDialer := ""
			for _, e := range tr.Events {
				if e.Kind == trace.Connected && e.Channel == trace.Data {
					dataDialer = e.Host
				}
			}
			if want := map[string]string{"passive": "client", "active": "server", "tls": "client"}[mode]; dataDialer != want {
				t.Errorf("the data connection was dialed by %q, want %q", dataDialer, want)
			}
			if mode == "tls" {
				checkEncrypted(t, tr)
				golden(t, name+".txt", textOf(t, tr))
				return // tshark cannot read the encrypted commands either
			}
			// The imported trace is a valid trace file and replays.
			var file, text bytes.Buffer
			if err := trace.Write(&file, tr); err != nil {
				t.Fatal(err)
			}
			if _, err := trace.Read(&file); err != nil {
				t.Fatalf("the imported trace does not read back: %v", err)
			}
			if err := export.Text(&text, tr); err != nil {
				t.Fatal(err)
			}
			golden(t, name+".txt", text.Bytes())
			// Where tshark is installed, it must agree on the conversation.
			if tshark, err := exec.LookPath("tshark"); err == nil {
				want := tsharkConversation(t, tshark, f.Name())
				var got []string
				for _, l := range wireControl(tr) {
					verb, _, _ := strings.Cut(l, " ")
					if _, err := strconv.Atoi(verb); err != nil {
						verb = strings.ToUpper(verb)
					}
					got = append(got, verb)
				}
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("imported %v, tshark reads %v", got, want)
				}
			}
		})
	}
}

// TestImportFindsControlByPort21: without a "220" greeting the control
// connection is the one to port 21; on another port it is not found.
func TestImportFindsControlByPort21(t *testing.T) {
	for _, tt := range []struct {
		name, port string
		smtp       bool // the client says EHLO first
		wantErr    bool
	}{
		{"port 21, greeting 120", "21", false, false},
		{"port 2121, greeting 120", "2121", false, false},
		{"port 2121, client says EHLO", "2121", true, true},
	} {
		tr := loadFixture(t, "passive-list-get")
		for i, e := range tr.Events {
			e.From = strings.Replace(e.From, ":21", ":"+tt.port, 1)
			e.To = strings.Replace(e.To, ":21", ":"+tt.port, 1)
			if e.Text == "220 (ftplab)" {
				e.Text = "120 ready in a minute"
			}
			if tt.smtp && strings.HasPrefix(e.Text, "USER ") {
				e.Text = "EHLO mail.example"
			}
			tr.Events[i] = e
		}
		var pcap bytes.Buffer
		if err := export.PCAP(&pcap, tr); err != nil {
			t.Fatal(err)
		}
		back, err := capture.Read(&pcap)
		if tt.wantErr {
			if err == nil || !strings.Contains(err.Error(), "no FTP session") {
				t.Errorf("%s: err = %v, want no FTP session", tt.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if a, b := strings.Join(wireControl(tr), "|"), strings.Join(wireControl(back), "|"); a != b {
			t.Errorf("%s: control lines\n%s\n%s", tt.name, a, b)
		}
	}
}

// TestImportTimeNeverGoesBack: a capture whose clock steps back still
// gives a trace whose times never decrease (players seek by time).
func TestImportTimeNeverGoesBack(t *testing.T) {
	tr := loadFixture(t, "passive-list-get")
	for i, e := range tr.Events {
		if e.Kind == trace.Segment && strings.HasPrefix(e.Text, "227") {
			tr.Events[i].T = 1000 // before the handshake's reply
		}
	}
	back := pcapRoundTrip(t, tr)
	for i := 1; i < len(back.Events); i++ {
		if back.Events[i].T < back.Events[i-1].T {
			t.Fatalf("event %d at %d µs comes after one at %d µs", i, back.Events[i].T, back.Events[i-1].T)
		}
	}
}

func textOf(t *testing.T, tr trace.Trace) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := export.Text(&b, tr); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// checkEncrypted: the lines before AUTH TLS's 234 are text, everything on
// the control channel after it is sizes only.
func checkEncrypted(t *testing.T, tr trace.Trace) {
	t.Helper()
	clear, encrypted := wireControl(tr), 0
	for _, e := range tr.Events {
		if e.Kind == trace.Segment && e.Channel == trace.Control && e.Text == "" && e.Bytes > 0 {
			encrypted++
		}
	}
	if len(clear) != 3 || clear[1] != "AUTH SSL" || !strings.HasPrefix(clear[2], "234 ") {
		t.Errorf("clear control lines %q, want the greeting, AUTH SSL and 234", clear)
	}
	if encrypted < 10 {
		t.Errorf("%d encrypted control segments, want the whole session after 234", encrypted)
	}
}

// TestImportPortReuse: a new connection on the same four addresses (new
// SYN, new sequence number) is a connection of its own.
func TestImportPortReuse(t *testing.T) {
	tr := loadFixture(t, "passive-list-get")
	for i, e := range tr.Events {
		e.From = strings.NewReplacer(":49153", ":49152", ":30001", ":30000").Replace(e.From)
		e.To = strings.NewReplacer(":49153", ":49152", ":30001", ":30000").Replace(e.To)
		e.Text = strings.Replace(e.Text, "117,49", "117,48", 1)
		tr.Events[i] = e
	}
	back := pcapRoundTrip(t, tr)
	if got, want := fmt.Sprint(dataBytes(back)), fmt.Sprint(dataBytes(tr)); got != want {
		t.Errorf("data bytes per connection %s, want %s", got, want)
	}
}
