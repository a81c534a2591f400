// Package lessons loads ftplab's lessons: one Markdown file each, with YAML
// front matter for the title, the scenario and prediction questions, and
// "## on HOOK" sections whose words narrate the matching events. The files
// are embedded; a teacher can also run a file from disk without
// rebuilding. docs/lessons.md is the authoring guide.
package lessons

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"gopkg.in/yaml.v3"

	"ftplab/internal/termsafe"
	"ftplab/sim/scenario"
	"ftplab/sim/trace"
)

//go:embed files/*.md
var embedded embed.FS

// Lesson is one parsed lesson file.
type Lesson struct {
	Name        string // file name without .md
	Path        string // where it came from
	Title       string
	Summary     string
	Order       int
	Scenario    scenario.Scenario
	Intro       string // text before the first section
	Sections    []Section
	Predictions []Prediction
}

// Section is narration for the events its hook matches.
type Section struct {
	Hook string // as written, e.g. "verdict drop client-fw"
	Once bool   // "## once on ...": only the first matching event
	Text string
	Line int
	hook hook
}

// Prediction is a question asked before the first event its hook matches.
type Prediction struct {
	Before   string   `yaml:"before"`
	Question string   `yaml:"question"`
	Choices  []string `yaml:"choices"`
	Answer   int      `yaml:"answer"` // 1-based
	Explain  string   `yaml:"explain"`
	hook     hook
	line     int // of its "- before:" in the file
	split    int // a choice that looks like the tail of a comma-split one (1-based; 0 none)
}

// UnmarshalYAML decodes a prediction and notices a likely mistake: in a
// flow list, [Yes, it decrypts it, No, ...], every comma ends a choice, so
// an unquoted choice in lowercase after one in capitals is most likely the
// second half of one that held a comma (the answer then points elsewhere).
func (p *Prediction) UnmarshalYAML(n *yaml.Node) error {
	type plain Prediction
	if err := n.Decode((*plain)(p)); err != nil {
		return err
	}
	for k := 0; k+1 < len(n.Content); k += 2 {
		list := n.Content[k+1]
		if n.Content[k].Value != "choices" || list.Style&yaml.FlowStyle == 0 {
			continue
		}
		for i, item := range list.Content {
			if i > 0 && item.Style == 0 && startsWith(item.Value, unicode.IsLower) && startsWith(list.Content[i-1].Value, unicode.IsUpper) {
				p.split = i + 1
				break
			}
		}
	}
	return nil
}

func startsWith(s string, is func(rune) bool) bool {
	for _, r := range s {
		return is(r)
	}
	return false
}

// CheckError is one problem in a lesson file, at a line.
type CheckError struct {
	File    string
	Line    int
	Msg     string
	Warning bool // the lesson plays, but likely says something at the wrong moment
}

