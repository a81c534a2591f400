package ftp

import (
	"bufio"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestServeOptionsValidate(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, nil, 0o644)
	good := ServeOptions{Addr: "127.0.0.1:2121", Root: dir, PasvPorts: "30000-30100", Anonymous: true, AllowRoot: true}
	tests := []struct {
		name string
		mod  func(*ServeOptions)
		want string // substring of the error; "" means valid
	}{
		{"good", func(*ServeOptions) {}, ""},
		{"user only", func(o *ServeOptions) { o.Anonymous, o.Users = false, []string{"ada:lovelace"} }, ""},
		{"addr without port", func(o *ServeOptions) { o.Addr = "127.0.0.1" }, `--addr "127.0.0.1": want HOST:PORT`},
		{"range min>max", func(o *ServeOptions) { o.PasvPorts = "30100-30000" }, `--pasv-ports "30100-30000"`},
		{"range not numbers", func(o *ServeOptions) { o.PasvPorts = "a-b" }, `--pasv-ports "a-b"`},
		{"range one number", func(o *ServeOptions) { o.PasvPorts = "30000" }, `--pasv-ports "30000"`},
		{"range privileged", func(o *ServeOptions) { o.PasvPorts = "20-30" }, `1024 <= MIN`},
		{"range too high", func(o *ServeOptions) { o.PasvPorts = "60000-70000" }, `MAX <= 65535`},
		{"pasv address", func(o *ServeOptions) { o.PasvAddress = "example.com" }, `--pasv-address "example.com": want an IP address`},
		{"missing root", func(o *ServeOptions) { o.Root = filepath.Join(dir, "nope") }, "not a directory"},
		{"root is a file", func(o *ServeOptions) { o.Root = file }, "not a directory"},
		{"user without colon", func(o *ServeOptions) { o.Users = []string{"ada"} }, `--user "ada": want NAME:PASSWORD`},
		{"user empty password", func(o *ServeOptions) { o.Users = []string{"ada:"} }, `--user "ada:"`},
		{"nobody can log in", func(o *ServeOptions) { o.Anonymous = false }, "nobody can log in"},
		{"anonymous upload without anonymous", func(o *ServeOptions) { o.Anonymous, o.Users, o.AnonymousUpload = false, []string{"ada:x"}, true }, "--anonymous-upload needs --anonymous"},
		{"tls reuse opt-out without tls", func(o *ServeOptions) { o.TLSWithoutReuse = true }, "--allow-tls-without-reuse needs --tls"},
		{"per-ip over the cap", func(o *ServeOptions) { o.MaxConns, o.MaxPerIP = 8, 9 }, "--max-per-ip 9"},
		{"negative login timeout", func(o *ServeOptions) { o.LoginTimeout = -time.Second }, "--login-timeout"},
		{"negative login fails", func(o *ServeOptions) { o.MaxLoginFails = -1 }, "--max-login-fails"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := good
			tt.mod(&o)
			err := o.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// TestServeRuns: `ftplab serve` prints its one listening line, serves a
// login and stops cleanly when its context ends.
func TestServeRuns(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hi\n"), 0o644)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeOptions{Addr: "127.0.0.1:0", Root: dir, PasvPorts: "40000-40100", Users: []string{"ada:lovelace"}, AllowRoot: true}, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output: %v", <-done)
	}
	first := lines.Text()
	m := regexp.MustCompile(`^ftplab serve: listening on (127\.0\.0\.1:\d+) \(root (.*), passive 40000-40100\)$`).FindStringSubmatch(first)
	if m == nil || m[2] != dir {
		t.Fatalf("first line %q", first)
	}
	logged := make(chan []string, 1)
	go func() {
		var all []string
		for lines.Scan() {
			all = append(all, lines.Text())
		}
		logged <- all
	}()
	c, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	for _, step := range []struct{ send, want string }{
		{"", "220 "}, {"USER ada", "331 "}, {"PASS lovelace", "230 "}, {"SIZE hello.txt", "213 3"}, {"QUIT", "221 "},
	} {
		if step.send != "" {
			io.WriteString(c, step.send+"\r\n")
		}
		if line, _ := r.ReadString('\n'); !strings.HasPrefix(line, step.want) {
			t.Fatalf("after %q: %q, want %q", step.send, line, step.want)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("Serve after cancel: %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not stop after its context ended")
	}
	log := strings.Join(<-logged, "\n")
	if !strings.Contains(log, "> PASS ****") || strings.Contains(log, "lovelace") || !strings.Contains(log, "< 230 Login successful.") {
		t.Errorf("log hides the password and shows each line? got:\n%s", log)
	}
}

// TestServeRefusesRoot: as root, serve needs --run-as USER or --allow-root
// (as root it reads everyone's files, 0600 ones too); --run-as needs root.
func TestServeRefusesRoot(t *testing.T) {
	defer func(f func() int) { geteuid = f }(geteuid)
	o := ServeOptions{Addr: "127.0.0.1:2121", Root: t.TempDir(), PasvPorts: "30000-30100", Anonymous: true}
	for _, tt := range []struct {
		euid      int
		runAs     string
		allowRoot bool
		want      string // "" means valid
	}{
		{0, "", false, "refusing to serve as root"},
		{0, "nobody", false, ""},
		{0, "", true, ""},
		{1000, "", false, ""},
		{1000, "nobody", false, "only root can change user"},
	} {
		geteuid = func() int { return tt.euid }
		o.RunAs, o.AllowRoot = tt.runAs, tt.allowRoot
		err := o.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("euid %d, --run-as %q, --allow-root %v: %v, want %q", tt.euid, tt.runAs, tt.allowRoot, err, tt.want)
		}
	}
}
