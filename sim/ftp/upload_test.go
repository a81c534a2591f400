package ftp

import (
	"io"
	"os"
	"path/filepath"
	"strings"
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
