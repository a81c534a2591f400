package tui

import (
	"errors"
	"strings"
	"time"

	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"ftplab/sim/ftp"
	"ftplab/sim/scenario"
	"ftplab/tui/player"
	"ftplab/tui/theme"
)

// Sandbox is free play: the learner sets the network with single keys,
// types a client command, and watches it happen in the player.
type Sandbox struct {
	history  []string // commands run, oldest first
	back     int      // how far up/down has gone into history (0: the line being typed)
	quitting bool     // q on an empty line: asking whether to quit
	sc       scenario.Scenario
	link     int // index in linkPresets
	input    textinput.Model
	run      func(sc scenario.Scenario, title string) (player.Session, error)
	o        player.Options
	st       theme.Styles
	err      error
	w, h     int
}

// NewSandbox starts with passive mode on an open network; run plays a
// scenario (in a tea.Cmd) and returns it as a session.
func NewSandbox(run func(sc scenario.Scenario, title string) (player.Session, error), o player.Options) *Sandbox {
	in := textinput.New()
	in.Prompt = "ftp> "
	in.Placeholder = defaultCommand // what enter runs on an empty line
	in.SetSuggestions(suggestions)
	in.ShowSuggestions = true   // tab completes; the line under the prompt lists the matches
	in.SetWidth(inputWidth(80)) // until told the size: with no width the placeholder shows one letter
	st := theme.New(o.NoColor, o.Present, o.Light)
	// The placeholder and the rest of a suggestion are not typed text:
	// without colour they are faint, so they still look different.
	styles := in.Styles()
	styles.Focused.Placeholder, styles.Focused.Suggestion = st.Dim.Faint(o.NoColor), st.Dim.Faint(o.NoColor)
	in.SetStyles(styles)
	in.Focus()
	return &Sandbox{sc: scenario.Scenario{Mode: ftp.ModePassive, Firewall: "none", NAT: "none"}, input: in, run: run, o: o,
		st: st, w: 80, h: 24}
}

// Init starts the cursor.
func (s *Sandbox) Init() tea.Cmd { return textinput.Blink }

// linkPresets are the link faults F10 cycles through. Any but the first
// makes hello.txt and uploads 256 KiB, so the fault lands mid-file.
var linkPresets = []struct {
	name string
	set  func(*scenario.Scenario)
}{
	{"clean", func(*scenario.Scenario) {}},
	{"slow (256 KiB/s)", func(sc *scenario.Scenario) { sc.Bandwidth = 256 << 10 }},
	{"stall 10 s mid-file", func(sc *scenario.Scenario) { sc.StallAfter, sc.StallFor = 64<<10, scenario.Duration(10*time.Second) }},
	{"stall 10 min (server gives up at 5)", func(sc *scenario.Scenario) { sc.StallAfter, sc.StallFor = 64<<10, scenario.Duration(10*time.Minute) }},
	{"reset mid-file", func(sc *scenario.Scenario) { sc.ResetAfter = 96 << 10 }},
}

func cycle(v string, set []string) string {
	for i, x := range set {
		if x == v {
			return set[(i+1)%len(set)]
		}
	}
	return set[0]
}

// toggle flips one knob; the firewall knobs compose client and server.
func (s *Sandbox) toggle(k string) bool {
	fw := map[string]bool{"client": s.sc.ClientFirewall(), "server": s.sc.ServerFirewall()}
	switch k {
	case "f1":
		modes := []string{"active", "passive", "epsv", "eprt"}
		s.sc.Mode = ftp.Mode(cycle(string(s.sc.Mode), modes))
	case "f2":
		fw["client"] = !fw["client"]
	case "f3":
		fw["server"] = !fw["server"]
	case "f4":
		if !fw["server"] {
			s.err = errors.New("F4 needs the server firewall: turn it on first (F3)")
			return true
		}
		s.sc.OpenPasv = !s.sc.OpenPasv
	case "f5":
		s.sc.NAT = cycle(s.sc.NAT, []string{"none", "client", "server", "both"})
	case "f6":
		s.sc.ALG = !s.sc.ALG
	case "f7":
		s.sc.TLS = !s.sc.TLS
	case "f8":
		s.sc.PasvAddress = !s.sc.PasvAddress
	case "f9":
		s.sc.SkipPasvIP = !s.sc.SkipPasvIP
	case "f10", "ctrl+f": // some terminals keep F10 for their menu
		s.link = (s.link + 1) % len(linkPresets)
	default:
		return false
	}
	switch {
	case fw["client"] && fw["server"]:
		s.sc.Firewall = "both"
	case fw["client"]:
		s.sc.Firewall = "client"
	case fw["server"]:
		s.sc.Firewall = "server"
	default:
		s.sc.Firewall = "none"
	}
	if !fw["server"] {
		s.sc.OpenPasv = false
	}
	return true
}

