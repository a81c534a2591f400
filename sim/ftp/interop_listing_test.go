package ftp

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	jftp "github.com/jlaffaye/ftp"

	"ftplab/internal/peertest"
)

// runIn runs a peer program with stdin and extra environment, bounded in
// time, and returns its combined output and error.
func runIn(t *testing.T, dir, stdin string, env []string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// localFiles lists the regular files under dir as slash paths.
func localFiles(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return nil
	})
	slices.Sort(out)
	return out
}

// rcloneRemote is an rclone on-the-fly ftp remote for addr (no config file).
func rcloneRemote(t *testing.T, addr string) string {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	obscured, err := exec.Command("rclone", "obscure", "x").Output()
	if err != nil {
		t.Fatalf("rclone obscure: %v", err)
	}
	// encoding=Slash: rclone otherwise maps tabs and trailing spaces to
	// look-alike runes, and the names would not be the server's.
	return ":ftp,host=" + host + ",port=" + port + ",user=anonymous,encoding=Slash,pass=" + strings.TrimSpace(string(obscured)) + ":"
}

// TestRcloneNamesWithSpacesAndDashes: rclone lists each directory with
// "LIST path" (or MLSD path); a name with a dash word, a run of spaces or
// an NBSP used to be rewritten, so 1 of 4 files arrived.
func TestRcloneNamesWithSpacesAndDashes(t *testing.T) {
	peertest.Need(t, "rclone")
	srv := listingTree(t)
	addr := testServer(t, srv, nil)
	dst := t.TempDir()
	out, err := runIn(t, dst, "", []string{"RCLONE_CONFIG=/dev/null"}, "rclone", "copy", "--retries", "1", "--low-level-retries", "1", rcloneRemote(t, addr)+"p", dst)
	if err != nil {
		t.Fatalf("rclone copy: %v\n%s", err, out)
	}
	want := localFiles(t, filepath.Join(srv, "p"))
	if got := localFiles(t, dst); !slices.Equal(got, want) {
		t.Errorf("rclone copied %q, want %q", got, want)
	}
}

// TestJlaffayeEntryAndNameList: the Go client's GetEntry (MLST) and
// NameList (NLST DIR) on names with spaces.
func TestJlaffayeEntryAndNameList(t *testing.T) {
	addr := testServer(t, listingTree(t), nil)
	c, err := jftp.Dial(addr, jftp.DialWithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Quit()
	if err := c.Login("anonymous", "x"); err != nil {
		t.Fatal(err)
	}
	e, err := c.GetEntry("p/dd -x/only-in-dd-x.txt")
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "/p/dd -x/only-in-dd-x.txt" || e.Type != jftp.EntryTypeFile || e.Size != uint64(len("p/dd -x/only-in-dd-x.txt")) {
		t.Errorf("GetEntry: %+v", e)
	}
	names, err := c.NameList("/p")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"/p/dd", "/p/dd -x", "/p/nb\u00a0sp", "/p/tab\there", "/p/two  spaces"}; !slices.Equal(names, want) {
		t.Errorf("NameList(/p) = %q, want %q", names, want)
	}
	entries, err := c.List("/p/two  spaces")
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name != "in-two.txt" {
		t.Errorf("List(two  spaces) = %+v", entries)
	}
}

// TestTnftpMget: tnftp's mget globs with NLST: "mget *.txt" needs the
// server to expand the wildcard, and "mget DIR" needs NLST DIR to answer
// DIR/name so that each RETR finds its file.
func TestTnftpMget(t *testing.T) {
	peertest.Need(t, "tnftp")
	srv := listingTree(t)
	addr := testServer(t, srv, nil)
	host, port, _ := strings.Cut(addr, ":")
	dst := t.TempDir()
	os.MkdirAll(filepath.Join(dst, "sub"), 0o755)
	script := "user anonymous x\nbinary\nprompt\nmget *.txt\nmget sub\nquit\n"
	out, err := runIn(t, dst, script, nil, "tnftp", "-n", "-v", host, port)
	if err != nil {
		t.Fatalf("tnftp: %v\n%s", err, out)
	}
	want := []string{" lead.txt", "a  b.txt", "one.txt", "sub/s1.txt", "sub/s2.dat", "two.txt", "x -la.txt"}
	if got := localFiles(t, dst); !slices.Equal(got, want) {
		t.Errorf("tnftp mget fetched %q, want %q\n%s", got, want, out)
	}
	for _, f := range want {
		b, _ := os.ReadFile(filepath.Join(dst, f))
		if string(b) != f {
			t.Errorf("%s holds %q", f, b)
		}
	}
}

// TestCurlNocwdListing: curl --ftp-method nocwd sends "LIST /p/dd -x/".
func TestCurlNocwdListing(t *testing.T) {
	peertest.Need(t, "curl")
	addr := testServer(t, listingTree(t), nil)
	for dir, want := range map[string]string{"dd%20-x": "only-in-dd-x.txt", "two%20%20spaces": "in-two.txt"} {
		out := run(t, "curl", "-sS", "-l", "--ftp-method", "nocwd", "ftp://"+addr+"/p/"+dir+"/")
		if !strings.Contains(out, want) || strings.Contains(out, "only-in-dd.txt") {
			t.Errorf("curl nocwd /p/%s/: %q, want %s", dir, out, want)
		}
	}
}