func (e CheckError) Error() string {
	if e.Warning {
		return fmt.Sprintf("%s:%d: warning: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Errors is every problem found in one file.
type Errors []CheckError

func (es Errors) Error() string {
	s := make([]string, len(es))
	for i, e := range es {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

type frontMatter struct {
	Title       string            `yaml:"title"`
	Summary     string            `yaml:"summary"`
	Order       int               `yaml:"order"`
	Scenario    scenario.Scenario `yaml:"scenario"`
	Predictions []Prediction      `yaml:"predictions"`
}

var (
	sectionRE = regexp.MustCompile(`^##\s+(once\s+)?on\s+(.*?)\s*$`)
	yamlLine  = regexp.MustCompile(`line (\d+)`)
	// badValue finds the value a knob's own parser refused: `bad latency "soon"`.
	badValue = regexp.MustCompile(`^bad [a-z_]+ "([^"]*)"`)
)

// Parse reads one lesson. file names it in errors (e.g. "active.md").
// Every problem is reported, each with its line in the file.
func Parse(file string, src []byte) (*Lesson, error) {
	p := &parser{file: file}
	if len(src) > MaxLessonBytes {
		p.add(1, "larger than %d bytes (the limit for a lesson file)", MaxLessonBytes)
		return nil, p.errs
	}
	p.lines = strings.Split(strings.ReplaceAll(string(src), "\r\n", "\n"), "\n")
	if !p.findFrontMatter() {
		return nil, p.errs
	}
	l := &Lesson{Name: lessonName(file), Path: file}
	fm, ok := p.decodeFrontMatter()
	if !ok {
		return nil, p.errs
	}
	l.Title, l.Summary, l.Order, l.Scenario, l.Predictions = fm.Title, fm.Summary, fm.Order, fm.Scenario, fm.Predictions
	l.Scenario.Name = l.Name
	if strings.TrimSpace(l.Title) == "" {
		p.add(p.keyLine("title"), "front matter: title is missing")
	}
	p.checkScenario(l.Scenario)
	p.checkPredictions(l.Predictions)
	p.readBody(l)
	if len(p.errs) > 0 {
		sort.SliceStable(p.errs, func(i, j int) bool { return p.errs[i].Line < p.errs[j].Line })
		return nil, p.errs
	}
	return l, nil
}

// parser is one lesson file being read: its lines, where the front
// matter ends, and every problem found so far.
type parser struct {
	file  string
	lines []string
	end   int // the line index of the "---" that closes the front matter
	errs  Errors
}

func (p *parser) add(line int, format string, args ...any) {
	p.errs = append(p.errs, CheckError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// findFrontMatter finds the "---" lines around the YAML.
func (p *parser) findFrontMatter() bool {
	if len(p.lines) == 0 || strings.TrimSpace(p.lines[0]) != "---" {
		p.add(1, "a lesson starts with front matter: a line \"---\", YAML, then \"---\"")
		return false
	}
	for i := 1; i < len(p.lines); i++ {
		if strings.TrimSpace(p.lines[i]) == "---" {
			p.end = i
			return true
		}
	}
	p.add(1, "front matter is not closed by a line \"---\"")
	return false
}

// decodeFrontMatter decodes the YAML, each error at its line. It stops
// (false) only for YAML whose aliases expand past the limit.
func (p *parser) decodeFrontMatter() (frontMatter, bool) {
	var fm frontMatter
	yamlText := strings.Join(p.lines[1:p.end], "\n")
	var tree yaml.Node
	if yaml.Unmarshal([]byte(yamlText), &tree) == nil {
		if n, line := expandedSize(&tree, MaxFrontMatterNodes); n > MaxFrontMatterNodes {
			p.add(line+1, "front matter: more than %d YAML values with its aliases expanded (the limit for a lesson file)", MaxFrontMatterNodes)
			return fm, false
		}
	}
	dec := yaml.NewDecoder(strings.NewReader(yamlText))
	dec.KnownFields(true)
	if err := dec.Decode(&fm); err != nil && !errors.Is(err, io.EOF) {
		for _, msg := range yamlMessages(err) {
			line := 1
			if m := yamlLine.FindStringSubmatch(msg); m != nil {
				n, _ := strconv.Atoi(m[1])
				line = n + 1 // the YAML starts on the file's second line
				msg = strings.TrimSpace(yamlLine.ReplaceAllString(msg, ""))
				msg = strings.TrimPrefix(msg, ": ")
			} else if m := badValue.FindStringSubmatch(msg); m != nil {
				// A value our own types refused (`bad bandwidth "fast"`,
				// `bad duration "soon"`): yaml gives no line, so find the
				// line that holds the value.
				line = p.valueLine(m[1])
			}
			p.add(line, "front matter: %s", msg)
		}
	}
	return fm, true
}

// keyLine is the line of the front matter's first "key:", or 1.
func (p *parser) keyLine(key string) int {
	for i := 1; i < p.end; i++ {
		if strings.HasPrefix(strings.TrimSpace(p.lines[i]), key+":") {
			return i + 1
		}
	}
	return 1
}

// valueLine is the line of the front matter's first ": value", or 1.
func (p *parser) valueLine(value string) int {
	for i := 1; i < p.end; i++ {
		if _, v, ok := strings.Cut(p.lines[i], ":"); ok && strings.Trim(strings.TrimSpace(v), `"'`) == value {
			return i + 1
		}
	}
	return 1
}

// checkScenario reports what the scenario's own check refuses, at the
// knob's line. It waits until the YAML itself is right.
func (p *parser) checkScenario(sc scenario.Scenario) {
	if len(p.errs) > 0 {
		return
	}
	err := sc.Defaults().Validate()
	if err == nil {
		return
	}
	for _, msg := range strings.Split(err.Error(), "\n") {
		// "latency 2562047h0m0s: ..." is about the line "latency: ...".
		knob, _, _ := strings.Cut(msg, " ")
		line := p.keyLine(knob)
		if line == 1 {
			line = p.keyLine("scenario")
		}
		p.add(line, "scenario: %s", msg)
	}
}

// checkPredictions parses each question's hook and checks its choices.
func (p *parser) checkPredictions(preds []Prediction) {
	predLines := predictionLines(p.lines[:p.end])
	for i := range preds {
		pr := &preds[i]
		line := 1
		if i < len(predLines) {
			line = predLines[i]
		}
		pr.line = line
		h, err := parseHook(pr.Before)
		if err != nil {
			p.add(line, "prediction %d: before: %v", i+1, err)
		}
		pr.hook = h
		if strings.TrimSpace(pr.Question) == "" {
			p.add(line, "prediction %d: question is missing", i+1)
		}
		if len(pr.Choices) < 2 {
			p.add(line, "prediction %d: give at least two choices", i+1)
		}
		if pr.split > 0 {
			p.add(line, "prediction %d: choice %d %q looks like the end of the choice before it: in [a, b] every comma ends a choice; put quotes around a choice that holds a comma", i+1, pr.split, pr.Choices[pr.split-1])
		}
		if pr.Answer < 1 || pr.Answer > len(pr.Choices) {
			p.add(line, "prediction %d: answer %d is not one of the %d choices (1-based)", i+1, pr.Answer, len(pr.Choices))
		}
	}
}

// readBody reads what follows the front matter: the introduction, then
// "## on HOOK" sections.
func (p *parser) readBody(l *Lesson) {
	var cur *Section
	var body []string
	seen := map[string]int{}
	flush := func() {
		text := strings.TrimSpace(strings.Join(body, "\n"))
		if cur == nil {
			l.Intro = text
		} else {
			cur.Text = text
			if text == "" {
				p.add(cur.Line, "section \"on %s\" has no text", cur.Hook)
			}
			l.Sections = append(l.Sections, *cur)
		}
		body = nil
	}
	for i := p.end + 1; i < len(p.lines); i++ {
		ln := p.lines[i]
		if m := sectionRE.FindStringSubmatch(ln); m != nil {
			flush()
			cur = &Section{Hook: m[2], Once: m[1] != "", Line: i + 1}
			h, err := parseHook(m[2])
			if err != nil {
				p.add(i+1, "%v", err)
			}
			cur.hook = h
			key := strings.ToLower(strings.Join(strings.Fields(m[2]), " "))
			if prev, dup := seen[key]; dup {
				p.add(i+1, "section \"on %s\" repeats the one on line %d", m[2], prev)
			}
			seen[key] = i + 1
			continue
		}
		if strings.HasPrefix(ln, "## ") {
			p.add(i+1, "a section heading must read \"## on HOOK\" (got %q)", ln)
		}
		for _, ph := range unknownPlaceholders(ln) {
			p.add(i+1, "unknown placeholder %s (known: %s)", ph, placeholderList())
		}
		body = append(body, ln)
	}
	flush()
}

func yamlMessages(err error) []string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return te.Errors
	}
	return []string{strings.TrimPrefix(err.Error(), "yaml: ")}
}

// predictionLines finds the line of every "- before:" item, in order (one
// pass: a file with thousands of predictions stays fast to check).
func predictionLines(fm []string) []int {
	var out []int
	for k, ln := range fm {
		if strings.HasPrefix(strings.TrimSpace(ln), "- ") && strings.Contains(ln, "before:") {
			out = append(out, k+1)
		}
	}
	return out
}

// All returns the embedded lessons in teaching order.
func All() ([]*Lesson, error) {
	entries, err := embedded.ReadDir("files")
	if err != nil {
		return nil, err
	}
	var out []*Lesson
	var errs []error
	for _, e := range entries {
		src, err := embedded.ReadFile("files/" + e.Name())
		if err != nil {
			return nil, err
		}
		l, err := Parse(e.Name(), src)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		l.Path = "embedded:" + e.Name()
		out = append(out, l)
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Order != out[j].Order {
			return out[i].Order < out[j].Order
		}
		return out[i].Name < out[j].Name
	})
	return out, errors.Join(errs...)
}

// Find returns the embedded lesson called name, or reads name as a file
// when it looks like a path (a teacher's own lesson).
func Find(name string) (*Lesson, error) {
	if strings.HasSuffix(name, ".md") || strings.ContainsRune(name, os.PathSeparator) {
		src, err := readLessonFile(name)
		if err != nil {
			return nil, err
		}
		return Parse(name, src)
	}
	all, err := All()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, l := range all {
		if l.Name == name {
			return l, nil
		}
		names = append(names, l.Name)
	}
	return nil, fmt.Errorf("no lesson %q (lessons: %s)", name, strings.Join(names, ", "))
}

// WriteList prints the lessons for `ftplab lessons`.
func WriteList(w io.Writer, ls []*Lesson) error {
	width := 0
	for _, l := range ls {
		width = max(width, len(l.Name))
	}
	var b bytes.Buffer
	for _, l := range ls {
		fmt.Fprintf(&b, "%-*s  %s\n%-*s  %s\n", width, l.Name, l.Title, width, "", l.Summary)
	}
	_, err := w.Write(b.Bytes())
	return err
}

// WriteNarrated prints a headless lesson: the introduction, then each
// event's transcript line followed by the lesson's words for it, in the
// order Narrate gives (the player's order too).
func WriteNarrated(w io.Writer, l *Lesson, evs []trace.Event) error {
	var b bytes.Buffer
	// A lesson file's words and a run's lines are escaped for the terminal.
	fmt.Fprintf(&b, "%s\n%s\n\n", termsafe.String(l.Title), strings.Repeat("=", len(l.Title)))
	said := map[int][]string{}
	for _, n := range l.Narrate(evs) {
		if n.Intro {
			fmt.Fprintf(&b, "%s\n\n", termsafe.Text(Plain(n.Text)))
			continue
		}
		said[n.Event] = append(said[n.Event], n.Text)
	}
	// One view of the whole run: asking PredictionAt per event would build
	// one per event (quadratic in the script's length).
	v := l.view(evs)
	asked := map[int]*Prediction{}
	for k := range l.Predictions {
		p := &l.Predictions[k]
		if i := v.first(p.hook); i >= 0 && asked[i] == nil {
			asked[i] = p
		}
	}
	for i, e := range evs {
		if p := asked[i]; p != nil {
			fmt.Fprintf(&b, "\n  ? %s\n", termsafe.String(p.Question))
			for k, c := range p.Choices {
				fmt.Fprintf(&b, "    %d. %s\n", k+1, termsafe.String(c))
			}
			fmt.Fprintf(&b, "    answer: %d. %s\n\n", p.Answer, termsafe.String(p.Explain))
		}
		fmt.Fprintf(&b, "%10s  %s\n", trace.Seconds(e.T), termsafe.String(trace.Describe(e)))
		for _, n := range said[i] {
			for _, ln := range strings.Split(termsafe.Text(Plain(n)), "\n") {
				fmt.Fprintf(&b, "            | %s\n", ln)
			}
		}
	}
	_, err := w.Write(b.Bytes())
	return err
}

// lessonName is the file name without its order prefix and extension:
// "04-active-client-firewall.md" is "active-client-firewall".
func lessonName(file string) string {
	n := strings.TrimSuffix(filepath.Base(file), ".md")
	if i := strings.IndexByte(n, '-'); i > 0 && strings.Trim(n[:i], "0123456789") == "" {
		n = n[i+1:]
	}
	return n
}
