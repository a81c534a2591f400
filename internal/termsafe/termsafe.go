// Package termsafe makes outside text safe to print on a terminal. Text that
// comes from a network peer, a trace file, a capture or a lesson file may
// hold escape sequences that set the window title, write the clipboard
// (OSC 52), print hyperlinks (OSC 8), recolour or clear the screen, or move
// the cursor to forge earlier lines. Every such byte is shown instead of
// obeyed: ESC becomes the four characters `\x1b`.
//
// Only the display is changed: callers keep the original text (a trace
// stays faithful) and escape it where it reaches a terminal.
package termsafe

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// String escapes every control character in s, line breaks and tabs
// included: the result is one line that cannot move the cursor.
func String(s string) string { return escape(s, false) }

// Text escapes like String but keeps line feeds and tabs, for prose that
// is meant to span lines (a lesson's narration). A carriage return is
// escaped: it could overwrite the start of a line.
func Text(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	i := firstUnsafe(s, keepLines)
	if i < 0 {
		return s // the usual case: no allocation
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i]) // invalid UTF-8: a lone byte may be read as C1 (0x9b is CSI)
		case unsafeRune(r, keepLines):
			b.WriteString(visible(r))
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// firstUnsafe is the byte index of the first rune to escape, or -1.
func firstUnsafe(s string, keepLines bool) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r, keepLines) {
			return i
		}
		i += size
	}
	return -1
}

func unsafeRune(r rune, keepLines bool) bool {
	switch {
	case keepLines && (r == '\n' || r == '\t'):
		return false
	case r < 0x20, r == 0x7f: // C0 controls, DEL
		return true
	case r >= 0x80 && r <= 0x9f: // C1 controls: 0x9b is CSI, 0x9d OSC on some terminals
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi overrides reorder what is shown
		return true
	}
	return false
}

func visible(r rune) string {
	switch r {
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	}
	if r < 0x80 {
		return fmt.Sprintf(`\x%02x`, r)
	}
	return fmt.Sprintf(`\u%04x`, r)
}
