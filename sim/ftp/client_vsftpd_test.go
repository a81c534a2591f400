package ftp

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"ftplab/internal/peertest"
)

// TestClientAgainstVsftpd proves the client against a real server in every
// mode: the listing and the file's bytes must come through intact.
func TestClientAgainstVsftpd(t *testing.T) {
	dir := t.TempDir()
	content := make([]byte, 64<<20) // issue 3: 64 MiB of random bytes
	rand.NewChaCha8([32]byte{1}).Read(content)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), content, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := peertest.Vsftpd(t, dir, "")
	want := sha256.Sum256(content)

	for _, mode := range Modes {
		t.Run(string(mode), func(t *testing.T) {
			var events []Event
			c, err := Dial(context.Background(), addr, ClientConfig{Mode: mode, Timeout: 10 * time.Second, Observer: func(e Event) { events = append(events, e) }})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if err := c.Login("anonymous", "ftplab@"); err != nil {
				t.Fatal(err)
			}
			names, err := c.NameList("")
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(names, ",") != "big.bin" {
				t.Errorf("NLST = %q, want [big.bin]", names)
			}
			got := bytes.NewBuffer(make([]byte, 0, len(content)))
			n, err := c.Retrieve("big.bin", got)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(content)) || sha256.Sum256(got.Bytes()) != want {
				t.Fatalf("RETR moved %d bytes, sha256 mismatch=%v", n, sha256.Sum256(got.Bytes()) != want)
			}
			if err := c.Quit(); err != nil {
				t.Fatal(err)
			}
			wantCmd := map[Mode]string{ModeActive: "PORT ", ModePassive: "PASV", ModeEPSV: "EPSV", ModeEPRT: "EPRT "}[mode]
			if !sawCommand(events, wantCmd) {
				t.Errorf("observer never saw a %q command", wantCmd)
			}
		})
	}
}

// TestClientBounceRefusedByVsftpd checks the fact the bounce lesson relies
// on: vsftpd refuses a PORT naming another host.
func TestClientBounceRefusedByVsftpd(t *testing.T) {
	addr := peertest.Vsftpd(t, t.TempDir(), "")
	c, err := Dial(context.Background(), addr, ClientConfig{Mode: ModeActive, PortAddress: "127.0.0.2", Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("anonymous", "x@"); err != nil {
		t.Fatal(err)
	}
	_, err = c.NameList("")
	var re *ReplyError
	if !errors.As(err, &re) || re.Reply.String() != "500 Illegal PORT command." {
		t.Fatalf("NLST after a bounce PORT: err = %v, want 500 Illegal PORT command.", err)
	}
}

func sawCommand(events []Event, prefix string) bool {
	for _, e := range events {
		if e.Kind == EvCommand && strings.HasPrefix(e.Text, prefix) {
			return true
		}
	}
	return false
}

// TestClientEPSVAllAgainstVsftpd: a real server takes the EPSV ALL the
// epsv-all lesson shows (vsftpd answers "200 EPSV ALL ok.", as ftplab's
// server does), and refuses PASV after it.
func TestClientEPSVAllAgainstVsftpd(t *testing.T) {
	addr := peertest.Vsftpd(t, t.TempDir(), "")
	var events []Event
	c, err := Dial(context.Background(), addr, ClientConfig{Mode: ModeEPSV, EPSVAll: true, Timeout: 10 * time.Second, Observer: func(e Event) { events = append(events, e) }})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login("anonymous", "x@"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.NameList(""); err != nil {
		t.Fatal(err)
	}
	var replies []string
	for _, e := range events {
		if e.Kind == EvReply {
			replies = append(replies, e.Text)
		}
	}
	if !sawCommand(events, "EPSV ALL") || !strings.Contains(strings.Join(replies, "\n"), "200 EPSV ALL ok.") {
		t.Errorf("no EPSV ALL answered 200; replies:\n%s", strings.Join(replies, "\n"))
	}
	rep, err := c.Cmd("PASV")
	if err != nil || rep.Code/100 == 2 {
		t.Errorf("PASV after EPSV ALL: %v, %v; want a refusal", rep, err)
	}
}
