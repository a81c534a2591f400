package ftp

import (
	"bufio"
	"context"
	"io"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestServeLogEscapesClientText: a client that is not logged in sends
// escape sequences (clipboard write, window title, screen clear, colour);
// the operator's log shows them as text and holds no control byte.
func TestServeLogEscapesClientText(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- Serve(ctx, ServeOptions{Addr: "127.0.0.1:0", Root: t.TempDir(), PasvPorts: "40000-40100", Anonymous: true, AllowRoot: true}, pw)
		pw.Close()
	}()
	lines := bufio.NewScanner(pr)
	if !lines.Scan() {
		t.Fatalf("no output: %v", <-done)
	}
	m := regexp.MustCompile(`listening on (127\.0\.0\.1:\d+)`).FindStringSubmatch(lines.Text())
	if m == nil {
		t.Fatalf("first line %q", lines.Text())
	}
	logged := make(chan string, 1)
	go func() {
		var all []string
		for lines.Scan() {
			all = append(all, lines.Text())
		}
		logged <- strings.Join(all, "\n")
	}()
	c, err := net.Dial("tcp", m[1])
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	r := bufio.NewReader(c)
	r.ReadString('\n') // 220
	io.WriteString(c, "USER \x1b]52;c;aGk=\x07\x1b]0;owned\x07\x1b[2J\x1b[31mred\r\n")
	r.ReadString('\n')
	io.WriteString(c, "QUIT\r\n")
	r.ReadString('\n')
	c.Close()
	time.Sleep(100 * time.Millisecond) // let the log catch up
	cancel()
	<-done
	log := <-logged
	if strings.ContainsAny(log, "\x1b\x07") {
		t.Errorf("the log holds raw control bytes:\n%q", log)
	}
	if !strings.Contains(log, `> USER \x1b]52;c;aGk=\x07\x1b]0;owned\x07\x1b[2J\x1b[31mred`) {
		t.Errorf("the log does not show the escaped command:\n%s", log)
	}
}
