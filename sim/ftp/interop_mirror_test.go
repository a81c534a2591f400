package ftp

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"testing"

	"ftplab/internal/peertest"
)

// mirrorDirs are the tree's directories: unicode, spaces (one and two),
// a leading dash, a dash word, nesting.
var mirrorDirs = []string{
	".", "-dashdir", "d1", "d1/sub a", "d2 space", "two  spaces", "ünïcødé", "日本語", "dd -x",
	"deep/x/y/z/w", "deep/x", "-dashdir/-inner", "semi;colon", "quote'd", "brackets [1]", "plus+percent%",
}

// mirrorTree writes n files spread over mirrorDirs, with names of the same
// kinds, and returns each file's sha256 by slash path.
func mirrorTree(t *testing.T, root string, n int) map[string]string {
	t.Helper()
	names := []string{"plain-%d.txt", "-dash-%d.bin", "space %d.dat", "ünï %d.txt", "two  sp-%d", "x -la-%d.txt", "ファイル%d"}
	sums := map[string]string{}
	for i := range n {
		rel := filepath.ToSlash(filepath.Join(mirrorDirs[i%len(mirrorDirs)], fmt.Sprintf(names[i%len(names)], i)))
		p := filepath.Join(root, filepath.FromSlash(rel))
		os.MkdirAll(filepath.Dir(p), 0o755)
		data := fmt.Appendf(nil, "%s\n%0*d\n", rel, i%3000, 0) // sizes 0.. ~3 KB
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		sums[rel] = sha256Hex(data)
	}
	return sums
}

// treeSums is the sha256 of every regular file under root.
func treeSums(t *testing.T, root string) map[string]string {
	t.Helper()
	sums := map[string]string{}
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(root, p)
			sums[filepath.ToSlash(rel)] = fileSum(t, p)
		}
		return nil
	})
	return sums
}

