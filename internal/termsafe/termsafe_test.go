package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"plain", "220 Welcome to ftplab", "220 Welcome to ftplab"},
		{"utf-8 kept", "naïve ✓ 日本", "naïve ✓ 日本"},
		{"osc 52 clipboard", "USER \x1b]52;c;aGk=\x07", `USER \x1b]52;c;aGk=\x07`},
		{"osc 0 title", "\x1b]0;pwned\x1b\\", `\x1b]0;pwned\x1b\`},
		{"osc 8 hyperlink", "\x1b]8;;http://evil.example/\x1b\\click\x1b]8;;\x1b\\", `\x1b]8;;http://evil.example/\x1b\click\x1b]8;;\x1b\`},
		{"sgr colour", "\x1b[31mDROP\x1b[0m", `\x1b[31mDROP\x1b[0m`},
		{"screen clear", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"line breaks", "a\r\nb\tc", `a\r\nb\tc`},
		{"nul and del", "a\x00b\x7f", `a\x00b\x7f`},
		{"c1 csi as utf-8", "a\u009b31mb", `a\u009b31mb`},
		{"c1 csi as a lone byte", "a\x9b31mb", `a\x9b31mb`},
		{"invalid utf-8", "\xff\xfe", `\xff\xfe`},
		{"bidi override", "file\u202etxt.exe", `file\u202etxt.exe`},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := String(tt.in)
			if got != tt.want {
				t.Errorf("String(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if strings.IndexFunc(got, func(r rune) bool { return r < 0x20 || (r >= 0x7f && r < 0xa0) || r == utf8.RuneError }) >= 0 {
				t.Errorf("String(%q) = %q still holds a control byte", tt.in, got)
			}
		})
	}
}

func TestText(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"keeps lines and tabs", "one\n\ttwo", "one\n\ttwo"},
		{"escapes cr", "safe\roverwrite", `safe\roverwrite`},
		{"escapes esc", "line\n\x1b[2Jgone", "line\n" + `\x1b[2Jgone`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.want {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// Clean text is returned as it is, without a copy: the common path costs
// nothing.
func TestCleanTextDoesNotAllocate(t *testing.T) {
	s := "227 Entering Passive Mode (127,0,0,1,117,48). ✓"
	if n := testing.AllocsPerRun(100, func() { _ = String(s) }); n != 0 {
		t.Errorf("String on clean text: %.0f allocations, want 0", n)
	}
}
