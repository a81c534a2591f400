package ftp

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSplitListArg(t *testing.T) {
	exists := func(p string) bool {
		return slices.Contains([]string{"-dash.bin", "dd -x", "x -la.txt", " lead.txt", "a  b"}, p)
	}
	tests := []struct {
		arg, path string
		all       bool
	}{
		{"", "", false},
		{"-la", "", true},
		{"-l", "", false},
		{"-a -l", "", true},
		{"-la sub", "sub", true},
		{"-la  a  b", " a  b", true}, // one space ends the options; the rest is the name
		{"-la a  b", "a  b", true},
		{"-- -dash.bin", "-dash.bin", false},
		{"-l -- -x", "-x", false},
		{"-dash.bin", "-dash.bin", false}, // a real name is never an option
		{"dd -x", "dd -x", false},
		{"x -la.txt", "x -la.txt", false},
		{" lead.txt", " lead.txt", false},
		{"trail.txt ", "trail.txt ", false},
		{"tab\there", "tab\there", false},
		{"-nosuch.bin", "-nosuch.bin", false}, // not an option word: a (missing) name
		{"-l sub/-x", "sub/-x", false},
	}
	for _, tt := range tests {
		fl, p := splitListArg(tt.arg, exists)
		if p != tt.path || fl.all != tt.all {
			t.Errorf("splitListArg(%q) = %q all=%v, want %q all=%v", tt.arg, p, fl.all, tt.path, tt.all)
		}
	}
}

