package probe

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"ftplab/sim/ftp"
)

// fakeServer is a scripted FTP server on loopback: it logs anyone in and
// hands every other command to answer, which writes the reply (and may
// open data connections). It stops when the test ends.
func fakeServer(t *testing.T, banner string, answer func(c net.Conn, cmd string)) string {
	t.Helper()
	if banner == "" {
		banner = "220 fake\r\n"
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				if _, err := io.WriteString(c, banner); err != nil {
					return
				}
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					cmd := strings.TrimRight(line, "\r\n")
					switch verb, _, _ := strings.Cut(cmd, " "); verb {
					case "USER":
						io.WriteString(c, "331 go on\r\n")
					case "PASS":
						io.WriteString(c, "230 in\r\n")
					case "QUIT":
						io.WriteString(c, "221 bye\r\n")
						return
					default:
						answer(c, cmd)
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// recordingNetwork is the OS network, noting every dial.
type recordingNetwork struct {
	ftp.OSNetwork
	mu    sync.Mutex
	dials []string
}

func (n *recordingNetwork) Dial(ctx context.Context, laddr, raddr string) (net.Conn, error) {
	n.mu.Lock()
	n.dials = append(n.dials, raddr)
	n.mu.Unlock()
	return n.OSNetwork.Dial(ctx, laddr, raddr)
}

// TestProbeDialsOnlyTheServer: a server whose 227 names another host, a
// privileged port or 0.0.0.0 (and whose EPSV names port 23) cannot make the
// probe dial anything but itself at an unprivileged port; the report says
// what was advertised and what was stopped.
func TestProbeDialsOnlyTheServer(t *testing.T) {
	// A listener on another loopback address stands for a third host.
	third, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	defer third.Close()
	var thirdHits int
	var thirdMu sync.Mutex
	go func() {
		for {
			c, err := third.Accept()
			if err != nil {
				return
			}
			thirdMu.Lock()
			thirdHits++
			thirdMu.Unlock()
			c.Close()
		}
	}()
	thirdPort := third.Addr().(*net.TCPAddr).Port
	pasv := func(ip string, port int) string {
		return fmt.Sprintf("227 Entering Passive Mode (%s,%d,%d).\r\n", strings.ReplaceAll(ip, ".", ","), port/256, port%256)
	}
	tests := []struct {
		name    string
		epsv    string // reply to EPSV
		pasv    string // reply to PASV
		stopped string // what the report must say was stopped ("" none)
		outcome Outcome
	}{
		{"another host", "500 no\r\n", pasv("127.0.0.2", thirdPort), "", DialFailed},
		{"privileged port elsewhere", "500 no\r\n", pasv("127.0.0.3", 23), "port 23 is below 1024", DialFailed},
		{"this machine", "500 no\r\n", pasv("0.0.0.0", thirdPort), "", DialFailed},
		{"epsv port 23", "229 Entering Extended Passive Mode (|||23|)\r\n", pasv("127.0.0.1", 23), "port 23 is below 1024", DialFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			addr := fakeServer(t, "", func(c net.Conn, cmd string) {
				switch {
				case cmd == "EPSV":
					io.WriteString(c, tt.epsv)
				case cmd == "PASV":
					io.WriteString(c, tt.pasv)
				default:
					io.WriteString(c, "500 not here\r\n")
				}
			})
			netw := &recordingNetwork{OSNetwork: ftp.OSNetwork{DialTimeout: time.Second}}
			rep, err := Run(context.Background(), addr, Options{Timeout: time.Second, Network: netw})
			if err != nil {
				t.Fatal(err)
			}
			host, _, _ := net.SplitHostPort(addr)
			for _, d := range netw.dials {
				h, p, _ := net.SplitHostPort(d)
				if port, _ := strconv.Atoi(p); h != host || (d != addr && port < 1024) {
					t.Errorf("dialed %s; the probe may dial only %s (and its data ports)", d, host)
				}
			}
			thirdMu.Lock()
			if thirdHits > 0 {
				t.Errorf("the third host got %d connections", thirdHits)
			}
			thirdMu.Unlock()
			for _, r := range rep.Results[:2] { // PASV and EPSV (which falls back to PASV or names 23)
				if r.Outcome != tt.outcome {
					t.Errorf("%s: %s (%s), want %s", r.Command, r.Outcome, r.Cause, tt.outcome)
				}
			}
			pasvRes := rep.Results[0]
			if tt.stopped != "" && !strings.Contains(strings.Join(pasvRes.Stopped, " "), tt.stopped) {
				t.Errorf("PASV: stopped %q, want one mentioning %q", pasvRes.Stopped, tt.stopped)
			}
			if tt.stopped == "" && !strings.Contains(pasvRes.Cause, "advertises") {
				t.Errorf("PASV: cause %q does not report the mismatch", pasvRes.Cause)
			}
			var b bytes.Buffer
			WriteText(&b, rep)
			t.Log("\n" + b.String())
		})
	}
}

// TestProbeActiveAcceptsOnlyTheServer: in active mode a connection to the
// probe's listener from another address than the server's is closed and
// reported, and does not count as the server's data connection.
func TestProbeActiveAcceptsOnlyTheServer(t *testing.T) {
	for _, serverToo := range []bool{false, true} {
		t.Run(fmt.Sprintf("server connects too: %v", serverToo), func(t *testing.T) {
			addr := fakeServer(t, "", func(c net.Conn, cmd string) {
				verb, arg, _ := strings.Cut(cmd, " ")
				switch verb {
				case "PORT":
					p := strings.Split(arg, ",")
					var hi, lo int
					fmt.Sscan(p[4], &hi)
					fmt.Sscan(p[5], &lo)
					c.(interface{ SetDeadline(time.Time) error }).SetDeadline(time.Now().Add(10 * time.Second))
					announced := fmt.Sprintf("127.0.0.1:%d", hi*256+lo)
					io.WriteString(c, "200 ok\r\n")
					line, _ := bufio.NewReader(io.LimitReader(c, 64)).ReadString('\n') // LIST
					_ = line
					d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP("127.0.0.2")}}
					if tc, err := d.Dial("tcp", announced); err == nil {
						io.WriteString(tc, "forged listing\r\n")
						tc.Close()
					}
					io.WriteString(c, "150 here\r\n")
					if serverToo {
						time.Sleep(100 * time.Millisecond)
						if sc, err := net.Dial("tcp", announced); err == nil {
							io.WriteString(sc, "real listing\r\n")
							sc.Close()
						}
						io.WriteString(c, "226 done\r\n")
					}
				default:
					io.WriteString(c, "500 not here\r\n")
				}
			})
			rep, err := Run(context.Background(), addr, Options{Timeout: time.Second})
			if err != nil {
				t.Fatal(err)
			}
			r := rep.Results[2] // PORT
			if want := map[bool]Outcome{false: DialFailed, true: Worked}[serverToo]; r.Outcome != want {
				t.Errorf("PORT: %s (%s), want %s", r.Outcome, r.Err, want)
			}
			if !strings.Contains(strings.Join(r.Stopped, " "), "from 127.0.0.2") {
				t.Errorf("PORT: stopped %q, want the connection from 127.0.0.2", r.Stopped)
			}
		})
	}
}

