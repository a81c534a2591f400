package ftp

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestEntryStatMatchesLstat: a listing's own fstatat gives each entry the
// name, size, mode, time and owner that os.Lstat gives it, whatever its
// kind, and a name gone since the directory was read is an error.
func TestEntryStatMatchesLstat(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dir, "plain.txt"), []byte("twelve bytes"), 0o640))
	must(os.WriteFile(filepath.Join(dir, "suid"), nil, 0o755))
	must(os.Chmod(filepath.Join(dir, "suid"), 0o755|os.ModeSetuid|os.ModeSetgid))
	must(os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(os.Mkdir(filepath.Join(dir, "tmp"), 0o777))
	must(os.Chmod(filepath.Join(dir, "tmp"), 0o777|os.ModeSticky))
	must(os.Symlink("plain.txt", filepath.Join(dir, "link")))
	must(os.Symlink("/nowhere", filepath.Join(dir, "dangling")))
	must(syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o600))
	root, err := os.OpenRoot(filepath.Dir(dir))
	must(err)
	defer root.Close()
	c := &session{srv: &Server{cfg: ServerConfig{Root: root}}}
	l, err := c.openListing(listTarget{dir: filepath.Base(dir)}, false)
	must(err)
	defer l.Close()
	stat := newEntryStat(l)
	if stat.fd < 0 {
		t.Fatal("no descriptor for the listed directory: the fallback would hide the fast path")
	}
	for _, name := range []string{"plain.txt", "suid", "sub", "tmp", "link", "dangling", "fifo"} {
		want, err := os.Lstat(filepath.Join(dir, name))
		must(err)
		got, err := stat.lstat(name)
		must(err)
		if got.Name() != want.Name() || got.Size() != want.Size() || got.Mode() != want.Mode() ||
			!got.ModTime().Equal(want.ModTime()) || got.IsDir() != want.IsDir() {
			t.Errorf("%s: got %s %d %v %v, want %s %d %v %v", name,
				got.Name(), got.Size(), got.Mode(), got.ModTime(), want.Name(), want.Size(), want.Mode(), want.ModTime())
		}
		r1, w1, x1 := accessFor(got)
		r2, w2, x2 := accessFor(want)
		if r1 != r2 || w1 != w2 || x1 != x2 {
			t.Errorf("%s: access %v%v%v, os's FileInfo gives %v%v%v", name, r1, w1, x1, r2, w2, x2)
		}
	}
	if _, err := stat.lstat("gone"); !os.IsNotExist(err) {
		t.Errorf("a missing entry: %v, want not-exist", err)
	}
}