// listingTree has names that a word-splitting parser loses.
func listingTree(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{
		"p/dd/only-in-dd.txt", "p/dd -x/only-in-dd-x.txt", "p/two  spaces/in-two.txt",
		"p/nb\u00a0sp/in-nbsp.txt", "p/tab\there/in-tab.txt", "-dash.bin", "a  b.txt", " lead.txt",
		"trail.txt ", "x -la.txt", "one.txt", "two.txt", "bin.dat", "sub/s1.txt", "sub/s2.dat", ".hidden",
	} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(f), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func dataLines(s string) []string {
	s = strings.TrimSuffix(s, "\r\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\r\n")
}

// TestListingPaths: every listing command lists exactly the path it was
// given, whatever spaces or dashes the name holds; NLST of a directory
// prefixes the directory; wildcards match in one directory.
func TestListingPaths(t *testing.T) {
	addr := testServer(t, listingTree(t), nil)
	c := dialRaw(t, addr)
	c.login()
	tests := []struct {
		cmd  string
		want []string // NLST names, or the names at the end of LIST/MLSD lines
	}{
		{"NLST p/dd -x", []string{"p/dd -x/only-in-dd-x.txt"}},
		{"NLST p/two  spaces", []string{"p/two  spaces/in-two.txt"}},
		{"NLST p/nb\u00a0sp", []string{"p/nb\u00a0sp/in-nbsp.txt"}},
		{"NLST p/tab\there/", []string{"p/tab\there/in-tab.txt"}},
		{"NLST p", []string{"p/dd", "p/dd -x", "p/nb\u00a0sp", "p/tab\there", "p/two  spaces"}},
		{"NLST /sub", []string{"/sub/s1.txt", "/sub/s2.dat"}},
		{"NLST *.txt", []string{" lead.txt", "a  b.txt", "one.txt", "two.txt", "x -la.txt"}},
		{"NLST sub/*.dat", []string{"sub/s2.dat"}},
		{"NLST t?o.txt", []string{"two.txt"}},
		{"NLST [ob]*", []string{"bin.dat", "one.txt"}},
		{"NLST *hid*", nil},                                   // "*" does not match a leading dot
		{"NLST .*", []string{".hidden"}},                      // ".*" does
		{"NLST -a sub", []string{"sub/s1.txt", "sub/s2.dat"}}, // no "." or ".." for mget to fetch
		{"NLST *.none", nil},
		{"NLST */s1.txt", nil},    // wildcards only in the last component
		{"NLST ../*", []string{}}, // confined: ".." of the root is the root
		{"NLST a  b.txt", []string{"a  b.txt"}},
		{"NLST  lead.txt", []string{" lead.txt"}},
		{"NLST trail.txt ", []string{"trail.txt "}},
		{"NLST x -la.txt", []string{"x -la.txt"}},
		{"NLST -dash.bin", []string{"-dash.bin"}},
		{"LIST -- -dash.bin", []string{"-dash.bin"}},
		{"LIST -la sub", []string{".", "..", "s1.txt", "s2.dat"}},
		{"LIST -a p/dd", []string{".", "..", "only-in-dd.txt"}},
		{"LIST p/dd -x", []string{"only-in-dd-x.txt"}},
		{"LIST *.dat", []string{"bin.dat"}},
		{"MLSD p/dd -x", []string{"only-in-dd-x.txt"}},
		{"MLSD p/two  spaces", []string{"in-two.txt"}},
	}
	for _, tt := range tests {
		data, rep := c.pasvGet(tt.cmd)
		if rep.Code != 226 {
			t.Errorf("%q: %s", tt.cmd, rep.String())
			continue
		}
		var got []string
		for _, l := range dataLines(data) {
			switch {
			case strings.HasPrefix(tt.cmd, "LIST"):
				got = append(got, lsName(l))
			case strings.HasPrefix(tt.cmd, "MLSD"):
				_, name, _ := strings.Cut(l, "; ")
				got = append(got, name)
			default:
				got = append(got, l)
			}
		}
		if tt.want == nil {
			tt.want = []string{}
		}
		if got == nil {
			got = []string{}
		}
		if tt.cmd == "NLST ../*" {
			if len(got) == 0 {
				t.Errorf("%q: empty; want the root's names", tt.cmd)
			}
			continue
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("%q:\n got %q\nwant %q", tt.cmd, got, tt.want)
		}
	}
}

// lsName is the name at the end of an ls -l line: after the time field.
func lsName(line string) string {
	// "mode links owner group size Mon DD HH:MM name"
	fields := 0
	inField := false
	for i, r := range line {
		if r == ' ' {
			if inField {
				fields++
				inField = false
			}
			continue
		}
		if !inField && fields == 8 {
			return line[i:]
		}
		inField = true
	}
	return ""
}

func TestListingRefusals(t *testing.T) {
	addr := testServer(t, listingTree(t), nil)
	c := dialRaw(t, addr)
	c.login()
	c.epsvDial()
	c.cmd("MLSD nosuch", 550)
	c.epsvDial()
	c.cmd("MLSD one.txt", 550)
	c.cmd("STAT nosuch", 550)
	rep := c.cmd("STAT x -la.txt", 213)
	if !strings.Contains(strings.Join(rep.Lines, "\n"), " x -la.txt") {
		t.Errorf("STAT of a name with a dash word: %q", rep.String())
	}
	rep = c.cmd("MLST p/dd -x", 250)
	if lines := rep.Lines; len(lines) != 3 || !strings.HasSuffix(lines[1], "; /p/dd -x") {
		t.Errorf("MLST of a name with a space: %q", rep.String())
	}
}

// TestListingLargeDirectory: past maxSortedNames a listing streams in
// file-system order; every name still comes exactly once, and a smaller
// directory comes sorted.
func TestListingLargeDirectory(t *testing.T) {
	was := maxSortedNames
	t.Cleanup(func() { maxSortedNames = was }) // runs after the server has stopped
	maxSortedNames = 100                       // fewer files to create than 4096, the same code path
	dir := t.TempDir()
	n := maxSortedNames + 3*readBatch
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("f-%05d ü", i)), nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	os.Mkdir(filepath.Join(dir, "small"), 0o755)
	for _, name := range []string{"c", "a", "b"} {
		os.WriteFile(filepath.Join(dir, "small", name), nil, 0o644)
	}
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.login()
	data, rep := c.pasvGet("NLST")
	if rep.Code != 226 {
		t.Fatalf("NLST: %q", rep.String())
	}
	seen := map[string]int{}
	for _, l := range dataLines(data) {
		seen[l]++
	}
	for i := range n {
		if name := fmt.Sprintf("f-%05d ü", i); seen[name] != 1 {
			t.Fatalf("%q listed %d times", name, seen[name])
		}
	}
	if len(seen) != n+1 {
		t.Errorf("%d names, want %d", len(seen), n+1)
	}
	if data, _ := c.pasvGet("NLST small"); data != "small/a\r\nsmall/b\r\nsmall/c\r\n" {
		t.Errorf("NLST small: %q, want sorted", data)
	}
}

