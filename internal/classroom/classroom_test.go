package classroom

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestHostKeyMadeOnceAndKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "key")
	k1, created, err := HostKey(path)
	if err != nil || !created {
		t.Fatalf("first start: created=%v err=%v", created, err)
	}
	st, _ := os.Stat(path)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("key mode %04o, want 0600", st.Mode().Perm())
	}
	if k1.PublicKey().Type() != "ssh-ed25519" {
		t.Errorf("key type %s, want ssh-ed25519", k1.PublicKey().Type())
	}
	k2, created, err := HostKey(path)
	if err != nil || created || Fingerprint(k1.PublicKey()) != Fingerprint(k2.PublicKey()) {
		t.Errorf("second start: created=%v err=%v, fingerprints %s and %s", created, err, Fingerprint(k1.PublicKey()), Fingerprint(k2.PublicKey()))
	}
	os.Chmod(path, 0o644)
	if _, _, err := HostKey(path); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a key others can read: %v, want refused", err)
	}
	bad := filepath.Join(t.TempDir(), "bad")
	os.WriteFile(bad, []byte("not a key"), 0o600)
	if _, _, err := HostKey(bad); err == nil || !strings.Contains(err.Error(), bad) {
		t.Errorf("a broken key file: %v, want an error naming it", err)
	}
}

func TestCheckOpen(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:2222", true}, {"[::1]:2222", true}, {"localhost:2222", true}, {"127.0.0.2:22", true},
		{"0.0.0.0:2222", false}, {":2222", false}, {"192.168.1.5:2222", false}, {"[::]:2222", false}, {"nonsense", false},
	} {
		if err := CheckOpen(tc.addr); (err == nil) != tc.ok {
			t.Errorf("CheckOpen(%q) = %v, want ok=%v", tc.addr, err, tc.ok)
		}
	}
}

func TestPasswordMatches(t *testing.T) {
	for _, tc := range []struct {
		got  string
		want bool
	}{{"secret", true}, {"secret ", false}, {"Secret", false}, {"", false}, {strings.Repeat("s", 10000), false}} {
		if passwordMatches(tc.got, "secret") != tc.want {
			t.Errorf("passwordMatches(%.10q) != %v", tc.got, tc.want)
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, tc := range []struct {
		name string
		ok   bool
	}{
		{"alice", true}, {"Zoë_2", true}, {"a.b-c", true}, {"", false}, {"evil\x1b[2J", false},
		{"two words", false}, {"tab\t", false}, {strings.Repeat("x", 33), false}, {"bell\a", false},
	} {
		if err := checkName(tc.name); (err == nil) != tc.ok {
			t.Errorf("checkName(%q) = %v, want ok=%v", tc.name, err, tc.ok)
		}
	}
}

func TestReadAuthorizedKeys(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("# the class\nssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7yqcqf9Y1j4M4zU5ZsFa3kAq7cYvZg7x3bL1U2n0Y alice\n\n"), 0o600)
	if keys, err := ReadAuthorizedKeys(good); err != nil || len(keys) != 1 {
		t.Errorf("good file: %d keys, %v", len(keys), err)
	}
	for name, text := range map[string]string{
		"empty":   "# nothing\n",
		"garbage": "ssh-ed25519 notbase64 x\n",
		"options": `command="ls" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGq7yqcqf9Y1j4M4zU5ZsFa3kAq7cYvZg7x3bL1U2n0Y alice` + "\n",
	} {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(text), 0o600)
		if _, err := ReadAuthorizedKeys(p); err == nil || !strings.Contains(err.Error(), p) {
			t.Errorf("%s: %v, want an error naming the file", name, err)
		}
	}
}

func result(student, lesson string, score, total int) Result {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	return Result{Student: student, Lesson: lesson, Score: score, Total: total, Started: t0, Ended: t0.Add(95 * time.Second)}
}

