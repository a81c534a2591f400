package sim

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"ftplab/sim/scenario"
)

// TestLinkFlags: `ftplab run`'s flags set the knobs; a bad value is a flag
// error (exit 2 in main).
func TestLinkFlags(t *testing.T) {
	var sc scenario.Scenario
	f := pflag.NewFlagSet("run", pflag.ContinueOnError)
	f.SetOutput(new(strings.Builder))
	ScenarioFlags(f, &sc)
	if err := f.Parse([]string{"--bandwidth", "1MiB/s", "--stall-after", "65536", "--stall-for", "10s", "--reset-after", "64KiB", "--file-size", "2MiB"}); err != nil {
		t.Fatal(err)
	}
	if sc.Bandwidth != 1<<20 || sc.StallAfter != 65536 || sc.StallFor != scenario.Duration(10*time.Second) || sc.ResetAfter != 64<<10 || sc.FileSize != 2<<20 {
		t.Errorf("flags gave %+v", sc)
	}
	for _, name := range []string{"bandwidth", "stall-after", "stall-for", "reset-after", "file-size"} {
		if f.Lookup(name) == nil || !strings.Contains(strings.Join(ScenarioFlagNames, " "), name) {
			t.Errorf("flag %s missing from ScenarioFlags or ScenarioFlagNames", name)
		}
	}
	for _, args := range [][]string{{"--bandwidth", "-1"}, {"--bandwidth", "fast"}, {"--reset-after", "-3"}, {"--stall-after", "1MiB/s"}, {"--stall-for", "soon"}} {
		var sc scenario.Scenario
		f := pflag.NewFlagSet("run", pflag.ContinueOnError)
		f.SetOutput(new(strings.Builder))
		ScenarioFlags(f, &sc)
		if err := f.Parse(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestKnobFlags: the box and kernel knobs bind to the scenario, and every
// scenario flag is listed in ScenarioFlagNames (so --lesson refuses it).
func TestKnobFlags(t *testing.T) {
	var sc scenario.Scenario
	f := pflag.NewFlagSet("run", pflag.ContinueOnError)
	f.SetOutput(new(strings.Builder))
	ScenarioFlags(f, &sc)
	args := []string{"--reject-with", "icmp-admin-prohibited", "--server-egress", "--control-port", "2121", "--alg-ports", "21,2121",
		"--alg-at", "client-fw,server-nat", "--forward", "control", "--connect-timeout", "5s", "--split-commands", "2", "--no-sack",
		"--syn-schedule", "linux-pre-6.5"}
	if err := f.Parse(args); err != nil {
		t.Fatal(err)
	}
	if sc.RejectWith != "icmp-admin-prohibited" || !sc.ServerEgress || sc.ControlPort != 2121 || len(sc.ALGPorts) != 2 || sc.ALGPorts[1] != 2121 ||
		len(sc.ALGAt) != 2 || sc.ALGAt[1] != "server-nat" || sc.Forward != "control" || sc.ConnectWait != scenario.Duration(5*time.Second) ||
		sc.SplitCommands != 2 || !sc.NoSACK || sc.SYNSchedule != "linux-pre-6.5" {
		t.Errorf("flags gave %+v", sc)
	}
	f.VisitAll(func(fl *pflag.Flag) {
		if !slices.Contains(ScenarioFlagNames, fl.Name) {
			t.Errorf("flag %s missing from ScenarioFlagNames", fl.Name)
		}
	})
}
