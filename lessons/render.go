package lessons

import (
	"strings"

	"github.com/rivo/uniseg"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// Style is the markup on a piece of narration: **strong**, *emphasis*,
// `code`. The lessons know no terminal: whoever draws narration says what
// each style looks like, through Format's paint.
type Style struct{ Strong, Emphasis, Code bool }

// Format renders narration Markdown: each paragraph reflowed to width
// columns (0: not wrapped), every piece of text passed through paint with
// its markup (paint may add terminal styles; it must not change the
// width), paragraphs joined by sep. Wrapping is done on the plain text, so
// styles never split a word.
func Format(md string, width int, sep string, paint func(text string, st Style) string) string {
	src := []byte(md)
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	var paras []string
	for b := doc.FirstChild(); b != nil; b = b.NextSibling() {
		paras = append(paras, block(b, src, width, paint))
	}
	return strings.Join(paras, sep)
}

// Plain is narration Markdown as plain text for headless output: the
// markup dropped (`PORT` reads PORT, **control** reads control), each
// paragraph reflowed to 72 columns.
func Plain(md string) string {
	return Format(md, 72, "\n\n", func(s string, _ Style) string { return s })
}

// piece is a run of text in one style; a word is the pieces between two
// spaces ("`PORT`s" is one word of two pieces).
type piece struct {
	text  string
	style Style
}

type word []piece

func (w word) width() int {
	n := 0
	for _, p := range w {
		n += uniseg.StringWidth(p.text)
	}
	return n
}

// block renders one block: a paragraph, a code block, or each item of a
// list as "- ".
func block(b ast.Node, src []byte, width int, paint func(string, Style) string) string {
	switch b.Kind() {
	case ast.KindList:
		var out []string
		for it := b.FirstChild(); it != nil; it = it.NextSibling() {
			var words []word
			for c := it.FirstChild(); c != nil; c = c.NextSibling() {
				words = append(words, inlines(c, src)...)
			}
			out = append(out, indent("- ", wrap(words, width-2, paint)))
		}
		return strings.Join(out, "\n")
	case ast.KindFencedCodeBlock, ast.KindCodeBlock:
		var lines []string
		for i := 0; i < b.Lines().Len(); i++ {
			seg := b.Lines().At(i)
			lines = append(lines, paint(strings.TrimRight(string(seg.Value(src)), "\n"), Style{Code: true}))
		}
		return strings.Join(lines, "\n")
	}
	return wrap(inlines(b, src), width, paint)
}

// inlines flattens a block's inline nodes into words.
func inlines(n ast.Node, src []byte) []word {
	var words []word
	glue := false // the next piece continues the last word
	add := func(s string, st Style) {
		for k, w := range strings.Split(s, " ") {
			switch {
			case w == "":
			case k == 0 && glue && len(words) > 0:
				words[len(words)-1] = append(words[len(words)-1], piece{w, st})
			default:
				words = append(words, word{{w, st}})
			}
		}
		glue = s != "" && !strings.HasSuffix(s, " ")
	}
	var walk func(n ast.Node, st Style)
	walk = func(n ast.Node, st Style) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				// goldmark leaves backslash escapes in the text; its own
				// renderers remove them on output, and so do we.
				add(string(util.UnescapePunctuations(c.Segment.Value(src))), st)
				if c.SoftLineBreak() || c.HardLineBreak() {
					glue = false
				}
			case *ast.String:
				add(string(c.Value), st)
			case *ast.CodeSpan:
				code := st
				code.Code = true
				var b strings.Builder
				for t := c.FirstChild(); t != nil; t = t.NextSibling() {
					if t, ok := t.(*ast.Text); ok {
						b.Write(t.Segment.Value(src))
					}
				}
				add(b.String(), code)
			case *ast.Emphasis:
				em := st
				if c.Level >= 2 {
					em.Strong = true
				} else {
					em.Emphasis = true
				}
				walk(c, em)
			default:
				walk(c, st)
			}
		}
	}
	walk(n, Style{})
	return words
}

// wrap lays words out in lines of at most width columns (a longer word
// gets a line of its own) and paints them.
func wrap(words []word, width int, paint func(string, Style) string) string {
	var lines []string
	var line strings.Builder
	used := 0
	for _, w := range words {
		ww := w.width()
		if used > 0 && width > 0 && used+1+ww > width {
			lines = append(lines, line.String())
			line.Reset()
			used = 0
		}
		if used > 0 {
			line.WriteByte(' ')
			used++
		}
		for _, p := range w {
			line.WriteString(paint(p.text, p.style))
		}
		used += ww
	}
	return strings.Join(append(lines, line.String()), "\n")
}

func indent(prefix, s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		if i > 0 {
			lines[i] = strings.Repeat(" ", len(prefix)) + lines[i]
		} else {
			lines[i] = prefix + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
