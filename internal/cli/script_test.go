package cli

import (
	"flag"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	"go.uber.org/goleak"
)

var update = flag.Bool("update", false, "rewrite the files the scripts compare with cmp")

// TestMain lets the scripts run `ftplab` without building it: testscript
// starts this test binary under that name and it runs Main. Each run writes
// its exit status where the script's `status` command reads it.
func TestMain(m *testing.M) {
	testscript.Main(leakCheck{m}, map[string]func(){
		"ftplab": func() {
			code := Main(os.Args[1:])
			if f := os.Getenv("FTPLAB_STATUS_FILE"); f != "" {
				os.WriteFile(f, []byte(strconv.Itoa(code)), 0o644)
			}
			os.Exit(code)
		},
	})
}

// leakCheck fails the package if a test leaves goroutines behind.
type leakCheck struct{ m *testing.M }

func (l leakCheck) Run() int {
	code := l.m.Run()
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			return 1
		}
	}
	return code
}

// TestScripts runs the command-line specs in testdata/script: one script
// per command group, each a list of command lines and what they must print.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("testdata", "script"),
		RequireExplicitExec: true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			env.Setenv("FTPLAB_STATUS_FILE", filepath.Join(env.WorkDir, ".status"))
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":    cmdStatus,
			"freeport":  cmdFreeport,
			"listening": cmdListening,
		},
	})
}

// cmdStatus checks the exit status of the last ftplab run:
// `status 2` after `! exec ftplab ...` tells bad usage (2) from a run that
// went wrong (1).
func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: status CODE")
	}
	file := ts.Getenv("FTPLAB_STATUS_FILE")
	b, err := os.ReadFile(file)
	if err != nil {
		ts.Fatalf("no exit status: ftplab has not run since the last status check")
	}
	os.Remove(file) // each status belongs to one run
	if got := strings.TrimSpace(string(b)); got != args[0] {
		ts.Fatalf("ftplab exited with status %s, want %s", got, args[0])
	}
}

// cmdFreeport sets an environment variable to a loopback TCP port that was
// free a moment ago.
func cmdFreeport(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: freeport VAR")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	ts.Setenv(args[0], strconv.Itoa(l.Addr().(*net.TCPAddr).Port))
	ts.Check(l.Close())
}

// cmdListening waits, at most 10 seconds, until ADDR accepts connections.
func cmdListening(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: listening ADDR")
	}
	for end := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", args[0], time.Second)
		if err == nil {
			c.Close()
			return
		}
		if time.Now().After(end) {
			ts.Fatalf("nothing listens on %s: %v", args[0], err)
		}
	}
}
