package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// ftplab runs the CLI in-process and returns its output and exit status.
func ftplab(t *testing.T, args ...string) (string, int) {
	t.Helper()
	cmd := rootCmd()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(context.Background())
	if err != nil {
		return out.String() + err.Error(), exitCode(err)
	}
	return out.String(), 0
}

// TestRecordReplayRoundTrip: the replayed transcript equals the live one
// byte for byte.
func TestRecordReplayRoundTrip(t *testing.T) {
	file := filepath.Join(t.TempDir(), "s.jsonl")
	live, code := ftplab(t, "run", "--mode", "active", "--firewall", "client", "--alg", "--record", file)
	if code != 0 {
		t.Fatalf("run: exit %d\n%s", code, live)
	}
	replayed, code := ftplab(t, "replay", file, "--headless")
	if code != 0 || replayed != live {
		t.Fatalf("replay (exit %d) differs from the live run:\n--- live\n%s\n--- replay\n%s", code, live, replayed)
	}
}

func TestExitCodes(t *testing.T) {
	dir := t.TempDir()
	broken := filepath.Join(dir, "broken.jsonl")
	os.WriteFile(broken, []byte("{\"format\":\"ftplab-trace\",\"version\":99}\n"), 0o644)
	tests := []struct {
		args []string
		code int
		say  string
	}{
		{[]string{"run"}, 0, "result: ok"},
		{[]string{"run", "--mode", "active", "--firewall", "client"}, 1, "425 Failed to establish connection."},
		{[]string{"run", "--lesson", "active-client-firewall"}, 0, "rule 3: drop in"},
		{[]string{"run", "--lesson", "active", "--mode", "passive"}, 2, "drop --mode"},
		{[]string{"run", "--mode", "sideways"}, 2, "unknown mode"},
		{[]string{"run", "--open-pasv"}, 2, "open_pasv needs a server firewall"},
		{[]string{"run", "--bandwidth", "-1"}, 2, `bad bandwidth "-1": must not be negative`},
		{[]string{"run", "--bandwidth", "1MiB/x"}, 2, `bad bandwidth "1MiB/x"`},
		{[]string{"run", "--stall-after", "65536"}, 2, "stall_after 65536 needs stall_for"},
		{[]string{"run", "--stall-for", "10s"}, 2, "stall_for 10s needs stall_after"},
		{[]string{"run", "--reset-after", "-3"}, 2, "must not be negative"},
		{[]string{"run", "--lesson", "active", "--bandwidth", "1MiB/s"}, 2, "drop --bandwidth"},
		{[]string{"run", "--bandwidth", "256KiB/s", "--stall-after", "1000", "--stall-for", "30s", "--file-size", "64KiB"}, 0, "link resumes after a stall of 30s"},
		{[]string{"run", "--mode", "passive", "--reset-after", "1000", "--step", "get hello.txt"}, 1, "✗ connection reset: link reset the connection after 1000 bytes [data #2]"},
		{[]string{"run", "--mode", "passive", "--reset-after", "1000", "--step", "get hello.txt"}, 1, "result: failed: get hello.txt: link reset the connection after 1000 bytes [data #2]; RETR: server replied 426"},
		{[]string{"replay", broken, "--headless"}, 2, "trace line 1: trace version 99"},
		{[]string{"replay", filepath.Join(dir, "missing"), "--headless"}, 2, "no such file"},
		{[]string{"lesson", "check", broken}, 2, "front matter"},
		{[]string{"lesson", "bounce", "--headless"}, 0, "The bounce attack"},
		{[]string{"lessons"}, 0, "tls-blinds-helper"},
		{[]string{"serve", "--root", filepath.Join(dir, "nope")}, 2, "not a directory"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			out, code := ftplab(t, tt.args...)
			if code != tt.code || !strings.Contains(out, tt.say) {
				t.Errorf("exit %d, want %d; output should contain %q:\n%s", code, tt.code, tt.say, out)
			}
		})
	}
}

func TestRunJSON(t *testing.T) {
	out, code := ftplab(t, "run", "--mode", "passive", "--nat", "server", "--json")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (a classic client fails through a server NAT)", code)
	}
	for _, field := range []string{`"ok": false`, `"replies"`, `"data_dials"`, `"result": "dropped"`, `"rewrites"`, `"events"`, `"virtual_ms"`} {
		if !strings.Contains(out, field) {
			t.Errorf("JSON lacks %s:\n%s", field, out)
		}
	}
}
