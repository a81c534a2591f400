package ftp

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// BenchmarkListDirectory: one LIST of a 20,000-file directory, without
// the network: read the names, stat each, format its line. For where a
// listing's time goes (-cpuprofile); scripts/bench compares whole
// listings with vsftpd's.
func BenchmarkListDirectory(b *testing.B) {
	dir := b.TempDir()
	os.Mkdir(filepath.Join(dir, "big"), 0o755)
	for i := range 20000 {
		os.WriteFile(filepath.Join(dir, "big", fmt.Sprintf("file-%05d.txt", i)), nil, 0o644)
	}
	root, _ := os.OpenRoot(dir)
	defer root.Close()
	c := &session{srv: &Server{cfg: ServerConfig{Root: root}}}
	now := time.Now()
	var buf []byte
	b.ResetTimer()
	for b.Loop() {
		l, err := c.openListing(listTarget{dir: "big"}, false)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		l.each(c, func(fi fs.FileInfo) error { n++; buf = appendLsLine(buf[:0], fi, now); return nil })
		l.Close()
		if n != 20000 {
			b.Fatal(n)
		}
	}
}