// Update handles knobs, the command line and the player it opens.
func (s *Sandbox) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.w, s.h = msg.Width, msg.Height
		s.input.SetWidth(inputWidth(s.w)) // a long line scrolls instead of being cut
	case resumedMsg:
		s.input.Reset()
		return s, s.input.Focus()
	case openFailedMsg:
		s.err = msg.err
		return s, nil
	case tea.KeyPressMsg:
		if s.quitting {
			s.quitting = false
			if msg.String() == "y" || msg.String() == "q" {
				return s, tea.Quit
			}
			return s, nil
		}
		switch msg.String() {
		case "ctrl+c":
			return s, tea.Quit
		case "esc": // never quits: it clears the line
			s.input.Reset()
			s.back = 0
			return s, nil
		case "q":
			if s.input.Value() == "" {
				s.quitting = true
				return s, nil
			}
		case "enter":
			return s, s.play()
		case "up", "down":
			s.recall(msg.String() == "up")
			return s, nil
		}
		s.err = nil
		if s.toggle(msg.String()) {
			return s, nil
		}
	}
	var cmd tea.Cmd
	s.input, cmd = s.input.Update(msg)
	return s, cmd
}

// play asks for the typed command on the current network.
func (s *Sandbox) play() tea.Cmd {
	line := strings.TrimSpace(s.input.Value())
	if line == "" {
		line = defaultCommand
	}
	if n := len(s.history); n == 0 || s.history[n-1] != line {
		s.history = append(s.history, line)
		s.input.SetSuggestions(withHistory(s.history))
	}
	s.back = 0
	// Several commands in one login: "ls; get hello.txt".
	var steps []string
	for _, st := range strings.Split(line, ";") {
		if st = strings.TrimSpace(st); st != "" {
			steps = append(steps, st)
		}
	}
	sc := s.sc
	sc.Name, sc.Script = "sandbox", steps
	if s.link > 0 {
		sc.FileSize = 256 << 10
		linkPresets[s.link].set(&sc)
	}
	if err := sc.Defaults().Validate(); err != nil {
		s.err = err
		return nil
	}
	title := "sandbox: " + strings.Join(append(s.knobsOn(), line), " · ")
	return open(func() (player.Session, error) { return s.run(sc, title) }, s.o)
}

// recall puts an earlier (up) or later (down) command on the line.
func (s *Sandbox) recall(up bool) {
	switch {
	case up && s.back < len(s.history):
		s.back++
	case !up && s.back > 0:
		s.back--
	}
	if s.back == 0 {
		s.input.Reset()
		return
	}
	s.input.SetValue(s.history[len(s.history)-s.back])
	s.input.CursorEnd()
}

// knobsOn names the settings that differ from an open network, for the
// player's title.
func (s *Sandbox) knobsOn() []string {
	sc := s.sc
	on := []string{string(sc.Mode)}
	for _, k := range []struct {
		set  bool
		name string
	}{
		{sc.ClientFirewall(), "client firewall"}, {sc.ServerFirewall(), "server firewall"}, {sc.OpenPasv, "open range"},
		{sc.NAT != "none", "NAT " + sc.NAT}, {sc.ALG, "helper"}, {sc.TLS, "TLS"}, {sc.PasvAddress, "pasv_address"},
		{sc.SkipPasvIP, "skip 227 address"}, {s.link > 0, linkPresets[s.link].name},
	} {
		if k.set {
			on = append(on, k.name)
		}
	}
	return on
}
