package cli

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"ftplab/sim/scenario"
)

// TestScenarioFlagsSetKnobs: the link flags reach the scenario with the
// units the help promises, and a bad value is a flag error.
func TestScenarioFlagsSetKnobs(t *testing.T) {
	var sc scenario.Scenario
	f := scenarioFlags(&sc)
	if err := f.Parse([]string{"--bandwidth", "1MiB/s", "--stall-after", "65536", "--stall-for", "10s", "--reset-after", "64KiB", "--file-size", "2MiB"}); err != nil {
		t.Fatal(err)
	}
	if sc.Bandwidth != 1<<20 || sc.StallAfter != 65536 || sc.StallFor != scenario.Duration(10*time.Second) || sc.ResetAfter != 64<<10 || sc.FileSize != 2<<20 {
		t.Errorf("flags gave %+v", sc)
	}
	for _, args := range [][]string{{"--bandwidth", "-1"}, {"--bandwidth", "fast"}, {"--reset-after", "-3"}, {"--stall-after", "1MiB/s"}, {"--stall-for", "soon"}, {"--mode", "sideways"}} {
		var sc scenario.Scenario
		f := scenarioFlags(&sc)
		f.SetOutput(new(bytes.Buffer))
		if err := f.Parse(args); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
}

// TestLessonRefusesEveryScenarioFlag: each scenario flag, given next to
// --lesson, is refused by name, so a flag added to scenarioFlags is
// covered without a list to keep.
func TestLessonRefusesEveryScenarioFlag(t *testing.T) {
	value := map[string]string{"mode": "active", "string": "none", "stringArray": "ls", "duration": "1s", "rate": "1MiB/s", "bytes": "1KiB", "int": "6", "intSlice": "21", "stringSlice": "client-fw"}
	n := 0
	scenarioFlags(new(scenario.Scenario)).VisitAll(func(fl *pflag.Flag) {
		n++
		arg := "--" + fl.Name
		if fl.Value.Type() != "bool" {
			v, ok := value[fl.Value.Type()]
			if !ok {
				t.Fatalf("--%s: no test value for type %s", fl.Name, fl.Value.Type())
			}
			arg += "=" + v
		}
		cmd := rootCmd()
		cmd.SetArgs([]string{"run", "--lesson", "active", arg})
		cmd.SetOut(new(bytes.Buffer))
		cmd.SetErr(new(bytes.Buffer))
		err := cmd.ExecuteContext(context.Background())
		var ue usageError
		want := "--lesson active sets the whole scenario: drop --" + fl.Name
		if !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("run --lesson active %s: %v, want usage error %q", arg, err, want)
		}
	})
	if n < 17 {
		t.Errorf("only %d scenario flags", n)
	}
}

// TestChangedNamesTheFirstInOrder: with two scenario flags set, the error
// names the one defined first (--mode before --bandwidth), not the first
// in sorted order.
func TestChangedNamesTheFirstInOrder(t *testing.T) {
	var sc scenario.Scenario
	f := scenarioFlags(&sc)
	if err := f.Parse([]string{"--bandwidth", "1MiB/s", "--mode", "active"}); err != nil {
		t.Fatal(err)
	}
	if name, ok := changed(f); !ok || name != "mode" {
		t.Errorf("changed = %q %v, want mode", name, ok)
	}
}