// TestResultsSurviveACrash: a line cut short is skipped and reported,
// and the next line written after a restart reads back whole.
func TestResultsSurviveACrash(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	rs, err := OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Append(result("alice", "passive", 2, 3)); err != nil {
		t.Fatal(err)
	}
	rs.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`{"student":"bob","lesson":"act`) // the crash
	f.Close()
	rs, err = OpenResults(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := rs.Append(result("carol", "active", 1, 1)); err != nil {
		t.Fatal(err)
	}
	rs.Close()
	got, bad, err := ReadResults(path)
	if err != nil || len(got) != 2 || got[0].Student != "alice" || got[1].Student != "carol" || len(bad) != 1 || bad[0] != 2 {
		t.Fatalf("read back %+v, bad lines %v, err %v; want alice and carol, line 2 bad", got, bad, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("results mode %04o, want 0600 (names and scores)", st.Mode().Perm())
	}
}

func TestCSVGolden(t *testing.T) {
	var b bytes.Buffer
	if err := WriteCSV(&b, []Result{result("alice", "passive", 2, 3), result("bob", "two-channels", 0, 0)}); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "gradebook.csv")
	if *update {
		os.WriteFile(golden, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("csv:\n%s\nwant:\n%s", b.String(), want)
	}
}

// TestClassKeepsTheBest: the menu's mark is the best result, from this
// run and from the file the server continued.
func TestClassKeepsTheBest(t *testing.T) {
	c := NewClass(2, nil, []Result{result("alice", "passive", 1, 3)})
	s := &Seat{Name: "alice", quit: func(string) {}}
	if err := c.join(s); err != nil {
		t.Fatal(err)
	}
	if got := s.Best("passive"); got != "1/3" {
		t.Errorf("from the file: %q, want 1/3", got)
	}
	for _, r := range []struct {
		score, total int
		want         string
	}{{3, 3, "3/3"}, {0, 3, "3/3"}} {
		if got, _ := s.Finished("passive", r.score, r.total); got != r.want {
			t.Errorf("after %d/%d: best %q, want %q", r.score, r.total, got, r.want)
		}
	}
	// A third student in a class of two is refused; the same name takes over.
	var kicked string
	c.join(&Seat{Name: "bob", quit: func(string) {}})
	if err := c.join(&Seat{Name: "carol", quit: func(string) {}}); err == nil || !strings.Contains(err.Error(), "full") {
		t.Errorf("a third student: %v, want the class is full", err)
	}
	s.quit = func(why string) { kicked = why }
	again := &Seat{Name: "alice", Addr: "192.0.2.7", quit: func(string) {}}
	if err := c.join(again); err != nil || !strings.Contains(kicked, "connected again from 192.0.2.7") {
		t.Errorf("alice again: %v, old session told %q", err, kicked)
	}
	c.leave(s) // the old session ending must not unseat the new one
	if c.Connected() != 2 {
		t.Errorf("%d connected after the old session left, want 2", c.Connected())
	}
}

// TestDashboardSorts: the rows follow the chosen column, both ways.
func TestDashboardSorts(t *testing.T) {
	c := NewClass(5, nil, nil)
	now := time.Now()
	for i, name := range []string{"carol", "alice", "bob"} {
		s := &Seat{Name: name, Addr: "127.0.0.1", quit: func(string) {}}
		c.join(s)
		s.Opened("passive")
		s.Stepped(Progress{Step: []int{5, 9, 1}[i], Steps: 30})
		s.Input(now.Add(-time.Duration(i) * time.Minute))
	}
	d := NewDashboard(c, "test", nil)
	d.now = func() time.Time { return now }
	order := func() string {
		var names []string
		for _, line := range strings.Split(strings.TrimSpace(d.Text()), "\n") {
			names = append(names, strings.Fields(line)[0])
		}
		return strings.Join(names, ",")
	}
	for _, tc := range []struct{ key, want string }{
		{"", "alice,bob,carol"}, {"1", "carol,bob,alice"}, {"3", "bob,carol,alice"}, {"3", "alice,carol,bob"}, {"5", "carol,alice,bob"},
	} {
		if tc.key != "" {
			d.Update(keyPress(tc.key))
		}
		if got := order(); got != tc.want {
			t.Errorf("after %q: %s, want %s", tc.key, got, tc.want)
		}
	}
	if !strings.Contains(d.Text(), "alice | passive | step 9/30") {
		t.Errorf("no step column:\n%s", d.Text())
	}
}
