package ftp

import (
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// loginAda logs a raw connection in as the named test user ada.
func (rc *rawConn) loginAda() {
	rc.cmd("USER ada", 331)
	rc.cmd("PASS lovelace", 230)
	rc.cmd("TYPE I", 200)
}

// temporaries lists the upload temporaries under dir.
func temporaries(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && strings.HasPrefix(fi.Name(), uploadPrefix) {
			out = append(out, p)
		}
		return nil
	})
	return out
}

// TestUploadTemporaryIsPrivate: while ada's upload is under way, another
// session (anonymous, with every write right) cannot see its temporary in
// a listing nor read, write, resume, delete or rename it by name; ada's
// file ends up holding exactly what ada sent.
func TestUploadTemporaryIsPrivate(t *testing.T) {
	dir := sandbox(t)
	addr := testServer(t, dir, nil)
	ada := dialRaw(t, addr)
	ada.loginAda()
	data := ada.openTransfer("STOR report.txt")
	io.WriteString(data, "ada's first half, ")
	var tmp []string
	if !eventually(2*time.Second, func() bool { tmp = temporaries(t, dir); return len(tmp) == 1 }) {
		t.Fatalf("temporaries during the upload: %v", tmp)
	}
	name := filepath.Base(tmp[0])

	other := loginBinary(t, addr)
	for _, verb := range []string{"NLST -a", "LIST -a", "MLSD"} {
		if got, rep := other.pasvGet(verb); strings.Contains(got, uploadPrefix) || rep.Code != 226 {
			t.Errorf("%s during an upload: %q %q", verb, got, rep.String())
		}
	}
	if rep := other.cmd("STAT .", 213); strings.Contains(rep.String(), uploadPrefix) {
		t.Errorf("STAT shows the temporary: %q", rep.String())
	}
	for _, line := range []string{"SIZE " + name, "MDTM " + name, "MLST " + name, "DELE " + name, "RNFR " + name, "CWD " + name, "MKD " + name} {
		if rep := other.cmdAny(line); rep.Code < 500 {
			t.Errorf("%s: %q, want a refusal", line, rep.String())
		}
	}
	if got, rep := other.pasvGet("RETR " + name); got != "" || rep.Code < 500 {
		t.Errorf("RETR of the temporary: %q %q", got, rep.String())
	}
	other.cmd("REST 5", 350)
	if rep := other.pasvPut("STOR "+name, "INJECTED"); rep.Code < 500 {
		t.Errorf("REST+STOR into the temporary: %q", rep.String())
	}
	if rep := other.pasvPut("APPE sub/../"+name, "INJECTED"); rep.Code < 500 {
		t.Errorf("APPE to the temporary: %q", rep.String())
	}
	io.WriteString(data, "and the second.")
	data.Close()
	ada.expect(226)
	if b, _ := os.ReadFile(filepath.Join(dir, "report.txt")); string(b) != "ada's first half, and the second." {
		t.Errorf("report.txt holds %q", b)
	}
	if tmp := temporaries(t, dir); len(tmp) != 0 {
		t.Errorf("left over: %v", tmp)
	}
}

// cmdAny sends line and returns the reply whatever its code.
func (rc *rawConn) cmdAny(line string) Reply {
	rc.t.Helper()
	rc.send(line)
	return rc.reply()
}

// TestUploadDirectoryRenamedMidway: the directory an upload goes to is
// renamed while the data flows. The upload lands in the directory under
// its new name and nothing is left behind; one that fails after such a
// rename leaves nothing either.
func TestUploadDirectoryRenamedMidway(t *testing.T) {
	for _, fail := range []bool{false, true} {
		dir := sandbox(t)
		addr := testServer(t, dir, nil)
		ada := dialRaw(t, addr)
		ada.loginAda()
		data := ada.openTransfer("STOR sub/f.txt")
		io.WriteString(data, "part one, ")
		other := dialRaw(t, addr)
		other.loginAda()
		other.cmd("RNFR sub", 350)
		other.cmd("RNTO moved", 250)
		if fail {
			reset(data)
			if rep := ada.reply(); rep.Code != 426 {
				t.Errorf("reset upload: %q, want 426", rep.String())
			}
		} else {
			io.WriteString(data, "part two")
			data.Close()
			ada.expect(226)
			if b, err := os.ReadFile(filepath.Join(dir, "moved", "f.txt")); string(b) != "part one, part two" {
				t.Errorf("moved/f.txt: %q, %v", b, err)
			}
		}
		if tmp := temporaries(t, dir); len(tmp) != 0 {
			t.Errorf("failed=%v: left over: %v", fail, tmp)
		}
	}
}