// fakeInfo is a FileInfo with whatever mode, size and time a test wants.
type fakeInfo struct {
	name string
	mode fs.FileMode
	size int64
	mod  time.Time
}

func (f fakeInfo) Name() string       { return f.name }
func (f fakeInfo) Size() int64        { return f.size }
func (f fakeInfo) Mode() fs.FileMode  { return f.mode }
func (f fakeInfo) ModTime() time.Time { return f.mod }
func (f fakeInfo) IsDir() bool        { return f.mode.IsDir() }
func (f fakeInfo) Sys() any           { return nil }

// TestLsLineForm pins LIST's line, appended without fmt, to the form it
// had when fmt.Sprintf made it: mode column (with ls's type letters),
// size right-aligned in 10, the recent or the old time stamp, the name.
func TestLsLineForm(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.Local)
	recent, old := now.Add(-48*time.Hour), now.AddDate(-1, 0, 0)
	reference := func(fi fs.FileInfo) string {
		tm := fi.ModTime()
		stamp := tm.Format("Jan _2 15:04")
		if now.Sub(tm) > 180*24*time.Hour || tm.After(now.Add(time.Hour)) {
			stamp = tm.Format("Jan _2  2006")
		}
		mode := fi.Mode().String()
		switch {
		case fi.IsDir():
			mode = "d" + mode[1:]
		case fi.Mode()&fs.ModeSymlink != 0:
			mode = "l" + mode[1:]
		}
		return fmt.Sprintf("%s    1 ftp      ftp  %10d %s %s", mode, fi.Size(), stamp, fi.Name())
	}
	for _, fi := range []fakeInfo{
		{"a.txt", 0o644, 0, recent},
		{"big.iso", 0o600, 123456789012, old},
		{"ten", 0o644, 1234567890, recent},
		{"eleven", 0o644, 12345678901, recent},
		{"dir", fs.ModeDir | 0o755, 4096, recent},
		{"link", fs.ModeSymlink | 0o777, 7, recent},
		{"suid", fs.ModeSetuid | 0o755, 10, old},
		{"tmp", fs.ModeDir | fs.ModeSticky | 0o777, 4096, recent},
		{"fifo", fs.ModeNamedPipe | 0o644, 0, recent},
		{"future", 0o644, 1, now.Add(2 * time.Hour)},
		{"with space", 0o444, 3, recent},
	} {
		want := reference(fi)
		if got := string(appendLsLine(nil, fi, now)); got != want {
			t.Errorf("%s:\n got %q\nwant %q", fi.name, got, want)
		}
		if got := string(appendLsLine([]byte("x"), fi, now)); got != "x"+want {
			t.Errorf("%s appended: %q", fi.name, got)
		}
	}
}

