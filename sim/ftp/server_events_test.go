package ftp

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// eventLog collects a server's events; steps() renders them compactly.
type eventLog struct {
	mu  sync.Mutex
	evs []Event
}

func (l *eventLog) observe(e Event) {
	l.mu.Lock()
	l.evs = append(l.evs, e)
	l.mu.Unlock()
}

// steps lists "kind channel first-word-of-text" from the first event whose
// text starts with from, so login noise is left out.
func (l *eventLog) steps(from string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []string
	started := false
	for _, e := range l.evs {
		if !started && e.Kind == EvCommand && strings.HasPrefix(e.Text, from) {
			started = true
		}
		if !started {
			continue
		}
		s := string(e.Kind) + " " + string(e.Channel)
		if f := strings.Fields(e.Text); len(f) > 0 {
			s += " " + f[0]
		}
		if e.Err != "" {
			s += " err"
		}
		out = append(out, s)
	}
	return out
}

// freeLoopbackPort returns a port nothing listens on (just closed).
func freeLoopbackPort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// TestEventOrder: the observer sees each step in protocol order. Active:
// the server dials before it says 150; a failed dial gives 425 and no 150.
func TestEventOrder(t *testing.T) {
	tests := []struct {
		name  string
		setup func(t *testing.T) (cmd string, dataLn net.Listener)
		want  []string
	}{
		{"passive", func(t *testing.T) (string, net.Listener) { return "EPSV", nil }, []string{
			"command control EPSV", "listen data", "reply control 229",
			"command control RETR", "accept data", "reply control 150",
			"transfer-start data RETR", "transfer-end data RETR", "close data", "reply control 226",
		}},
		{"active", func(t *testing.T) (string, net.Listener) {
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			port := l.Addr().(*net.TCPAddr).Port
			return fmt.Sprintf("PORT 127,0,0,1,%d,%d", port>>8, port&255), l
		}, []string{
			"command control PORT", "reply control 200",
			"command control RETR", "dial data", "connected data", "reply control 150",
			"transfer-start data RETR", "transfer-end data RETR", "close data", "reply control 226",
		}},
		{"active-refused", func(t *testing.T) (string, net.Listener) {
			return "EPRT |1|127.0.0.1|" + strconv.Itoa(freeLoopbackPort(t)) + "|", nil
		}, []string{
			"command control EPRT", "reply control 200",
			"command control RETR", "dial data", "dial-failed data err", "reply control 425",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log eventLog
			addr := testServer(t, sandbox(t), func(c *ServerConfig) { c.Observer = log.observe })
			c := dialRaw(t, addr)
			c.login()
			cmd, dataLn := tt.setup(t)
			if cmd == "EPSV" {
				c.epsvDial()
			} else {
				c.cmd(cmd, 200)
			}
			if dataLn != nil {
				defer dataLn.Close()
				go func() { // the client side of an active transfer
					if d, err := dataLn.Accept(); err == nil {
						d.SetDeadline(time.Now().Add(5 * time.Second))
						buf := make([]byte, 64)
						for _, err := d.Read(buf); err == nil; _, err = d.Read(buf) {
						}
						d.Close()
					}
				}()
			}
			c.send("RETR hello.txt")
			final := c.reply()
			if final.Code == 150 {
				final = c.reply()
			}
			if tt.name == "active-refused" && final.String() != "425 Failed to establish connection." {
				t.Errorf("refused dial: %q", final.String())
			}
			c.cmd("QUIT", 221)
			// The control close may come after the client has read 221:
			// compare up to the 221.
			got := log.steps(cmd[:4])
			for i, s := range got {
				if s == "reply control 221" {
					got = got[:i+1]
					break
				}
			}
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n")+"\ncommand control QUIT\nreply control 221" {
				t.Errorf("events:\n  %s\nwant:\n  %s", strings.Join(got, "\n  "), strings.Join(tt.want, "\n  "))
			}
		})
	}
}

// TestPassivePortRange: with PasvSequential (netem), passive ports come in
// order from the range and a busy one is skipped.
func TestPassivePortRange(t *testing.T) {
	busy, lo := busyPortBelowEphemeral(t)
	defer busy.Close() // lo is taken: the server must skip it
	addr := testServer(t, sandbox(t), func(c *ServerConfig) {
		c.PasvMinPort, c.PasvMaxPort, c.PasvSequential = lo, lo+2, true
	})
	c := dialRaw(t, addr)
	c.login()
	var got []int
	for i := 0; i < 3; i++ {
		rep := c.cmd("PASV", 227)
		ap, err := Parse227(rep.String())
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, int(ap.Port()))
	}
	// Each PASV closes the previous listener, so lo+1 is free again on the
	// third round; lo stays busy throughout.
	want := []int{lo + 1, lo + 2, lo + 1}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("passive ports %v, want %v (range %d-%d, %d busy)", got, want, lo, lo+2, lo)
	}
}

// busyPortBelowEphemeral holds a port lo below Linux's ephemeral range
// (32768 up), where outgoing connections never land, with lo+1 and lo+2
// free. Ports picked by the kernel (":0") sit among the ephemeral ones,
// whose neighbours any outgoing connection or TIME_WAIT socket may hold.
func busyPortBelowEphemeral(t *testing.T) (net.Listener, int) {
	t.Helper()
	for lo := 20000 + os.Getpid()%5000; lo < 32000; lo += 3 {
		free := true
		for _, p := range []int{lo + 1, lo + 2} {
			l, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(p))
			if err != nil {
				free = false
				break
			}
			l.Close()
		}
		if !free {
			continue
		}
		if busy, err := net.Listen("tcp", "127.0.0.1:"+strconv.Itoa(lo)); err == nil {
			return busy, lo
		}
	}
	t.Skip("no free run of three ports below 32000")
	return nil, 0
}
