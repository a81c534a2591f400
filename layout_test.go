package main

import (
	"bytes"
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// pkg is what `go list -json` says of one package.
type pkg struct {
	ImportPath string
	Imports    []string // direct
	Deps       []string // transitive
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func under(path, prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }

// anyOf bans the packages under any of the prefixes, minus the allowed.
func anyOf(prefixes ...string) func(string) bool {
	return func(d string) bool {
		for _, p := range prefixes {
			if under(d, p) {
				return true
			}
		}
		return false
	}
}

func except(ban func(string) bool, allowed ...string) func(string) bool {
	return func(d string) bool { return ban(d) && !anyOf(allowed...)(d) }
}

// ftplabPkg is any package of ftplab's but the leaf utilities (which
// import nothing of ftplab's themselves: a rule below says so).
func ftplabPkg(d string) bool {
	return (strings.HasPrefix(d, "ftplab/") || d == "ftplab") && !leaf(d)
}

// leaf are the small utilities every layer may use.
func leaf(d string) bool { return d == "ftplab/internal/termsafe" }

// TestLayering reads the import graph of the non-test code and fails on
// every edge docs/architecture.md forbids. Each rule says why it exists.
func TestLayering(t *testing.T) {
	rules := []struct {
		who    func(string) bool // the packages the rule is about
		direct bool              // only direct imports (else everything they pull in)
		banned func(string) bool
		why    string
	}{
		{anyOf("ftplab/tui"), false,
			except(anyOf("ftplab/sim", "ftplab/netem", "ftplab/lessons", "ftplab/internal"), "ftplab/sim/ftp", "ftplab/sim/scenario", "ftplab/sim/trace", "ftplab/internal/termsafe"),
			"the screens only draw: their sessions come from outside (internal/play); below them only the event model, the scenario value and the FTP library"},
		{leaf, false, func(d string) bool { return strings.HasPrefix(d, "ftplab/") },
			"a leaf utility imports nothing of ftplab's"},
		{anyOf("ftplab/tui"), false, anyOf("ftplab/sim/trace/export", "ftplab/sim/trace/capture"),
			"the screens read events, not captures"},
		{func(p string) bool { return p == "ftplab/sim/trace" }, false, func(d string) bool { return ftplabPkg(d) || under(d, "github.com/gopacket") },
			"the event model is pure: no FTP endpoints, no pcap"},
		{anyOf("ftplab/sim/ftp"), false, ftplabPkg,
			"the FTP endpoints are a library of their own"},
		{func(p string) bool { return p == "ftplab/sim/scenario" }, false, except(ftplabPkg, "ftplab/sim/ftp"),
			"a scenario is a value; turning it into a network is the runner's job"},
		{anyOf("ftplab/netem"), false, except(ftplabPkg, "ftplab/sim/ftp", "ftplab/sim/trace"),
			"the network knows FTP and events, nothing above them"},
		{anyOf("ftplab/internal/classroom"), false, ftplabPkg,
			"the classroom serves the screens the CLI gives it: it knows SSH, limits and the roster, no lesson and no screen"},
		{func(p string) bool { return p == "ftplab/internal/play" }, true, func(d string) bool { return d == "ftplab/tui" },
			"play feeds the player (tui/player), not the screens (whose tests drive play)"},
		{func(p string) bool {
			return !anyOf("ftplab/tui", "ftplab/internal/cli", "ftplab/internal/play")(p) && p != "ftplab"
		}, false,
			anyOf("ftplab/tui"),
			"nothing below the UI imports the UI"},
		{func(p string) bool {
			return !anyOf("ftplab/sim/trace/export", "ftplab/sim/trace/capture", "ftplab/internal/cli")(p) && p != "ftplab"
		}, true,
			anyOf("github.com/gopacket"),
			"pcap is the exporters' and the importer's business only"},
	}
	pkgs := listPackages(t)
	if len(pkgs) < 10 {
		t.Fatalf("go list found %d packages: the test reads the wrong tree", len(pkgs))
	}
	for _, p := range pkgs {
		for _, r := range rules {
			if !r.who(p.ImportPath) {
				continue
			}
			deps := p.Deps
			if r.direct {
				deps = p.Imports
			}
			for _, d := range deps {
				if r.banned(d) {
					t.Errorf("%s imports %s: %s", p.ImportPath, d, r.why)
				}
			}
		}
	}
}

// TestLayeringCatchesAnEdge: the rules see a forbidden edge (a fake tui
// package importing the runner), so a passing TestLayering means something.
func TestLayeringCatchesAnEdge(t *testing.T) {
	ban := except(anyOf("ftplab/sim", "ftplab/netem"), "ftplab/sim/trace")
	if !ban("ftplab/sim") || !ban("ftplab/netem") || ban("ftplab/sim/trace") || ban("ftplab/simulator") {
		t.Error("the prefix rules do not match as intended")
	}
}