func compareTrees(t *testing.T, what string, got, want map[string]string) {
	t.Helper()
	bad := 0
	for name, sum := range want {
		if got[name] != sum {
			if bad++; bad <= 5 {
				t.Errorf("%s: %q: sha256 %q, want %q", what, name, got[name], sum)
			}
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok {
			if bad++; bad <= 5 {
				t.Errorf("%s: unexpected %q", what, name)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%s: %d of %d files differ", what, bad, len(want))
	}
}

// mirrorFiles is the tree's size: 500 files in 16 directories.
const mirrorFiles = 500

// TestMirrorTrees: lftp and rclone copy a 500-file tree with unicode,
// spaces and leading-dash names up to the server and back down, and every
// file arrives with the same sha256.
func TestMirrorTrees(t *testing.T) {
	src := t.TempDir()
	want := mirrorTree(t, src, mirrorFiles)
	tools := []struct {
		peer     string
		up, down func(t *testing.T, addr, local, remote string) (string, error)
	}{
		{"lftp", func(t *testing.T, addr, local, remote string) (string, error) {
			host, port, _ := net.SplitHostPort(addr)
			return runIn(t, local, "", nil, "lftp", "-c", "set net:max-retries 1; open -u anonymous,x -p "+port+" "+host+"; mirror -R --parallel=4 . "+remote)
		}, func(t *testing.T, addr, local, remote string) (string, error) {
			host, port, _ := net.SplitHostPort(addr)
			return runIn(t, local, "", nil, "lftp", "-c", "set net:max-retries 1; open -u anonymous,x -p "+port+" "+host+"; mirror --parallel=4 "+remote+" .")
		}},
		{"rclone", func(t *testing.T, addr, local, remote string) (string, error) {
			return runIn(t, local, "", []string{"RCLONE_CONFIG=/dev/null"}, "rclone", "copy", "--retries", "1", "--low-level-retries", "1", ".", rcloneRemote(t, addr)+remote)
		}, func(t *testing.T, addr, local, remote string) (string, error) {
			return runIn(t, local, "", []string{"RCLONE_CONFIG=/dev/null"}, "rclone", "copy", "--retries", "1", "--low-level-retries", "1", rcloneRemote(t, addr)+remote, ".")
		}},
	}
	for _, tool := range tools {
		t.Run(tool.peer, func(t *testing.T) {
			peertest.Need(t, tool.peer)
			srv := t.TempDir()
			addr := testServer(t, srv, nil)
			if out, err := tool.up(t, addr, src, "/up"); err != nil {
				t.Fatalf("%s up: %v\n%s", tool.peer, err, out)
			}
			compareTrees(t, tool.peer+" up", treeSums(t, filepath.Join(srv, "up")), want)
			down := t.TempDir()
			if out, err := tool.down(t, addr, down, "/up"); err != nil {
				t.Fatalf("%s down: %v\n%s", tool.peer, err, out)
			}
			compareTrees(t, tool.peer+" down", treeSums(t, down), want)
		})
	}
}

// TestMirrorSymlinks: lftp's mirror, which lists with MLSD, copies the
// server's symlinks as symlinks with their targets (a link to a file, to a
// directory, a dangling one) and the file they point to once, without
// errors, and leaves out a link whose target is outside the tree. A link
// typed "file" made it fetch the target under the link's name, report a
// short transfer and leave an empty file.
func TestMirrorSymlinks(t *testing.T) {
	peertest.Need(t, "lftp")
	srv := t.TempDir()
	os.WriteFile(filepath.Join(srv, "plain.txt"), []byte("plain\n"), 0o644)
	os.Mkdir(filepath.Join(srv, "sub"), 0o755)
	os.WriteFile(filepath.Join(srv, "sub", "in.txt"), []byte("in\n"), 0o644)
	links := map[string]string{"to-plain": "plain.txt", "to-sub": "sub", "dangling": "no-such-file"}
	for l, target := range links {
		if err := os.Symlink(target, filepath.Join(srv, l)); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	// A link out of the tree is listed without its target: lftp skips it.
	os.Symlink(filepath.Join(srv, "plain.txt"), filepath.Join(srv, "abs"))
	addr := testServer(t, srv, nil)
	host, port, _ := net.SplitHostPort(addr)
	down := t.TempDir()
	out, err := runIn(t, down, "", nil, "lftp", "-c", "set net:max-retries 1; set cmd:fail-exit yes; open -u anonymous,x -p "+port+" "+host+"; mirror / .")
	if err != nil {
		t.Fatalf("lftp mirror: %v\n%s", err, out)
	}
	if out != "" {
		t.Errorf("lftp mirror said:\n%s", out)
	}
	for l, target := range links {
		if got, err := os.Readlink(filepath.Join(down, l)); err != nil || got != target {
			t.Errorf("%s: a link to %q (%v), want one to %q", l, got, err, target)
		}
	}
	if _, err := os.Lstat(filepath.Join(down, "abs")); err == nil {
		t.Error("lftp made the link out of the tree: its target was shown")
	}
	compareTrees(t, "lftp mirror", treeSums(t, down), map[string]string{
		"plain.txt":  sha256Hex([]byte("plain\n")),
		"sub/in.txt": sha256Hex([]byte("in\n")),
	})
}

// sha256Hex is b's sha256 as the trees' sums are kept.
func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// TestRcloneFollowsFileLinks: rclone 1.60 knows no MLSD link type and takes
// a link for a file; with the target's size in the listing it copies the
// file under the link's name (with the link's own size it failed the copy,
// "sizes differ").
func TestRcloneFollowsFileLinks(t *testing.T) {
	peertest.Need(t, "rclone")
	srv := t.TempDir()
	os.WriteFile(filepath.Join(srv, "plain.txt"), []byte("plain\n"), 0o644)
	if err := os.Symlink("plain.txt", filepath.Join(srv, "to-plain")); err != nil {
		t.Skip("no symlinks here:", err)
	}
	addr := testServer(t, srv, nil)
	down := t.TempDir()
	out, err := runIn(t, down, "", []string{"RCLONE_CONFIG=/dev/null"}, "rclone", "copy", "--retries", "1", "--low-level-retries", "1", rcloneRemote(t, addr)+"/", ".")
	if err != nil {
		t.Fatalf("rclone copy: %v\n%s", err, out)
	}
	compareTrees(t, "rclone copy", treeSums(t, down), map[string]string{"plain.txt": sha256Hex([]byte("plain\n")), "to-plain": sha256Hex([]byte("plain\n"))})
}
