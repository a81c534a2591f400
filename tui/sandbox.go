package tui

import (
	"errors"
	"fmt"
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
	in.Placeholder = "get hello.txt   (ls, nlst, get FILE, put FILE)"
	in.SetSuggestions([]string{"get hello.txt", "ls", "nlst", "put notes.txt", "ls; get hello.txt"})
	in.ShowSuggestions = true // tab completes; the rest of the suggestion shows dimmed
	in.Focus()
	return &Sandbox{sc: scenario.Scenario{Mode: ftp.ModePassive, Firewall: "none", NAT: "none"}, input: in, run: run, o: o,
		st: theme.New(o.NoColor, o.Present, o.Light), w: 80, h: 24}
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
		line = "get hello.txt"
	}
	if n := len(s.history); n == 0 || s.history[n-1] != line {
		s.history = append(s.history, line)
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

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// View shows the knobs and the prompt.
func (s *Sandbox) View() tea.View {
	sc := s.sc
	fw := map[string]string{"client": onOff(sc.ClientFirewall()), "server": onOff(sc.ServerFirewall())}
	lines := []string{
		s.st.Title.Render(" ftplab · sandbox"),
		"",
		" Set up the network, type a client command, press enter to watch it happen.",
		"",
		fmt.Sprintf("   F1  mode              %s", sc.Mode),
		fmt.Sprintf("   F2  client firewall   %s   (deny inbound NEW)", fw["client"]),
		fmt.Sprintf("   F3  server firewall   %s   (allow inbound 21 only)", fw["server"]),
		fmt.Sprintf("   F4  open passive range %s  (server firewall admits 30000-30009)", onOff(sc.OpenPasv)),
		fmt.Sprintf("   F5  NAT               %s", sc.NAT),
		fmt.Sprintf("   F6  FTP helper        %s", onOff(sc.ALG)),
		fmt.Sprintf("   F7  TLS               %s", onOff(sc.TLS)),
		fmt.Sprintf("   F8  pasv_address      %s   (server advertises its public address)", onOff(sc.PasvAddress)),
		fmt.Sprintf("   F9  skip 227 address  %s   (client acts like curl)", onOff(sc.SkipPasvIP)),
		fmt.Sprintf("   F10 link              %s   (or ctrl+f)", linkPresets[s.link].name),
		"",
		" " + s.input.View(),
	}
	if s.err != nil {
		lines = append(lines, "", s.st.Bad.Render(" "+s.err.Error()))
	}
	if s.quitting {
		lines = append(lines, "", s.st.Prompt.Render(" Quit the sandbox? y quits, any other key stays."))
	}
	lines = append(lines, "", s.st.Dim.Render(" enter run · ↑/↓ earlier commands · a; b runs both in one login · m/esc in the player comes back here · q quits"))
	v := tea.NewView(theme.Fit(lines, s.w, s.h))
	v.AltScreen = true
	v.WindowTitle = "ftplab sandbox"
	return v
}
