package probe

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"ftplab/sim/ftp"
)

// deadDataServer is a scripted control channel whose data connections
// never happen: PASV and EPSV name a port nothing listens on, and after
// PORT/EPRT it never dials. It stands in for a firewall, which loopback
// tests cannot have without root and nftables.
func deadDataServer(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	dead := closed.Addr().(*net.TCPAddr).Port
	closed.Close()
	var wg sync.WaitGroup
	wg.Add(1)
	t.Cleanup(func() { l.Close(); wg.Wait() })
	go func() {
		defer wg.Done()
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer c.Close()
				c.SetDeadline(time.Now().Add(10 * time.Second))
				fmt.Fprint(c, "220-first line\r\n220 second line\r\n")
				r := bufio.NewReader(c)
				for {
					line, err := r.ReadString('\n')
					if err != nil {
						return
					}
					verb, _, _ := strings.Cut(strings.TrimSpace(line), " ")
					switch verb {
					case "USER":
						fmt.Fprint(c, "331 Password.\r\n")
					case "PASS":
						fmt.Fprint(c, "230 Welcome.\r\n")
					case "PASV":
						fmt.Fprintf(c, "227 Entering Passive Mode (127,0,0,1,%d,%d).\r\n", dead>>8, dead&0xff)
					case "EPSV":
						fmt.Fprintf(c, "229 Entering Extended Passive Mode (|||%d|)\r\n", dead)
					case "PORT", "EPRT":
						fmt.Fprintf(c, "200 %s command successful.\r\n", verb)
					case "LIST":
						fmt.Fprint(c, "150 Here comes the directory listing.\r\n") // and then nothing
					default:
						fmt.Fprint(c, "500 Unknown command.\r\n")
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// TestProbeReplyField: for a data dial that fails, the reply is the answer
// to the mode's own command (the 227/229 that named the port, the 200 that
// took the address), not whatever came last (230, 150); the banner is kept
// whole.
func TestProbeReplyField(t *testing.T) {
	rep, err := Run(context.Background(), deadDataServer(t), Options{Timeout: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Banner != "220-first line\n220 second line" {
		t.Errorf("banner %q", rep.Banner)
	}
	want := map[ftp.Mode]string{ftp.ModePassive: "227 ", ftp.ModeEPSV: "229 ", ftp.ModeActive: "200 PORT", ftp.ModeEPRT: "200 EPRT"}
	for _, r := range rep.Results {
		if r.Outcome != DialFailed || !strings.HasPrefix(r.Reply, want[r.Mode]) {
			t.Errorf("%s: %s, reply %q; want %s with reply %q...", r.Command, r.Outcome, r.Reply, DialFailed, want[r.Mode])
		}
	}
}
