package ftp

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"ftplab/internal/peertest"
)

// bigFile writes 64 MiB of random bytes (issue 3) and returns its sha256.
func bigFile(t *testing.T, path string) string {
	t.Helper()
	b := make([]byte, 64<<20)
	rand.NewChaCha8([32]byte{7}).Read(b)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return sha256Hex(b)
}

func fileSum(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	h := sha256.New()
	io.Copy(h, f)
	return hex.EncodeToString(h.Sum(nil))
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TestInteropPeers moves a 64 MiB random file with real clients in every
// mode they offer and checks sha256 at both ends.
func TestInteropPeers(t *testing.T) {
	dir := t.TempDir()
	want := bigFile(t, filepath.Join(dir, "big.bin"))
	addr := testServer(t, dir, func(c *ServerConfig) { c.PasvMinPort, c.PasvMaxPort = 0, 0 })
	host, port, _ := net.SplitHostPort(addr)
	url := "ftp://" + addr + "/"
	out := t.TempDir()

	tests := []struct {
		name string
		peer string
		args func(dst string) []string
	}{
		{"curl-epsv", "curl", func(dst string) []string { return []string{"-sS", "-o", dst, url + "big.bin"} }},
		{"curl-pasv", "curl", func(dst string) []string { return []string{"-sS", "--disable-epsv", "-o", dst, url + "big.bin"} }},
		{"curl-active", "curl", func(dst string) []string { return []string{"-sS", "-P", "127.0.0.1", "-o", dst, url + "big.bin"} }},
		{"lftp-passive", "lftp", func(dst string) []string {
			return []string{"-e", "set ftp:passive-mode on; get big.bin -o " + dst + "; bye", "-u", "anonymous,x", "-p", port, host}
		}},
		{"lftp-active", "lftp", func(dst string) []string {
			return []string{"-e", "set ftp:passive-mode off; get big.bin -o " + dst + "; bye", "-u", "anonymous,x", "-p", port, host}
		}},
		{"ftplib-passive", "python3", func(dst string) []string { return []string{"-c", ftplibGet, host, port, dst, "1"} }},
		{"ftplib-active", "python3", func(dst string) []string { return []string{"-c", ftplibGet, host, port, dst, "0"} }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			peertest.Need(t, tt.peer)
			dst := filepath.Join(out, tt.name+".bin")
			run(t, tt.peer, tt.args(dst)...)
			if got := fileSum(t, dst); got != want {
				t.Errorf("sha256 %s, want %s", got, want)
			}
		})
	}
	t.Run("curl-upload", func(t *testing.T) {
		peertest.Need(t, "curl")
		run(t, "curl", "-sS", "-T", filepath.Join(dir, "big.bin"), url+"up.bin")
		if got := fileSum(t, filepath.Join(dir, "up.bin")); got != want {
			t.Errorf("uploaded sha256 %s, want %s", got, want)
		}
	})
	t.Run("curl-list", func(t *testing.T) {
		peertest.Need(t, "curl")
		list := run(t, "curl", "-sS", url)        // LIST
		names := run(t, "curl", "-sS", "-l", url) // NLST
		if !regexp.MustCompile(`(?m)^-rw-r--r-- +1 ftp +ftp +67108864 .* big\.bin\r?$`).MatchString(list) {
			t.Errorf("LIST via curl:\n%s", list)
		}
		if !regexp.MustCompile(`(?m)^big\.bin\r?$`).MatchString(names) {
			t.Errorf("NLST via curl:\n%s", names)
		}
	})
	t.Run("lftp-upload-and-list", func(t *testing.T) {
		peertest.Need(t, "lftp")
		out := run(t, "lftp", "-e", "put "+filepath.Join(dir, "big.bin")+" -o lftp.bin; cls -1; bye", "-u", "anonymous,x", "-p", port, host)
		if got := fileSum(t, filepath.Join(dir, "lftp.bin")); got != want {
			t.Errorf("uploaded sha256 %s, want %s", got, want)
		}
		if !strings.Contains(out, "lftp.bin") {
			t.Errorf("lftp cls does not show the upload:\n%s", out)
		}
	})
	t.Run("ftplib-abort", func(t *testing.T) {
		peertest.Need(t, "python3")
		out := run(t, "python3", "-c", ftplibAbort, host, port)
		if !strings.Contains(out, "abort: 426 ") || !strings.Contains(out, "then: 226 ABOR successful.") || !strings.Contains(out, "noop: 200 ") {
			t.Errorf("ftplib abort (urgent data):\n%s", out)
		}
	})
	t.Run("ftplib-upload-and-mlsd", func(t *testing.T) {
		peertest.Need(t, "python3")
		run(t, "python3", "-c", ftplibPut, host, port, filepath.Join(dir, "big.bin"))
		if got := fileSum(t, filepath.Join(dir, "py.bin")); got != want {
			t.Errorf("uploaded sha256 %s, want %s", got, want)
		}
	})
}

const ftplibGet = `
import ftplib, sys
host, port, dst, pasv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
f = ftplib.FTP()
f.connect(host, port, timeout=30)
f.login()
f.set_pasv(pasv)
assert "big.bin" in f.nlst()
with open(dst, "wb") as out:
    f.retrbinary("RETR big.bin", out.write)
f.quit()
`

// ftplibAbort reads a little of a download, then FTP.abort(), which sends
// "ABOR\r\n" as TCP urgent data.
const ftplibAbort = `
import ftplib, sys
host, port = sys.argv[1], int(sys.argv[2])
f = ftplib.FTP()
f.connect(host, port, timeout=30)
f.login()
f.voidcmd("TYPE I")
conn = f.transfercmd("RETR big.bin")
conn.recv(65536)
print("abort:", f.abort())
print("then:", f.getresp())
conn.close()
print("noop:", f.voidcmd("NOOP"))
f.quit()
`

const ftplibPut = `
import ftplib, sys
host, port, src = sys.argv[1], int(sys.argv[2]), sys.argv[3]
f = ftplib.FTP()
f.connect(host, port, timeout=30)
f.login()
with open(src, "rb") as inp:
    f.storbinary("STOR py.bin", inp)
names = [n for n, facts in f.mlsd()]
assert "py.bin" in names, names
f.quit()
`

// TestCurlTLS: curl --ssl-reqd against the server with AUTH TLS.
func TestCurlTLS(t *testing.T) {
	peertest.Need(t, "curl")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("over TLS\n"), 0o644)
	cert, err := GenerateCert("localhost", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	addr := testServer(t, dir, func(c *ServerConfig) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	})
	got := run(t, "curl", "-sS", "--ssl-reqd", "-k", "ftp://"+addr+"/secret.txt")
	if got != "over TLS\n" {
		t.Errorf("curl over TLS got %q", got)
	}
}

// BenchmarkRETR measures a 64 MiB download from the server over loopback.
func BenchmarkRETR(b *testing.B) {
	dir := b.TempDir()
	data := make([]byte, 64<<20)
	os.WriteFile(filepath.Join(dir, "f"), data, 0o644)
	addr := testServer(b, dir, nil)
	c, err := Dial(context.Background(), addr, ClientConfig{})
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	c.Login("anonymous", "x")
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := c.Retrieve("f", io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