// TestListingShowsLinkTargets: LIST and STAT show a symlink as ls -l and
// vsftpd do, "name -> target", a dangling one too; MLSD types it
// OS.unix=slink:target; a link named on its own is listed as what it
// points to; other entries get no arrow.
func TestListingShowsLinkTargets(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "plain.txt"), []byte("plain"), 0o644)
	os.Mkdir(filepath.Join(dir, "sub"), 0o755)
	links := map[string]string{"to-plain": "plain.txt", "to-sub": "sub", "dangling": "no/such thing",
		"abs": dir, "climbs": "../x", "in-sub": "sub/../plain.txt"}
	for link, target := range links {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Skip("no symlinks here:", err)
		}
	}
	addr := testServer(t, dir, nil)
	c := dialRaw(t, addr)
	c.login()
	// A target outside the served tree (absolute: the host's file system;
	// or above the root) is not shown.
	want := map[string]string{"dangling": "dangling -> no/such thing", "plain.txt": "plain.txt", "sub": "sub",
		"to-plain": "to-plain -> plain.txt", "to-sub": "to-sub -> sub", "abs": "abs", "climbs": "climbs",
		"in-sub": "in-sub -> sub/../plain.txt"}
	check := func(what string, lines []string) {
		t.Helper()
		got := map[string]string{}
		for _, l := range lines {
			l = strings.TrimPrefix(l, " ") // STAT's lines start with one
			name := lsName(l)
			key, _, _ := strings.Cut(name, " -> ")
			got[key] = name
			if _, isLink := links[key]; strings.HasPrefix(l, "l") != isLink {
				t.Errorf("%s: %q: the l type on what is not a link, or a link without it", what, l)
			}
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s:\n got %q\nwant %q", what, got, want)
		}
	}
	data, rep := c.pasvGet("LIST")
	if rep.Code != 226 {
		t.Fatalf("LIST: %s", rep.String())
	}
	check("LIST", dataLines(data))
	rep = c.cmd("STAT .", 213)
	check("STAT .", rep.Lines[1:len(rep.Lines)-1])
	os.Symlink("with space", filepath.Join(dir, "odd"))
	data, rep = c.pasvGet("MLSD")
	if rep.Code != 226 {
		t.Fatalf("MLSD: %s", rep.String())
	}
	types := map[string]string{}
	for _, l := range dataLines(data) {
		facts, name, _ := strings.Cut(l, " ")
		typ, _, _ := strings.Cut(strings.TrimPrefix(facts, "type="), ";")
		types[name] = typ
		// A link to a file has that file's size (what SIZE and RETR give);
		// other links their own.
		if want := map[string]string{"to-plain": "size=5;", "in-sub": "size=5;", "to-sub": "size=3;"}[name]; want != "" && !strings.Contains(facts, want) {
			t.Errorf("MLSD %s: %q, want %s", name, l, want)
		}
	}
	wantTypes := map[string]string{"plain.txt": "file", "sub": "dir", "to-plain": "OS.unix=slink:plain.txt",
		"to-sub": "OS.unix=slink:sub", "odd": "OS.unix=symlink", "dangling": "OS.unix=symlink", // a space in the target: no slink
		"abs": "OS.unix=symlink", "climbs": "OS.unix=symlink", "in-sub": "OS.unix=slink:sub/../plain.txt"}
	if !maps.Equal(types, wantTypes) {
		t.Errorf("MLSD types:\n got %q\nwant %q", types, wantTypes)
	}
	data, _ = c.pasvGet("LIST to-plain")
	if lines := dataLines(data); len(lines) != 1 || !strings.HasPrefix(lines[0], "-rw") || lsName(lines[0]) != "to-plain" {
		t.Errorf("LIST to-plain: %q, want the file it points to under the link's name", data)
	}
}

// TestMLSxType: the MLSD/MLST type fact of every kind of entry.
func TestMLSxType(t *testing.T) {
	tests := []struct {
		mode   fs.FileMode
		target string
		want   string
	}{
		{0o644, "", "file"},
		{fs.ModeSetuid | 0o755, "", "file"},
		{fs.ModeDir | 0o755, "", "dir"},
		{fs.ModeSymlink | 0o777, "plain.txt", "OS.unix=slink:plain.txt"},
		{fs.ModeSymlink | 0o777, "", "OS.unix=symlink"},       // target unknown or not shown
		{fs.ModeSymlink | 0o777, "a;b", "OS.unix=symlink"},    // would end the fact
		{fs.ModeSymlink | 0o777, "a b", "OS.unix=symlink"},    // would end the facts
		{fs.ModeSymlink | 0o777, "a\r\nb", "OS.unix=symlink"}, // would end the line
		{fs.ModeNamedPipe | 0o600, "", "OS.unix=fifo"},
		{fs.ModeSocket | 0o755, "", "OS.unix=socket"},
		{fs.ModeDevice | fs.ModeCharDevice | 0o666, "", "OS.unix=chr"},
		{fs.ModeDevice | 0o660, "", "OS.unix=blk"},
		{fs.ModeIrregular | 0o644, "", "file"},
	}
	for _, tt := range tests {
		if got := mlsxType(fakeInfo{name: "x", mode: tt.mode}, tt.target); got != tt.want {
			t.Errorf("%v %q: %q, want %q", tt.mode, tt.target, got, tt.want)
		}
	}
}
