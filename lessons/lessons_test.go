package lessons

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"ftplab/sim"
	"ftplab/sim/trace"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func TestEmbeddedLessonsParse(t *testing.T) {
	ls, err := All()
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 23 {
		t.Fatalf("%d lessons, want 23", len(ls))
	}
	seen := map[string]bool{}
	for _, l := range ls {
		if seen[l.Name] {
			t.Errorf("two lessons named %q", l.Name)
		}
		seen[l.Name] = true
	}
}

// TestEveryLessonBehavesAsItSays runs each lesson's scenario through the
// real endpoints and netem, as `ftplab lesson check` does: its expect must
// hold, every section must speak and every prediction be asked, and no
// hook may be ambiguous nor any placeholder come out empty (no warnings).
func TestEveryLessonBehavesAsItSays(t *testing.T) {
	ls, err := All()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range ls {
		t.Run(l.Name, func(t *testing.T) {
			if err := l.CheckRun(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	const ok = "---\ntitle: T\nscenario:\n  mode: active\n---\nIntro.\n## on result ok\nDone.\n"
	tests := []struct {
		name string
		src  string
		want []string // "line: text" fragments, in order
	}{
		{"no front matter", "# hi\n", []string{"1: a lesson starts with front matter"}},
		{"unclosed", "---\ntitle: x\n", []string{"1: front matter is not closed"}},
		{"unknown key", "---\ntitle: T\ncolour: red\n---\n", []string{"3: front matter: field colour not found"}},
		{"bad mode", "---\ntitle: T\nscenario:\n  mode: sideways\n---\n", []string{"4: scenario: mode \"sideways\""}},
		{"missing title", "---\nsummary: s\n---\n", []string{"1: front matter: title is missing"}},
		{"unknown hook", ok + "## on verdcit drop\nx\n", []string{"9: unknown hook \"verdcit drop\""}},
		{"bad hook arg", ok + "## on reply abc\nx\n", []string{"9: hook \"reply abc\""}},
		{"unknown placeholder", ok + "## on timeout\nat {when}\n", []string{"10: unknown placeholder {when}"}},
		{"duplicate", ok + "## on timeout\na\n## on timeout\nb\n", []string{"11: section \"on timeout\" repeats the one on line 9"}},
		{"empty section", ok + "## on timeout\n", []string{"9: section \"on timeout\" has no text"}},
		{"bad heading", ok + "## when it fails\nx\n", []string{"9: a section heading must read"}},
		{"answer out of range", "---\ntitle: T\npredictions:\n  - before: timeout\n    question: q?\n    choices: [a, b]\n    answer: 3\n---\n",
			[]string{"4: prediction 1: answer 3 is not one of the 2 choices"}},
		{"bad prediction hook", "---\ntitle: T\npredictions:\n  - before: sometime\n    question: q?\n    choices: [a, b]\n    answer: 1\n---\n",
			[]string{"4: prediction 1: before: unknown hook"}},
		{"comma inside a choice", "---\ntitle: T\npredictions:\n  - before: timeout\n    question: q?\n    choices: [Yes, it does, No]\n    answer: 1\n---\n",
			[]string{"4: prediction 1: choice 2 \"it does\" looks like the end of the choice before it"}},
		{"bad reset arg", ok + "## on reset sideways\nx\n", []string{"9: hook \"reset sideways\": want \"reset [control|data [N]] [port N] [after VERB]\""}},
		{"bad bandwidth", "---\ntitle: T\nscenario:\n  mode: passive\n  bandwidth: fast\n---\n", []string{"5: front matter: bad bandwidth \"fast\""}},
		{"bad latency", "---\ntitle: T\nscenario:\n  mode: passive\n  latency: soon\n---\n", []string{"5: front matter: bad duration \"soon\""}},
		{"two problems", ok + "## on nope\nx {y}\n", []string{"9: unknown hook", "10: unknown placeholder {y}"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.md", []byte(tt.src))
			var errs Errors
			if !errors.As(err, &errs) {
				t.Fatalf("err = %v, want Errors", err)
			}
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tt.want), err)
			}
			for i, w := range tt.want {
				line, text, _ := strings.Cut(w, ": ")
				got := errs[i].Error()
				if !strings.HasPrefix(got, "x.md:"+line+": ") || !strings.Contains(got, text) {
					t.Errorf("error %d = %q, want line %s containing %q", i, got, line, text)
				}
			}
		})
	}
}

// TestCheckRun: the checker runs the scenario and reports what the run
// contradicts, by line.
func TestCheckRun(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"wrong expected outcome", "---\ntitle: T\nscenario:\n  mode: active\n  firewall: client\n---\nHi.\n", "x.md:1: expect: ok, but the run failed"},
		{"hook that never fires", "---\ntitle: T\nscenario:\n  mode: passive\n---\nHi.\n## on timeout\nnever\n", "x.md:7: section \"on timeout\" never speaks"},
		{"prediction never asked", "---\ntitle: T\npredictions:\n  - before: blind\n    question: q?\n    choices: [a, b]\n    answer: 1\n---\n", "prediction 1 is never asked"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("x.md", []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			err = l.CheckRun(context.Background())
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want %q", err, tt.want)
			}
		})
	}
}

