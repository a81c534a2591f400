package lessons

import (
	"strings"

	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
)

// MarkdownStyles are how narration Markdown looks in a terminal: plain
// text, **strong**, *emphasis* and `code`.
type MarkdownStyles struct {
	Text, Strong, Emphasis, Code lipgloss.Style
}

// DefaultMarkdownStyles renders strong as bold, emphasis as italic and code
// in bold, all over the given text style.
func DefaultMarkdownStyles(text lipgloss.Style) MarkdownStyles {
	return MarkdownStyles{
		Text:     text,
		Strong:   lipgloss.NewStyle().Bold(true),
		Emphasis: lipgloss.NewStyle().Italic(true),
		Code:     lipgloss.NewStyle().Bold(true),
	}
}

// Render is narration Markdown for a terminal: each paragraph reflowed to
// width (0: not wrapped) and its inline markup styled. Paragraphs follow
// each other on the next line, without a blank one: the player's narration
// pane is short. The player shows narration through it.
func Render(md string, width int, st MarkdownStyles) string {
	return strings.ReplaceAll(render(md, width, func(s string, f inline) string {
		style := st.Text
		if f.code {
			style = st.Code.Inherit(style)
		}
		if f.strong {
			style = st.Strong.Inherit(style)
		}
		if f.emphasis {
			style = st.Emphasis.Inherit(style)
		}
		return style.Render(s)
	}), "\n\n", "\n")
}

// Plain is narration Markdown as plain text for headless output: the
// markup dropped (`PORT` reads PORT, **control** reads control), each
// paragraph reflowed to 72 columns.
func Plain(md string) string {
	return render(md, 72, func(s string, _ inline) string { return s })
}

type inline struct{ strong, emphasis, code bool }

func render(md string, width int, paint func(string, inline) string) string {
	src := []byte(md)
	doc := goldmark.New().Parser().Parse(text.NewReader(src))
	var paras []string
	for b := doc.FirstChild(); b != nil; b = b.NextSibling() {
		paras = append(paras, block(b, src, width, paint)...)
	}
	return strings.Join(paras, "\n\n")
}

// block renders one block: a paragraph, or each item of a list as "- ".
func block(b ast.Node, src []byte, width int, paint func(string, inline) string) []string {
	switch b.Kind() {
	case ast.KindList:
		var out []string
		for it := b.FirstChild(); it != nil; it = it.NextSibling() {
			var words []string
			for c := it.FirstChild(); c != nil; c = c.NextSibling() {
				words = append(words, inlines(c, src, inline{}, paint)...)
			}
			out = append(out, indent("- ", wrapWords(words, width-2)))
		}
		return []string{strings.Join(out, "\n")}
	case ast.KindFencedCodeBlock, ast.KindCodeBlock:
		var lines []string
		for i := 0; i < b.Lines().Len(); i++ {
			seg := b.Lines().At(i)
			lines = append(lines, paint(strings.TrimRight(string(seg.Value(src)), "\n"), inline{code: true}))
		}
		return []string{strings.Join(lines, "\n")}
	}
	return []string{wrapWords(inlines(b, src, inline{}, paint), width)}
}

// inlines flattens a block's inline nodes into styled words.
func inlines(n ast.Node, src []byte, f inline, paint func(string, inline) string) []string {
	var words []string
	endsWithSpace := true // the last piece ended a word
	add := func(s string, f inline) {
		// A word split by markup ("`PORT`s") stays one word: glue a piece
		// that does not start with a space to the word before it.
		for k, w := range strings.Split(s, " ") {
			switch {
			case w == "":
			case k == 0 && len(words) > 0 && !strings.HasPrefix(s, " ") && !endsWithSpace:
				words[len(words)-1] += paint(w, f)
			default:
				words = append(words, paint(w, f))
			}
		}
		endsWithSpace = strings.HasSuffix(s, " ") || s == ""
	}
	var walk func(n ast.Node, f inline)
	walk = func(n ast.Node, f inline) {
		for c := n.FirstChild(); c != nil; c = c.NextSibling() {
			switch c := c.(type) {
			case *ast.Text:
				// goldmark leaves backslash escapes in the text; its own
				// renderers remove them on output, and so do we.
				add(string(util.UnescapePunctuations(c.Segment.Value(src))), f)
				if c.SoftLineBreak() || c.HardLineBreak() {
					endsWithSpace = true
				}
			case *ast.String:
				add(string(c.Value), f)
			case *ast.CodeSpan:
				g := f
				g.code = true
				var b strings.Builder
				for t := c.FirstChild(); t != nil; t = t.NextSibling() {
					if t, ok := t.(*ast.Text); ok {
						b.Write(t.Segment.Value(src))
					}
				}
				add(b.String(), g)
			case *ast.Emphasis:
				g := f
				if c.Level >= 2 {
					g.strong = true
				} else {
					g.emphasis = true
				}
				walk(c, g)
			default:
				walk(c, f)
			}
		}
	}
	walk(n, f)
	return words
}

func wrapWords(words []string, width int) string {
	s := strings.Join(words, " ")
	if width <= 0 {
		return s
	}
	return ansi.Wordwrap(s, width, "")
}

func indent(prefix, s string) string {
	lines := strings.Split(s, "\n")
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else {
			lines[i] = strings.Repeat(" ", len(prefix)) + lines[i]
		}
	}
	return strings.Join(lines, "\n")
}
