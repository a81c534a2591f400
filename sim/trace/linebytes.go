package trace

import (
	"strings"
	"unicode/utf8"
)

// A control line is bytes, and most are UTF-8 or ASCII; some servers send
// Latin-1 or CP1251 file names. An event's text must be valid UTF-8 (JSON),
// so each byte that is not part of valid UTF-8 is held as the private-use
// character U+F700 + the byte (0x80..0xFF -> U+F780..U+F7FF), and turned
// back into that byte when the line goes on a wire again. Lines in valid
// UTF-8 are unchanged.
const rawByteBase = 0xF700

// LineText is a control line's bytes as event text (see above).
func LineText(b []byte) string {
	if utf8.Valid(b) && !strings.ContainsFunc(string(b), isRawByteRune) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if (r == utf8.RuneError && size <= 1) || isRawByteRune(r) {
			// An invalid byte; or a real U+F780..U+F7FF, which is kept as
			// its UTF-8 bytes so it cannot be mistaken for one.
			for _, c := range b[:max(size, 1)] {
				sb.WriteRune(rawByteBase + rune(c))
			}
			b = b[max(size, 1):]
			continue
		}
		sb.Write(b[:size])
		b = b[size:]
	}
	return sb.String()
}

// LineBytes is the bytes a control line's event text stands for.
func LineBytes(s string) []byte {
	if !strings.ContainsFunc(s, isRawByteRune) {
		return []byte(s)
	}
	out := make([]byte, 0, len(s))
	for _, r := range s {
		if isRawByteRune(r) {
			out = append(out, byte(r-rawByteBase))
			continue
		}
		out = utf8.AppendRune(out, r)
	}
	return out
}

func isRawByteRune(r rune) bool { return r >= rawByteBase+0x80 && r <= rawByteBase+0xFF }