func TestNarrationFillsPlaceholders(t *testing.T) {
	src := "---\ntitle: T\n---\nHello.\n## on verdict drop\n{box} drops it: {rule} ({state}) at {time}, {from} -> {to}.\n## once on retransmit\nattempt {attempt}\n"
	l, err := Parse("t.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	evs := []trace.Event{
		{Kind: trace.Listen, Host: "server"},
		{Kind: trace.Verdict, T: 2_500_000, Box: "client-fw", Verdict: "drop", Rule: "rule 3: drop in", State: "NEW", From: "a:1", To: "b:2"},
		{Kind: trace.Retransmit, Attempt: 1},
		{Kind: trace.Retransmit, Attempt: 2},
	}
	tests := []struct {
		i    int
		want string
	}{
		{0, "Hello."},
		{1, "client-fw drops it: rule 3: drop in (NEW) at 2.5 s, a:1 -> b:2."},
		{2, "attempt 2"},
		{3, ""}, // "once": only the first retransmit
	}
	for _, tt := range tests {
		if got := l.Narration(tt.i, evs); got != tt.want {
			t.Errorf("Narration(%d) = %q, want %q", tt.i, got, tt.want)
		}
	}
}

func TestFindByPath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "mine.md")
	os.WriteFile(p, []byte("---\ntitle: Mine\nscenario:\n  mode: eprt\n---\nHi.\n"), 0o644)
	l, err := Find(p)
	if err != nil || l.Title != "Mine" || l.Scenario.Mode != "eprt" {
		t.Fatalf("Find(%s) = %+v, %v", p, l, err)
	}
	if _, err := Find("no-such-lesson"); err == nil || !strings.Contains(err.Error(), "active-client-firewall") {
		t.Errorf("unknown lesson error should list the lessons: %v", err)
	}
	if err := CheckFile(p); err != nil {
		t.Errorf("CheckFile: %v", err)
	}
}

func TestWriteListGolden(t *testing.T) {
	ls, err := All()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteList(&b, ls); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "list.golden")
	if *update {
		os.WriteFile(path, b.Bytes(), 0o644)
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -update creates it)", err)
	}
	if !bytes.Equal(b.Bytes(), want) {
		t.Errorf("list differs from %s (go test -update rewrites it):\n%s", path, b.String())
	}
}

func FuzzParse(f *testing.F) {
	ls, _ := All()
	for _, l := range ls {
		src, _ := embedded.ReadFile("files/" + filepath.Base(strings.TrimPrefix(l.Path, "embedded:")))
		f.Add(src)
	}
	f.Add([]byte("---\n---\n## on\n{"))
	f.Fuzz(func(t *testing.T, src []byte) {
		l, err := Parse("f.md", src)
		if err == nil && l == nil {
			t.Fatal("no lesson and no error")
		}
	})
}

// BenchmarkLessonHeadless runs each lesson headless (scripts/bench reports
// the slowest, against BenchmarkLessonReplay of the same lesson).
func BenchmarkLessonHeadless(b *testing.B) {
	ls, err := All()
	if err != nil {
		b.Fatal(err)
	}
	for _, l := range ls {
		b.Run(l.Name, func(b *testing.B) {
			for b.Loop() {
				var out bytes.Buffer
				s, err := sim.Run(context.Background(), l.Scenario, sim.Options{})
				if err != nil {
					b.Fatal(err)
				}
				WriteNarrated(&out, l, s.Events)
			}
		})
	}
}