// TestProbeBoundsReplies: an endless multi-line greeting and an endless
// LIST end in an error naming the limit, not in exhausted memory.
func TestProbeBoundsReplies(t *testing.T) {
	t.Run("endless greeting", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		sent := make(chan int64, 8)
		go func() {
			for {
				c, err := l.Accept()
				if err != nil {
					return
				}
				go func() {
					defer c.Close()
					c.SetDeadline(time.Now().Add(10 * time.Second))
					line := []byte("220-" + strings.Repeat("x", 8000) + "\r\n")
					var n int64
					for {
						k, err := c.Write(line)
						n += int64(k)
						if err != nil {
							break
						}
					}
					sent <- n
				}()
			}
		}()
		_, err = Run(context.Background(), l.Addr().String(), Options{Timeout: 5 * time.Second})
		if err == nil || !strings.Contains(err.Error(), "longer than 1048576 bytes") {
			t.Fatalf("err = %v, want the reply limit", err)
		}
		if n := <-sent; n > 64<<20 {
			t.Errorf("the server got %d bytes in before the probe stopped", n)
		}
	})
	t.Run("endless LIST", func(t *testing.T) {
		dl, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer dl.Close()
		port := dl.Addr().(*net.TCPAddr).Port
		go func() {
			for {
				d, err := dl.Accept()
				if err != nil {
					return
				}
				go func() {
					defer d.Close()
					d.SetDeadline(time.Now().Add(10 * time.Second))
					chunk := bytes.Repeat([]byte("-rw-r--r-- 1 ftp ftp 0 Jan 1 00:00 x\r\n"), 1000)
					for {
						if _, err := d.Write(chunk); err != nil {
							return
						}
					}
				}()
			}
		}()
		addr := fakeServer(t, "", func(c net.Conn, cmd string) {
			switch cmd {
			case "EPSV":
				fmt.Fprintf(c, "229 Entering Extended Passive Mode (|||%d|)\r\n", port)
			case "PASV":
				fmt.Fprintf(c, "227 Entering Passive Mode (127,0,0,1,%d,%d).\r\n", port/256, port%256)
			case "LIST":
				io.WriteString(c, "150 here it comes\r\n")
			default:
				io.WriteString(c, "500 not here\r\n")
			}
		})
		rep, err := Run(context.Background(), addr, Options{Timeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rep.Results[:2] {
			if !strings.Contains(r.Err, "listing too long: longer than 1048576 bytes") {
				t.Errorf("%s: %s (%s), want the listing limit", r.Command, r.Outcome, r.Err)
			}
		}
	})
}

// TestProbeTextEscapesServerWords: a banner and replies with escape
// sequences print as text in the report.
func TestProbeTextEscapesServerWords(t *testing.T) {
	addr := fakeServer(t, "220 \x1b]52;c;aGk=\x07\x1b]0;owned\x07hello\r\n", func(c net.Conn, cmd string) {
		io.WriteString(c, "502 \x1b[2J\x1b]8;;http://evil.example/\x1b\\no\r\n")
	})
	rep, err := Run(context.Background(), addr, Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteText(&b, rep); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\r") {
		t.Errorf("raw control bytes in the report:\n%q", out)
	}
	for _, want := range []string{`(220 \x1b]52;c;aGk=\x07\x1b]0;owned\x07hello)`, `502 \x1b[2J\x1b]8;;http://evil.example/\x1b\no`} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in:\n%s", want, out)
		}
	}
}
