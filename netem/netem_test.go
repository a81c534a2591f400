package netem

import (
	"bufio"
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"math/rand/v2"
	"net"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"ftplab/sim/trace"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// world builds client 192.168.1.10 / server 198.51.100.21 and records events.
type rec struct {
	mu sync.Mutex
	ev []trace.Event
}

func (r *rec) add(e trace.Event) { r.mu.Lock(); r.ev = append(r.ev, e); r.mu.Unlock() }
func (r *rec) kinds(k trace.Kind) []trace.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []trace.Event
	for _, e := range r.ev {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}

func newWorld(t *testing.T, clientAddr string) (*World, *Host, *Host, *rec) {
	t.Helper()
	r := &rec{}
	w := New(Options{Emit: r.add})
	t.Cleanup(func() { w.Close() })
	c, err := w.AddHost(HostConfig{Name: "client", Addr: clientAddr, ConnectTimeout: 75 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s, err := w.AddHost(HostConfig{Name: "server", Addr: "198.51.100.21", ConnectTimeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return w, c, s, r
}

// echo accepts one connection on l and echoes every line back.
func echo(t *testing.T, l net.Listener) <-chan net.Conn {
	ch := make(chan net.Conn, 1)
	go func() {
		c, err := l.Accept()
		if err != nil {
			close(ch)
			return
		}
		ch <- c
		io.Copy(c, c)
		c.Close()
	}()
	return ch
}

func TestAddressesSeenThroughNAT(t *testing.T) {
	w, c, s, _ := newWorld(t, "192.168.1.10")
	if err := w.AddNAT("client", NAT{Name: "client-nat", Public: "203.0.113.5"}); err != nil {
		t.Fatal(err)
	}
	l, err := s.Listen(context.Background(), "198.51.100.21:21")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := echo(t, l)
	conn, err := c.Dial(context.Background(), "192.168.1.10:2000", "198.51.100.21:21")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	sc := <-accepted
	if conn.LocalAddr().String() != "192.168.1.10:2000" || conn.RemoteAddr().String() != "198.51.100.21:21" {
		t.Errorf("client sees %s -> %s", conn.LocalAddr(), conn.RemoteAddr())
	}
	if sc.RemoteAddr().String() != "203.0.113.5:2000" || sc.LocalAddr().String() != "198.51.100.21:21" {
		t.Errorf("server sees %s -> %s, want the NAT's public address", sc.RemoteAddr(), sc.LocalAddr())
	}
	for _, d := range w.RealDials() {
		ap, err := netip.ParseAddrPort(d)
		if err != nil || !ap.Addr().IsLoopback() {
			t.Errorf("a real dial went to %s: only loopback is allowed", d)
		}
	}
	if len(w.RealDials()) == 0 {
		t.Error("no real dial recorded")
	}
}

func TestDropTimesOutInVirtualTime(t *testing.T) {
	for _, tt := range []struct {
		name    string
		action  Action
		refused bool
	}{{"drop", Drop, false}, {"reject", Reject, true}} {
		t.Run(tt.name, func(t *testing.T) {
			w, c, s, r := newWorld(t, "192.0.2.10")
			w.AddFirewall("client", Firewall{Name: "client-fw", Rules: []Rule{
				{Dir: Out, Action: Accept},
				{Dir: In, States: []State{StateEstablished, StateRelated}, Action: Accept},
				{Dir: In, Action: tt.action},
			}})
			l, _ := c.Listen(context.Background(), ":2001")
			defer l.Close()
			start := time.Now()
			_, err := s.Dial(context.Background(), "198.51.100.21:20", "192.0.2.10:2001")
			if real := time.Since(start); real > time.Second {
				t.Errorf("the dial took %s of real time", real)
			}
			var ne net.Error
			isTimeout := errors.As(err, &ne) && ne.Timeout()
			if tt.refused == isTimeout || err == nil {
				t.Fatalf("err = %v", err)
			}
			v := r.kinds(trace.Verdict)
			if len(v) != 1 || v[0].Box != "client-fw" || v[0].Rule != "rule 3: "+tt.name+" in" || v[0].State != "NEW" {
				t.Errorf("verdicts %+v", v)
			}
			if tt.refused {
				if len(r.kinds(trace.Retransmit)) != 0 || w.Elapsed() > time.Second {
					t.Errorf("REJECT must fail at once: %d retransmits, %s", len(r.kinds(trace.Retransmit)), w.Elapsed())
				}
				return
			}
			rt := r.kinds(trace.Retransmit)
			wantAt := []int64{1, 2, 3, 4, 5, 7, 11, 19, 35} // Linux's default schedule, up to the 60 s timeout
			if len(rt) != len(wantAt) {
				t.Fatalf("%d retransmits, want %d", len(rt), len(wantAt))
			}
			for i, e := range rt {
				if e.T/1e6 != wantAt[i] {
					t.Errorf("retransmit %d at %d µs, want %d s", i+1, e.T, wantAt[i])
				}
			}
			if to := r.kinds(trace.Timeout); len(to) != 1 || to[0].T != 60e6 {
				t.Errorf("timeout %+v, want one at 60 s", to)
			}
		})
	}
}

// TestHelperRewritesAndExpects: PORT through a client NAT with the helper
// is rewritten and the server's dial is RELATED through the client firewall.
func TestHelperRewritesAndExpects(t *testing.T) {
	for _, alg := range []bool{false, true} {
		w, c, s, r := newWorld(t, "192.168.1.10")
		w.AddFirewall("client", Firewall{Name: "client-fw", ALG: alg, Rules: []Rule{
			{Dir: Out, Action: Accept},
			{Dir: In, States: []State{StateEstablished, StateRelated}, Action: Accept},
			{Dir: In, Action: Reject},
		}})
		w.AddNAT("client", NAT{Name: "client-nat", Public: "203.0.113.5", ALG: alg})
		l, _ := s.Listen(context.Background(), "198.51.100.21:21")
		accepted := make(chan net.Conn, 1)
		go func() { sc, _ := l.Accept(); accepted <- sc }()
		conn, err := c.Dial(context.Background(), "192.168.1.10:2000", "198.51.100.21:21")
		if err != nil {
			t.Fatal(err)
		}
		sc := <-accepted
		dl, _ := c.Listen(context.Background(), ":2001")
		io.WriteString(conn, "PORT 192,168,1,10,7,209\r\n")
		line, _ := bufio.NewReader(sc).ReadString('\n')
		want := "PORT 192,168,1,10,7,209\r\n"
		if alg {
			want = "PORT 203,0,113,5,7,209\r\n"
		}
		if line != want {
			t.Errorf("alg=%v: server read %q, want %q", alg, line, want)
		}
		d, err := s.Dial(context.Background(), "198.51.100.21:20", "203.0.113.5:2001")
		if alg {
			if err != nil {
				t.Errorf("with the helper the data dial must pass: %v", err)
			} else {
				d.Close()
			}
			v := r.kinds(trace.Verdict)
			if last := v[len(v)-1]; last.State != "RELATED" || last.Verdict != "accept" {
				t.Errorf("data verdict %+v, want accept RELATED", last)
			}
			if rw := r.kinds(trace.Rewrite); len(rw) != 1 || rw[0].After != "PORT 203,0,113,5,7,209" {
				t.Errorf("rewrites %+v", rw)
			}
		} else if err == nil {
			t.Error("without the helper the NAT has nowhere to send the data connection")
			d.Close()
		}
		dl.Close()
		conn.Close()
		sc.Close()
		l.Close()
		w.Close()
	}
}

func TestHelperIgnoresForeignAddress(t *testing.T) {
	w, c, s, r := newWorld(t, "192.0.2.10")
	w.AddFirewall("client", Firewall{Name: "client-fw", ALG: true, Rules: []Rule{{Dir: Out, Action: Accept}, {Dir: In, Action: Drop}}})
	l, _ := s.Listen(context.Background(), "198.51.100.21:21")
	defer l.Close()
	accepted := echo(t, l)
	conn, _ := c.Dial(context.Background(), "", "198.51.100.21:21")
	defer conn.Close()
	<-accepted
	io.WriteString(conn, "PORT 10,9,9,9,7,209\r\n")
	bufio.NewReader(conn).ReadString('\n')
	if e := r.kinds(trace.Expect); len(e) != 0 {
		t.Errorf("an address that is not the sender's must get no expectation: %+v", e)
	}
}

func TestTLSBlindsHelper(t *testing.T) {
	w, c, s, r := newWorld(t, "192.0.2.10")
	w.AddFirewall("client", Firewall{Name: "client-fw", ALG: true, Rules: []Rule{{Dir: Out, Action: Accept}}})
	l, _ := s.Listen(context.Background(), "198.51.100.21:21")
	defer l.Close()
	accepted := echo(t, l)
	conn, _ := c.Dial(context.Background(), "", "198.51.100.21:21")
	defer conn.Close()
	<-accepted
	conn.Write([]byte{0x16, 0x03, 0x01, 0x00, 0x05, 'h', 'e', 'l', 'l', 'o'})
	io.ReadFull(conn, make([]byte, 10))
	io.WriteString(conn, "PORT 192,0,2,10,7,209\r\n") // inside "TLS" now
	bufio.NewReader(conn).ReadString('\n')
	if b := r.kinds(trace.Blind); len(b) != 1 || b[0].Box != "client-fw" {
		t.Errorf("blind events %+v, want one from client-fw", b)
	}
	if e := r.kinds(trace.Expect); len(e) != 0 {
		t.Errorf("a blind helper expected %+v", e)
	}
}

// TestIntegrityUnderLinkConditions: sha256 equal at both ends.
func TestIntegrityUnderLinkConditions(t *testing.T) {
	for _, link := range []Link{{Latency: 20 * time.Millisecond}, {Bandwidth: 1 << 20}, {Latency: time.Millisecond, Faults: []Fault{Stall{After: 100000, For: 5 * time.Second}}}} {
		w, c, s, r := newWorld(t, "192.0.2.10")
		w.SetLink(link)
		l, _ := s.Listen(context.Background(), ":30000")
		data := make([]byte, 1<<20+123)
		rand.NewChaCha8([32]byte{3}).Read(data)
		got := make(chan [32]byte, 1)
		go func() {
			sc, err := l.Accept()
			if err != nil {
				got <- [32]byte{}
				return
			}
			b, _ := io.ReadAll(sc)
			sc.Close()
			got <- sha256.Sum256(b)
		}()
		conn, err := c.Dial(context.Background(), "", "198.51.100.21:30000")
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(data)
		conn.Close()
		if <-got != sha256.Sum256(data) {
			t.Errorf("link %+v: sha256 differs", link)
		}
		if link.Bandwidth > 0 && w.Elapsed() < time.Second {
			t.Errorf("1 MiB at 1 MiB/s took only %s of virtual time", w.Elapsed())
		}
		if len(link.Faults) > 0 && len(r.kinds(trace.Note)) == 0 {
			t.Error("a stall should be noted")
		}
		l.Close()
		w.Close()
	}
}

func TestResetMidTransfer(t *testing.T) {
	w, c, s, r := newWorld(t, "192.0.2.10")
	w.SetLink(Link{Faults: []Fault{Reset{After: 50000}}})
	l, _ := s.Listen(context.Background(), ":30000")
	defer l.Close()
	done := make(chan error, 1)
	go func() {
		sc, err := l.Accept()
		if err != nil {
			done <- err
			return
		}
		_, err = io.ReadAll(sc)
		sc.Close()
		done <- err
	}()
	conn, _ := c.Dial(context.Background(), "", "198.51.100.21:30000")
	var werr error
	for i := 0; i < 100 && werr == nil; i++ {
		_, werr = conn.Write(make([]byte, 4096))
	}
	conn.Close()
	if werr == nil || !strings.Contains(werr.Error(), "reset") {
		t.Errorf("writer error %v, want a reset", werr)
	}
	<-done
	if len(r.kinds(trace.Reset)) != 1 {
		t.Error("want one reset event")
	}
}

// TestLinkCutsOneWriteAtStallAndReset: a single large write (as a client
// copying from a bytes.Reader makes) still stalls after exactly StallAfter
// bytes and is reset after exactly ResetAfter: the bytes before the point
// go through as a segment, the stall's notes are StallFor apart, and Write
// reports how much went out before the reset.
func TestLinkCutsOneWriteAtStallAndReset(t *testing.T) {
	w, c, s, r := newWorld(t, "192.0.2.10")
	w.SetLink(Link{Faults: []Fault{Stall{After: 100000, For: 7 * time.Second}, Reset{After: 300000}}})
	l, _ := s.Listen(context.Background(), ":30000")
	defer l.Close()
	got := make(chan int64, 1)
	go func() {
		sc, err := l.Accept()
		if err != nil {
			got <- -1
			return
		}
		n, _ := io.Copy(io.Discard, sc)
		sc.Close()
		got <- n
	}()
	conn, err := c.Dial(context.Background(), "", "198.51.100.21:30000")
	if err != nil {
		t.Fatal(err)
	}
	n, werr := conn.Write(make([]byte, 1<<20))
	conn.Close()
	<-got // the reader's count depends on when the RST lands; not checked
	if n != 300000 || werr == nil || !strings.Contains(werr.Error(), "reset") {
		t.Errorf("Write = %d, %v; want 300000 and a reset", n, werr)
	}
	var segs []int64
	for _, e := range r.kinds(trace.Segment) {
		if e.Channel == trace.Data {
			segs = append(segs, e.Bytes)
		}
	}
	if len(segs) != 2 || segs[0] != 100000 || segs[1] != 200000 {
		t.Errorf("data segments %v, want [100000 200000]", segs)
	}
	notes := r.kinds(trace.Note)
	if len(notes) != 2 || notes[0].Text != "link stalls for 7s after 100000 bytes" || notes[1].Text != "link resumes after a stall of 7s" || notes[1].T-notes[0].T != 7e6 {
		t.Errorf("notes %+v: want stall and resume 7 s apart", notes)
	}
	if rs := r.kinds(trace.Reset); len(rs) != 1 || rs[0].Err != "link reset the connection after 300000 bytes" {
		t.Errorf("resets %+v: want one naming 300000 bytes", rs)
	}
}

func TestNoRouteToPrivateAddress(t *testing.T) {
	w, c, _, r := newWorld(t, "192.0.2.10")
	_, err := c.Dial(context.Background(), "", "10.0.0.21:30000")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !strings.Contains(err.Error(), "no host at 10.0.0.21") {
		t.Errorf("err = %v", err)
	}
	if w.Elapsed() != 75*time.Second || len(r.kinds(trace.Retransmit)) != 10 {
		t.Errorf("elapsed %s, %d retransmits", w.Elapsed(), len(r.kinds(trace.Retransmit)))
	}
}

func TestBadInput(t *testing.T) {
	w, c, _, _ := newWorld(t, "192.0.2.10")
	if _, err := w.AddHost(HostConfig{Name: "x", Addr: "not-an-ip"}); err == nil {
		t.Error("bad address accepted")
	}
	if err := w.AddNAT("nobody", NAT{Public: "1.2.3.4"}); err == nil {
		t.Error("NAT for a missing host accepted")
	}
	if _, err := c.Listen(context.Background(), "198.51.100.21:21"); err == nil {
		t.Error("listening on another host's address accepted")
	}
	l, _ := c.Listen(context.Background(), ":2001")
	defer l.Close()
	if _, err := c.Listen(context.Background(), ":2001"); err == nil {
		t.Error("a busy virtual port accepted")
	}
}

// BenchmarkRelay and BenchmarkDirect move the same 64 MiB through netem
// and through plain loopback; scripts/bench prints their ratio.
func BenchmarkRelay(b *testing.B) {
	w := New(Options{})
	defer w.Close()
	c, _ := w.AddHost(HostConfig{Name: "client", Addr: "192.0.2.10"})
	s, _ := w.AddHost(HostConfig{Name: "server", Addr: "198.51.100.21"})
	l, _ := s.Listen(context.Background(), ":30000")
	defer l.Close()
	benchCopy(b, l, func() (net.Conn, error) { return c.Dial(context.Background(), "", "198.51.100.21:30000") })
}

func BenchmarkDirect(b *testing.B) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	defer l.Close()
	benchCopy(b, l, func() (net.Conn, error) { return net.Dial("tcp", l.Addr().String()) })
}

func benchCopy(b *testing.B, l net.Listener, dial func() (net.Conn, error)) {
	const size = 64 << 20
	buf := make([]byte, 256<<10)
	b.SetBytes(size)
	for b.Loop() {
		done := make(chan struct{})
		go func() {
			sc, err := l.Accept()
			if err == nil {
				io.Copy(io.Discard, sc)
				sc.Close()
			}
			close(done)
		}()
		conn, err := dial()
		if err != nil {
			b.Fatal(err)
		}
		for sent := 0; sent < size; sent += len(buf) {
			conn.Write(buf)
		}
		conn.Close()
		<-done
	}
}

// FuzzHelperRewrite pushes arbitrary control lines through a client NAT
// with the helper: nothing panics, and the server receives exactly one line
// for each line sent.
// FuzzHelperRewrite sends control lines through a client NAT with the FTP
// helper and checks what the server receives: every line arrives whole,
// and a PORT/EPRT naming the client's private address arrives naming the
// NAT's public one, still parseable. One control connection carries every
// input (a connection per input would exhaust the loopback's ports while
// fuzzing: thousands of sockets in TIME_WAIT).
func FuzzHelperRewrite(f *testing.F) {
	for _, s := range []string{"PORT 192,168,1,10,7,209", "EPRT |1|192.168.1.10|2001|", "PORT 1,1,1,1,1,1", "EPRT |2|::1|5|", "PORT ,,,,", "NOOP",
		"port 192,168,1,10,0,21", "EPRT |1|192.168.1.10|65535|", "PORT 192,168,1,10,255,255,1"} {
		f.Add(s)
	}
	w := New(Options{})
	f.Cleanup(func() { w.Close() })
	c, _ := w.AddHost(HostConfig{Name: "client", Addr: "192.168.1.10"})
	s, _ := w.AddHost(HostConfig{Name: "server", Addr: "198.51.100.21"})
	w.AddNAT("client", NAT{Name: "client-nat", Public: "203.0.113.5", ALG: true})
	l, err := s.Listen(context.Background(), ":21")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { l.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		sc, _ := l.Accept()
		accepted <- sc
	}()
	conn, err := c.Dial(context.Background(), "", "198.51.100.21:21")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { conn.Close() })
	sc := <-accepted
	if sc == nil {
		f.Fatal("accept failed")
	}
	f.Cleanup(func() { sc.Close() })
	r := bufio.NewReader(sc)
	private := netip.MustParseAddr("192.168.1.10")
	f.Fuzz(func(t *testing.T, line string) {
		// Lines are what the client's writer would send; a TLS record start
		// blinds the helper for good, which this one connection cannot undo.
		if strings.ContainsAny(line, "\r\n") || len(line) > 2000 || (len(line) > 0 && line[0] == 0x16) {
			return
		}
		sc.SetDeadline(time.Now().Add(5 * time.Second))
		if _, err := io.WriteString(conn, line+"\r\n"); err != nil {
			t.Fatal(err)
		}
		got, err := r.ReadString('\n')
		if err != nil || !strings.HasSuffix(got, "\r\n") {
			t.Fatalf("%q arrived as %q (%v)", line, got, err)
		}
		got = strings.TrimSuffix(got, "\r\n")
		if a, ok := parseAnnouncement(true, line, private); ok && a.ap.Addr().Unmap() == private {
			b, ok := parseAnnouncement(true, got, netip.MustParseAddr("203.0.113.5"))
			if !ok || b.ap != netip.AddrPortFrom(netip.MustParseAddr("203.0.113.5"), a.ap.Port()) {
				t.Fatalf("%q should arrive naming 203.0.113.5:%d, arrived as %q", line, a.ap.Port(), got)
			}
		} else if got != line {
			t.Fatalf("%q names no private address but arrived changed: %q", line, got)
		}
	})
}

// TestStallOutlastsDataTimeout: a host whose data timeout is shorter than a
// stall gives up at that moment of virtual time; as the writer its Write
// times out, as the reader its Read times out and the writer sees a reset;
// with no timeout short enough the stall just passes.
func TestStallOutlastsDataTimeout(t *testing.T) {
	for _, tt := range []struct {
		name              string
		writerT, readerT  time.Duration
		writeErr, readErr string // "" none, "timeout", "reset"
		quitAfter         time.Duration
	}{
		{"writer gives up", 2 * time.Minute, 0, "timeout", "", 2 * time.Minute},
		{"reader gives up", 0, 3 * time.Minute, "reset", "timeout", 3 * time.Minute},
		{"first timer wins", 4 * time.Minute, 3 * time.Minute, "reset", "timeout", 3 * time.Minute},
		{"stall shorter than both", 20 * time.Minute, 20 * time.Minute, "", "", 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := &rec{}
			w := New(Options{Emit: r.add})
			defer w.Close()
			c, _ := w.AddHost(HostConfig{Name: "client", Addr: "192.0.2.10", DataTimeout: tt.writerT})
			s, _ := w.AddHost(HostConfig{Name: "server", Addr: "198.51.100.21", DataTimeout: tt.readerT})
			w.SetLink(Link{Faults: []Fault{Stall{After: 1000, For: 10 * time.Minute}}})
			l, _ := s.Listen(context.Background(), ":30000")
			defer l.Close()
			readErr := make(chan error, 1)
			go func() {
				sc, err := l.Accept()
				if err != nil {
					readErr <- err
					return
				}
				defer sc.Close()
				_, err = io.Copy(io.Discard, sc)
				readErr <- err
			}()
			conn, err := c.Dial(context.Background(), "", "198.51.100.21:30000")
			if err != nil {
				t.Fatal(err)
			}
			_, werr := conn.Write(make([]byte, 5000))
			conn.Close()
			rerr := <-readErr
			kind := func(err error) string {
				var ne net.Error
				switch {
				case err == nil:
					return ""
				case errors.As(err, &ne) && ne.Timeout():
					return "timeout"
				case strings.Contains(err.Error(), "reset"):
					return "reset"
				}
				return err.Error()
			}
			if kind(werr) != tt.writeErr || kind(rerr) != tt.readErr {
				t.Errorf("write error %v, read error %v; want %q and %q", werr, rerr, tt.writeErr, tt.readErr)
			}
			var stall, quit int64 = -1, -1
			for _, e := range r.kinds(trace.Note) {
				switch {
				case strings.HasPrefix(e.Text, "link stalls"):
					stall = e.T
				case strings.Contains(e.Text, "gives up on the stalled data connection"):
					quit = e.T
				}
			}
			switch {
			case tt.quitAfter == 0 && quit >= 0:
				t.Errorf("nobody should give up on a stall shorter than both timeouts")
			case tt.quitAfter > 0 && (stall < 0 || time.Duration(quit-stall)*time.Microsecond != tt.quitAfter):
				t.Errorf("gave up %s into the stall, want %s", time.Duration(quit-stall)*time.Microsecond, tt.quitAfter)
			}
		})
	}
}

// TestSYNSchedules: each schedule's retransmissions, cut at the dialer's
// connect timeout.
func TestSYNSchedules(t *testing.T) {
	for _, tt := range []struct {
		sched   SYNSchedule
		timeout time.Duration
		want    []int64
	}{
		{SYNLinux, 20 * time.Second, []int64{1, 2, 3, 4, 5, 7, 11, 19}}, // the kernel's 9 SYNs before vsftpd's 425 at 20 s
		{SYNLinuxPre65, 20 * time.Second, []int64{1, 3, 7, 15}},
		{SYNLinux, 127 * time.Second, []int64{1, 2, 3, 4, 5, 7, 11, 19, 35, 67}},
		{SYNLinuxPre65, 127 * time.Second, []int64{1, 3, 7, 15, 31, 63}},
	} {
		r := &rec{}
		w := New(Options{Emit: r.add})
		c, err := w.AddHost(HostConfig{Name: "client", Addr: "192.0.2.10", ConnectTimeout: tt.timeout, SYNSchedule: tt.sched})
		if err != nil {
			t.Fatal(err)
		}
		c.Dial(context.Background(), "", "10.0.0.21:30000")
		var got []int64
		for _, e := range r.kinds(trace.Retransmit) {
			got = append(got, e.T/1e6)
		}
		if !reflect.DeepEqual(got, tt.want) || w.Elapsed() != tt.timeout {
			t.Errorf("schedule %d, timeout %s: retransmits at %v s, gave up at %s; want %v", tt.sched, tt.timeout, got, w.Elapsed(), tt.want)
		}
		w.Close()
	}
	w := New(Options{})
	if _, err := w.AddHost(HostConfig{Name: "x", Addr: "192.0.2.1", SYNSchedule: 7}); err == nil || !strings.Contains(err.Error(), "unknown SYN schedule") {
		t.Errorf("bad schedule: %v", err)
	}
}
