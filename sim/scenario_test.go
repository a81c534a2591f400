package sim

import (
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
