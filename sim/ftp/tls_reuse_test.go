package ftp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// tlsServer serves dir with AUTH TLS and a fresh certificate; mod may
// change the config further.
func tlsServer(t *testing.T, dir string, mod func(*ServerConfig)) string {
	t.Helper()
	cert, err := GenerateCert("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	return testServer(t, dir, func(c *ServerConfig) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if mod != nil {
			mod(c)
		}
	})
}

// clientTLS is a client config that trusts anything and keeps sessions.
func clientTLS() *tls.Config {
	return &tls.Config{InsecureSkipVerify: true, ServerName: "localhost", ClientSessionCache: tls.NewLRUClientSessionCache(4)}
}

// secure upgrades a raw control connection with AUTH TLS, PBSZ and PROT P,
// and logs in anonymously.
func (rc *rawConn) secure(cfg *tls.Config) {
	rc.t.Helper()
	rc.cmd("AUTH TLS", 234)
	tc := tls.Client(rc.c, cfg)
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if err := tc.Handshake(); err != nil {
		rc.t.Fatal(err)
	}
	rc.c, rc.r = tc, bufio.NewReader(tc)
	rc.cmd("PBSZ 0", 200)
	rc.cmd("PROT P", 200)
	rc.login()
	rc.cmd("TYPE I", 200)
}

// TestDataTLSMustResume: under PROT P a thief from the victim's own
// address (same NAT) connects to the victim's data port first and does a
// TLS handshake: a fresh one, or one resuming the thief's own control
// session. Both get 522 and no byte of the file; the victim's own data
// connection, which resumes the control session, still works.
func TestDataTLSMustResume(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("TLS-PROTECTED SECRET\n"), 0o644)
	addr := tlsServer(t, dir, nil)

	// The thief's own TLS session with the server, and a ticket for it.
	thiefCfg := clientTLS()
	thiefCtl := dialRaw(t, addr)
	thiefCtl.secure(thiefCfg)
	thiefCtl.cmd("NOOP", 200) // reads the TLS 1.3 ticket that came after the handshake

	for name, cfg := range map[string]*tls.Config{
		"fresh handshake":             {InsecureSkipVerify: true},
		"the thief's own TLS session": thiefCfg,
	} {
		victim := dialRaw(t, addr)
		victim.secure(clientTLS())
		port, err := Parse229(victim.cmd("EPSV", 229).String())
		if err != nil {
			t.Fatal(err)
		}
		raw, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
		if err != nil {
			t.Fatal(err)
		}
		stolen := make(chan []byte, 1)
		go func() {
			defer raw.Close()
			tc := tls.Client(raw, cfg)
			tc.SetDeadline(time.Now().Add(5 * time.Second))
			b, _ := io.ReadAll(tc)
			stolen <- b
		}()
		victim.send("RETR secret.txt")
		victim.expect(150)
		if rep := victim.reply(); rep.Code != 522 {
			t.Errorf("%s: %q, want 522", name, rep.String())
		}
		if b := <-stolen; bytes.Contains(b, []byte("SECRET")) {
			t.Errorf("%s: the thief decrypted %q", name, b)
		}
		victim.cmd("NOOP", 200)
	}

	// The owner's client resumes and gets the file.
	c, err := Dial(context.Background(), addr, ClientConfig{TLS: &tls.Config{InsecureSkipVerify: true}, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.AuthTLS(); err != nil {
		t.Fatal(err)
	}
	if err := c.Login("anonymous", "x@"); err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if _, err := c.Retrieve("secret.txt", &got); err != nil || got.String() != "TLS-PROTECTED SECRET\n" {
		t.Errorf("the owner's RETR: %q, %v", got.String(), err)
	}
}

// TestDataTLSWithoutReuse: the opt-out accepts a fresh handshake, and a
// config that cannot resume (no tickets) is refused unless it opts out.
func TestDataTLSWithoutReuse(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f"), []byte("data\n"), 0o644)
	addr := tlsServer(t, dir, func(c *ServerConfig) { c.DataTLSWithoutReuse = true })
	c := dialRaw(t, addr)
	c.secure(clientTLS())
	port, _ := Parse229(c.cmd("EPSV", 229).String())
	raw, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(port))))
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	c.send("RETR f")
	c.expect(150)
	tc := tls.Client(raw, &tls.Config{InsecureSkipVerify: true})
	tc.SetDeadline(time.Now().Add(5 * time.Second))
	if b, _ := io.ReadAll(tc); string(b) != "data\n" {
		t.Errorf("fresh handshake with the opt-out: %q", b)
	}
	c.expect(226)

	root, _ := os.OpenRoot(dir)
	defer root.Close()
	cfg := ServerConfig{Root: root, TLS: &tls.Config{SessionTicketsDisabled: true}}
	if _, err := NewServer(cfg); err == nil {
		t.Error("NewServer took a TLS config without tickets while data must resume")
	}
}