// TestAnonymousUploadIsItsOwnSwitch: --allow-upload is for named users.
// Anonymous writes only with AnonymousUpload, and then only makes new
// files and directories (vsftpd's anon_upload_enable): it cannot replace,
// append to, resume, delete or rename ada's files.
func TestAnonymousUploadIsItsOwnSwitch(t *testing.T) {
	for _, anonUpload := range []bool{false, true} {
		dir := sandbox(t)
		os.WriteFile(filepath.Join(dir, "adas.txt"), []byte("ada's\n"), 0o644)
		addr := testServer(t, dir, func(c *ServerConfig) {
			c.AllowUpload, c.AnonymousUpload, c.AnonymousOtherWrite = true, anonUpload, false
		})
		anon := loginBinary(t, addr)
		for _, line := range []string{"DELE adas.txt", "RNFR adas.txt", "RMD sub"} {
			if rep := anon.cmdAny(line); rep.Code != 550 {
				t.Errorf("anonymous upload %v: %s: %q, want 550", anonUpload, line, rep.String())
			}
		}
		for _, cmd := range []string{"APPE adas.txt", "STOR adas.txt"} {
			if rep := anon.pasvPut(cmd, "vandal"); rep.Code != 550 && rep.Code != 553 {
				t.Errorf("anonymous upload %v: %s: %q, want 550 or 553", anonUpload, cmd, rep.String())
			}
		}
		anon.cmd("REST 6", 350)
		if rep := anon.pasvPut("STOR adas.txt", "vandal"); rep.Code != 550 && rep.Code != 553 {
			t.Errorf("anonymous upload %v: REST+STOR: %q", anonUpload, rep.String())
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "adas.txt")); string(b) != "ada's\n" {
			t.Errorf("anonymous upload %v: adas.txt is now %q", anonUpload, b)
		}
		rep := anon.pasvPut("STOR homework.txt", "mine")
		mkd := anon.cmdAny("MKD newdir")
		if anonUpload && (rep.Code != 226 || mkd.Code != 257) {
			t.Errorf("with AnonymousUpload, a new file: %q, MKD: %q", rep.String(), mkd.String())
		}
		if !anonUpload && (rep.Code != 550 || mkd.Code != 550) {
			t.Errorf("without AnonymousUpload, a new file: %q, MKD: %q", rep.String(), mkd.String())
		}
		ada := dialRaw(t, addr)
		ada.loginAda()
		if rep := ada.pasvPut("STOR adas.txt", "new\n"); rep.Code != 226 {
			t.Errorf("ada replacing her file: %q", rep.String())
		}
	}
}

// TestSTORKeepsModeAndOwner: a replaced file keeps its mode and (as root)
// its owner; a rename used to reset both to 0644 and the server's user.
func TestSTORKeepsModeAndOwner(t *testing.T) {
	dir := sandbox(t)
	p := filepath.Join(dir, "shared.txt")
	os.WriteFile(p, []byte("old\n"), 0o640)
	os.Chmod(p, 0o640)
	root := os.Geteuid() == 0
	if root {
		if err := os.Chown(p, 4321, 4322); err != nil {
			t.Fatal(err)
		}
	}
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.loginAda()
	if rep := c.pasvPut("STOR shared.txt", "new\n"); rep.Code != 226 {
		t.Fatalf("STOR: %q", rep.String())
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode after STOR: %v, want -rw-r-----", fi.Mode())
	}
	if st := fi.Sys().(*syscall.Stat_t); root && (st.Uid != 4321 || st.Gid != 4322) {
		t.Errorf("owner after STOR: %d:%d, want 4321:4322", st.Uid, st.Gid)
	}
}

// TestSTORRefusesReadOnly: as an unprivileged user the server will not
// replace a file it could not write (0444, or another user's): 553, as
// vsftpd, and the file is unchanged. Root may write anything, so the test
// needs a non-root run.
func TestSTORRefusesReadOnly(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("as root every file is writable; TestSTORRefusesReadOnlyAsNobody runs this as nobody")
	}
	dir := sandbox(t)
	p := filepath.Join(dir, "ro.txt")
	os.WriteFile(p, []byte("keep\n"), 0o444)
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.loginAda()
	if rep := c.pasvPut("STOR ro.txt", "overwritten\n"); rep.Code != 553 {
		t.Errorf("STOR over a 0444 file: %q, want 553", rep.String())
	}
	if b, _ := os.ReadFile(p); string(b) != "keep\n" {
		t.Errorf("ro.txt is now %q", b)
	}
}

// TestSTORRefusesReadOnlyAsNobody runs TestSTORRefusesReadOnly as the
// user nobody when the tests run as root (as in CI).
func TestSTORRefusesReadOnlyAsNobody(t *testing.T) {
	if os.Geteuid() != 0 || os.Getenv("FTPLAB_AS_NOBODY") != "" {
		t.Skip("needs root to switch to nobody")
	}
	// A copy nobody may run: go test builds into a directory only root
	// can enter.
	binDir, err := os.MkdirTemp("", "ftplab-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(binDir)
	bin := filepath.Join(binDir, "ftp.test")
	exe, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	os.Chmod(binDir, 0o755)
	cmd := exec.Command(bin, "-test.run=^TestSTORRefusesReadOnly$", "-test.v")
	cmd.Dir = os.TempDir()
	cmd.Env = append(os.Environ(), "FTPLAB_AS_NOBODY=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestSTORRefusesReadOnly") {
		t.Errorf("as nobody: %v\n%s", err, out)
	}
}
