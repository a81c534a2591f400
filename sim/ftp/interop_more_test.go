package ftp

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"ftplab/internal/peertest"
)

// TestWgetASCIIAndMirror: wget's ";type=a" download of a CRLF file (one CR
// per line, not two) and wget -m of a tree with awkward names.
func TestWgetASCIIAndMirror(t *testing.T) {
	peertest.Need(t, "wget")
	srv := t.TempDir()
	os.WriteFile(filepath.Join(srv, "dos.txt"), []byte("crlf one\r\ncrlf two\r\n"), 0o644)
	want := mirrorTree(t, filepath.Join(srv, "tree"), 60)
	addr := testServer(t, srv, nil)
	dst := t.TempDir()
	if out, err := runIn(t, dst, "", nil, "wget", "-q", "-O", "dos.txt", "ftp://"+addr+"/dos.txt;type=a"); err != nil {
		t.Fatalf("wget: %v\n%s", err, out)
	}
	// wget keeps the wire's CRLF; the point is that there is one CR.
	if b, _ := os.ReadFile(filepath.Join(dst, "dos.txt")); string(b) != "crlf one\r\ncrlf two\r\n" {
		t.Errorf("wget ;type=a: %q", b)
	}
	if out, err := runIn(t, dst, "", nil, "wget", "-q", "-m", "-nH", "--restrict-file-names=nocontrol", "ftp://"+addr+"/tree/"); err != nil {
		t.Fatalf("wget -m: %v\n%s", err, out)
	}
	got := treeSums(t, filepath.Join(dst, "tree"))
	for name := range got {
		if filepath.Base(name) == ".listing" {
			delete(got, name)
		}
	}
	compareTrees(t, "wget -m", got, want)
}

// TestBusyboxAndNcftpget: busybox ftpget of a leading-dash name, and
// ncftpget with a wildcard (it globs with NLST on the server).
func TestBusyboxAndNcftpget(t *testing.T) {
	srv := listingTree(t)
	addr := testServer(t, srv, nil)
	host, port, _ := net.SplitHostPort(addr)
	t.Run("busybox", func(t *testing.T) {
		peertest.Need(t, "busybox")
		dst := t.TempDir()
		if out, err := runIn(t, dst, "", nil, "busybox", "ftpget", "-P", port, "--", host, "got.bin", "-dash.bin"); err != nil {
			t.Fatalf("busybox ftpget: %v\n%s", err, out)
		}
		if b, _ := os.ReadFile(filepath.Join(dst, "got.bin")); string(b) != "-dash.bin" {
			t.Errorf("busybox ftpget -dash.bin: %q", b)
		}
	})
	t.Run("ncftpget", func(t *testing.T) {
		peertest.Need(t, "ncftpget")
		dst := t.TempDir()
		if out, err := runIn(t, dst, "", nil, "ncftpget", "-t", "20", "-P", port, host, ".", "/sub/*.txt", "/*.dat"); err != nil {
			t.Fatalf("ncftpget: %v\n%s", err, out)
		}
		if got, want := localFiles(t, dst), []string{"bin.dat", "s1.txt"}; !slices.Equal(got, want) {
			t.Errorf("ncftpget with wildcards fetched %q, want %q", got, want)
		}
	})
}
