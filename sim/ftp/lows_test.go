package ftp

import (
	"bufio"
	"crypto/tls"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSTATNameWithCRLF: a file name holding CR LF and a fake reply, listed
// by STAT on the control channel, stays inside the 213 reply: the next
// command gets its own answer, not the forged "230 injected".
func TestSTATNameWithCRLF(t *testing.T) {
	dir := sandbox(t)
	evil := "x\r\n213 End of status\r\n230 injected"
	if err := os.WriteFile(filepath.Join(dir, "sub", evil), nil, 0o644); err != nil {
		t.Skip("this file system refuses the name:", err)
	}
	addr := testServer(t, dir, nil)
	c := loginBinary(t, addr)
	rep := c.cmd("STAT sub", 213)
	if all := strings.Join(rep.Lines, "\n"); !strings.Contains(all, "x??213 End of status??230 injected") {
		t.Errorf("STAT reply:\n%s\nwant the name with '?' for CR and LF", all)
	}
	c.cmd("NOOP", 200)
}

// TestPROTNeedsPBSZ: RFC 4217 says PBSZ comes before PROT: 503 otherwise.
func TestPROTNeedsPBSZ(t *testing.T) {
	addr := tlsServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	c.cmd("AUTH TLS", 234)
	tc := tls.Client(c.c, clientTLS())
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.c, c.r = tc, bufio.NewReader(tc)
	c.cmd("PROT P", 503)
	c.cmd("PBSZ 0", 200)
	c.cmd("PROT P", 200)
}

// TestRequireTLS: with RequireTLS, USER before AUTH TLS gets 530 and a
// transfer without PROT P gets 522; over TLS with PROT P all works.
func TestRequireTLS(t *testing.T) {
	addr := tlsServer(t, sandbox(t), func(c *ServerConfig) { c.RequireTLS = true })
	plain := dialRaw(t, addr)
	plain.cmd("USER anonymous", 530)
	plain.cmd("PASS x", 503)

	c := dialRaw(t, addr)
	c.cmd("AUTH TLS", 234)
	tc := tls.Client(c.c, clientTLS())
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	c.c, c.r = tc, bufio.NewReader(tc)
	c.login()
	c.cmd("EPSV", 229)
	c.cmd("LIST", 522) // PROT C: refused before any connection is taken
	c.cmd("PBSZ 0", 200)
	c.cmd("PROT P", 200)
	c.cmd("NOOP", 200)

	root, _ := os.OpenRoot(t.TempDir())
	defer root.Close()
	if _, err := NewServer(ServerConfig{Root: root, RequireTLS: true}); err == nil {
		t.Error("NewServer took RequireTLS without a TLS config")
	}
}

// helloConn sends "AUTH TLS\r\n" in the same write as the ClientHello (one
// packet on loopback), then hides the 234 reply from the TLS client.
type helloConn struct {
	net.Conn
	r     *bufio.Reader
	sent  bool
	reply string
}

func (h *helloConn) Write(b []byte) (int, error) {
	if !h.sent {
		h.sent = true
		_, err := h.Conn.Write(append([]byte("AUTH TLS\r\n"), b...))
		return len(b), err
	}
	return h.Conn.Write(b)
}

func (h *helloConn) Read(b []byte) (int, error) {
	if h.reply == "" {
		line, err := h.r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		h.reply = line
	}
	return h.r.Read(b)
}

// TestAUTHTLSWithHelloInOnePacket: a client that sends its ClientHello
// right behind AUTH TLS, in the same packet, gets its handshake at once
// (the plaintext reader had swallowed the hello: the handshake waited for
// the data timeout).
func TestAUTHTLSWithHelloInOnePacket(t *testing.T) {
	addr := tlsServer(t, sandbox(t), nil)
	c := dialRaw(t, addr)
	h := &helloConn{Conn: c.c, r: c.r}
	tc := tls.Client(h, clientTLS())
	tc.SetDeadline(time.Now().Add(3 * time.Second))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake with the hello in the AUTH packet: %v", err)
	}
	if !strings.HasPrefix(h.reply, "234 ") {
		t.Errorf("AUTH TLS answered %q", h.reply)
	}
	c.c, c.r = tc, bufio.NewReader(tc)
	c.cmd("NOOP", 200)
}
