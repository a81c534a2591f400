package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportSessionsAndPcapng: export --format pcapng writes a capture
// that import reads back; import --list names its session, --session 2 of
// one session is a usage error that says how many there are.
func TestImportSessionsAndPcapng(t *testing.T) {
	dir := t.TempDir()
	rec, ng, back := filepath.Join(dir, "s.jsonl"), filepath.Join(dir, "s.pcapng"), filepath.Join(dir, "b.jsonl")
	if out, code := ftplab(t, "run", "--mode", "passive", "--record", rec); code != 0 {
		t.Fatalf("run: exit %d\n%s", code, out)
	}
	if out, code := ftplab(t, "export", rec, "--format", "pcapng"); code != 2 || !strings.Contains(out, "--format pcapng needs -o FILE") {
		t.Errorf("pcapng to a terminal: exit %d, %q", code, out)
	}
	if out, code := ftplab(t, "export", rec, "--format", "pcapng", "-o", ng); code != 0 {
		t.Fatalf("export: exit %d\n%s", code, out)
	}
	if b, _ := os.ReadFile(ng); len(b) < 4 || string(b[:4]) != "\x0a\x0d\x0d\x0a" {
		t.Fatalf("%s is not a pcapng file", ng)
	}
	out, code := ftplab(t, "import", "--list", ng)
	if code != 0 || !strings.Contains(out, "1  ") || !strings.Contains(out, "client 192.0.2.10:2000  server 198.51.100.21:21") || !strings.Contains(out, "1 data connections (user anonymous)") {
		t.Errorf("import --list: exit %d\n%s", code, out)
	}
	if out, code := ftplab(t, "import", ng, "--session", "2", "-o", back); code != 2 || !strings.Contains(out, "the capture has 1 FTP session") {
		t.Errorf("--session 2: exit %d, %q", code, out)
	}
	if out, code := ftplab(t, "import", ng, "-o", back); code != 0 || strings.Contains(out, "more") {
		t.Errorf("import: exit %d, %q", code, out)
	}
	if _, code := ftplab(t, "replay", back, "--headless"); code != 0 {
		t.Errorf("replay of the import: exit %d", code)
	}
}
