package tui

import (
	"fmt"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// sandboxSizes are the windows the knob screen is checked at: a narrow
// terminal, the classic one, and up to a projector's.
var sandboxSizes = []struct{ w, h int }{{60, 24}, {80, 24}, {100, 30}, {120, 40}, {200, 50}}

// TestSandboxPlaceholderAtEveryWidth: the empty line's placeholder, the
// commands, Tab's suggestions and every knob's note are there whole at each
// width; a long one wraps at a word or between items, never cut. Golden
// screens at each size, before and after typing.
func TestSandboxPlaceholderAtEveryWidth(t *testing.T) {
	for _, sz := range sandboxSizes {
		for _, typed := range []string{"", "l"} {
			t.Run(fmt.Sprintf("%dx%d %q", sz.w, sz.h, typed), func(t *testing.T) {
				s := NewSandbox(nil, opts)
				a := NewApp(s)
				send(t, a, tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
				typeLine(t, a, typed)
				got := screen(a)
				name := fmt.Sprintf("sandbox-%dx%d", sz.w, sz.h)
				if typed != "" {
					name = fmt.Sprintf("sandbox-tab-%dx%d", sz.w, sz.h)
				}
				golden(t, name, got)
				lines := strings.Split(got, "\n")
				if len(lines) > sz.h {
					t.Errorf("%d lines on a %d-line screen", len(lines), sz.h)
				}
				for _, l := range lines {
					// The layout keeps a column free: a line as wide as the
					// window is one the screen had to cut.
					if ansi.StringWidth(l) >= sz.w {
						t.Errorf("a line fills the width (cut?): %q", l)
					}
				}
				flat := strings.Join(strings.Fields(got), " ")
				want := []string{"(server firewall admits 30000-30009; needs F3)", "(server advertises its public address)",
					"m/esc in the player comes back here", "q quits"}
				if typed == "" {
					want = append(want, "ftp> get hello.txt", "commands: ls [DIR] · nlst [DIR] · get FILE · put FILE · an empty line runs get hello.txt")
				} else {
					want = append(want, "ftp> l", "tab: ▸ls · ls; get hello.txt · (ctrl+n/ctrl+p: another)")
				}
				for _, w := range want {
					if !strings.Contains(flat, w) {
						t.Errorf("%q is not on the screen whole:\n%s", w, got)
					}
				}
			})
		}
	}
}

// TestSandboxAsksForALargerWindow: below its minimum the knob screen says
// how large a window it needs instead of drawing a cut screen.
func TestSandboxAsksForALargerWindow(t *testing.T) {
	for _, sz := range []struct{ w, h int }{{50, 20}, {80, 12}, {59, 40}} {
		s := NewSandbox(nil, opts)
		a := NewApp(s)
		send(t, a, tea.WindowSizeMsg{Width: sz.w, Height: sz.h})
		got := screen(a)
		flat := strings.Join(strings.Fields(got), " ")
		if !strings.Contains(flat, fmt.Sprintf("This window is %dx%d. The sandbox needs at least 60 columns and", sz.w, sz.h)) ||
			!strings.Contains(flat, "make the window larger") || strings.Contains(got, "ftp>") {
			t.Errorf("%dx%d:\n%s", sz.w, sz.h, got)
		}
		if sz.w == 50 {
			golden(t, "sandbox-too-small-50x20", got)
		}
	}
	// Typing on a small screen is not lost: the screen comes back with it.
	s := NewSandbox(nil, opts)
	a := NewApp(s)
	send(t, a, tea.WindowSizeMsg{Width: 40, Height: 10})
	typeLine(t, a, "ls")
	send(t, a, tea.WindowSizeMsg{Width: 80, Height: 24})
	if !strings.Contains(screen(a), "ftp> ls") {
		t.Errorf("the line typed on a small screen is gone:\n%s", screen(a))
	}
}
