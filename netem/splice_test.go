package netem

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"

	"ftplab/sim/trace"
)

// fastPair dials a data connection (port 30000) between the two hosts of a
// world on the given link and returns the client's and the server's ends.
func fastPair(t testing.TB, l Link, port int) (client, server net.Conn, r *rec) {
	t.Helper()
	r = &rec{}
	w := New(Options{Emit: r.add})
	t.Cleanup(func() { w.Close() })
	w.SetLink(l)
	c, _ := w.AddHost(HostConfig{Name: "client", Addr: "192.0.2.10"})
	s, _ := w.AddHost(HostConfig{Name: "server", Addr: "198.51.100.21"})
	ln, err := s.Listen(context.Background(), fmt.Sprintf(":%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	accepted := make(chan net.Conn, 1)
	go func() {
		sc, _ := ln.Accept()
		accepted <- sc
	}()
	cc, err := c.Dial(context.Background(), "", fmt.Sprintf("198.51.100.21:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	sc := <-accepted
	if sc == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { cc.Close(); sc.Close() })
	return cc, sc, r
}

func randomFile(t testing.TB, size int) (*os.File, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	name := filepath.Join(t.TempDir(), "src.bin")
	if err := os.WriteFile(name, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f, data
}

// TestFastPathFromFile: on a link without conditions, io.Copy from a file
// into a data connection hands the real socket the *os.File itself (so Go
// uses sendfile), the bytes arrive whole, and the trace shows them as one
// segment per chunk that add up to the file. With any link condition the
// old path runs: a segment per write, no hand-over.
func TestFastPathFromFile(t *testing.T) {
	const size = 9<<20 + 123 // not a multiple of the chunk
	for _, tc := range []struct {
		name     string
		link     Link
		fast     bool
		segments int
	}{
		{"no conditions", Link{}, true, 3},
		{"latency", Link{Latency: time.Millisecond}, false, -1},
		{"reset far away", Link{Faults: []Fault{Reset{After: 1 << 40}}}, false, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var handed []string
			spliceHook = func(src io.Reader) { handed = append(handed, fmt.Sprintf("%T", src)) }
			defer func() { spliceHook = nil }()
			cc, sc, r := fastPair(t, tc.link, 30000)
			f, data := randomFile(t, size)
			got := make(chan []byte, 1)
			go func() { b, _ := io.ReadAll(sc); got <- b }()
			// io.CopyN, as the FTP server copies: the file arrives wrapped
			// in an *io.LimitedReader.
			n, err := io.CopyN(cc, f, size)
			if err != nil || n != size {
				t.Fatalf("copied %d, %v", n, err)
			}
			cc.Close()
			if b := <-got; !bytes.Equal(b, data) {
				t.Fatalf("received %d bytes, not the %d sent", len(b), size)
			}
			var sum int64
			segs := r.kinds(trace.Segment)
			for _, e := range segs {
				sum += e.Bytes
			}
			if sum != size {
				t.Errorf("segments add up to %d, want %d", sum, size)
			}
			if tc.fast {
				if len(segs) != tc.segments {
					t.Errorf("%d segment events, want %d (one per %d-byte chunk)", len(segs), tc.segments, spliceChunk)
				}
				if len(handed) == 0 || handed[0] != "*os.File" {
					t.Errorf("real socket was handed %v, want *os.File", handed)
				}
			} else if len(handed) != 0 {
				t.Errorf("fast path taken with link conditions %+v", tc.link)
			}
		})
	}
}

// TestFastPathSocketToSocket: a relay copying one fast netem connection
// into another splices between their real sockets and still counts.
func TestFastPathSocketToSocket(t *testing.T) {
	var handed []string
	spliceHook = func(src io.Reader) { handed = append(handed, fmt.Sprintf("%T", src)) }
	defer func() { spliceHook = nil }()
	inC, inS, _ := fastPair(t, Link{}, 30001)
	outC, outS, r := fastPair(t, Link{}, 30002)
	data := make([]byte, 5<<20)
	rand.Read(data)
	go func() { inC.Write(data); inC.Close() }()
	got := make(chan []byte, 1)
	go func() { b, _ := io.ReadAll(outS); got <- b }()
	n, err := io.Copy(outC, inS) // inS.WriteTo(outC) -> outC.ReadFrom(inS)
	if err != nil || n != int64(len(data)) {
		t.Fatalf("relayed %d, %v", n, err)
	}
	outC.Close()
	if b := <-got; !bytes.Equal(b, data) {
		t.Fatalf("received %d bytes, not the %d sent", len(b), len(data))
	}
	if len(handed) == 0 || handed[0] != "*net.TCPConn" {
		t.Errorf("real socket was handed %v, want *net.TCPConn", handed)
	}
	var sum int64
	for _, e := range r.kinds(trace.Segment) {
		sum += e.Bytes
	}
	if sum != int64(len(data)) {
		t.Errorf("the out connection's segments add up to %d, want %d", sum, len(data))
	}
}

// TestSyscallConnOnlyWhenFast: the real socket is exposed (for a file's
// splice) only on a data connection with no conditions; a control
// connection or a conditioned link refuses, so nothing skips the relay.
func TestSyscallConnOnlyWhenFast(t *testing.T) {
	for _, tc := range []struct {
		name string
		link Link
		port int
		ok   bool
	}{
		{"data, no conditions", Link{}, 30000, true},
		{"data, bandwidth", Link{Bandwidth: 1 << 20}, 30000, false},
		{"control", Link{}, 21, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cc, _, _ := fastPair(t, tc.link, tc.port)
			_, err := cc.(interface {
				SyscallConn() (syscall.RawConn, error)
			}).SyscallConn()
			if (err == nil) != tc.ok {
				t.Errorf("SyscallConn error %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// BenchmarkRelayVsDirect copies the same 64 MiB file into a netem data
// connection (no link conditions) and into a plain loopback connection,
// one after the other in every iteration, and reports the median speed of
// each: on a shared machine, interleaving 64 MiB at a time is what makes
// the two comparable. -write uses conn.Write of 256 KiB buffers instead
// of io.Copy (the path link conditions use).
func BenchmarkRelayVsDirect(b *testing.B) {
	for _, mode := range []string{"copy", "write"} {
		b.Run(mode, func(b *testing.B) {
			// 256 MiB a side: at 64 MiB (some 40 ms) one descheduling on
			// this shared machine moved a side by a third.
			const size = 256 << 20
			f, _ := randomFile(b, size)
			relayC, relayS, _ := fastPair(b, Link{}, 30000)
			l, _ := net.Listen("tcp", "127.0.0.1:0")
			defer l.Close()
			accepted := make(chan net.Conn, 1)
			go func() { sc, _ := l.Accept(); accepted <- sc }()
			directC, err := net.Dial("tcp", l.Addr().String())
			if err != nil {
				b.Fatal(err)
			}
			directS := <-accepted
			var drains []chan struct{}
			for _, src := range []net.Conn{relayS, directS} {
				done := make(chan struct{})
				go func() { io.Copy(io.Discard, src); close(done) }()
				drains = append(drains, done)
			}
			buf := make([]byte, 256<<10)
			send := func(dst net.Conn) time.Duration {
				start := time.Now()
				if mode == "write" {
					for sent := 0; sent < size; sent += len(buf) {
						if _, err := dst.Write(buf); err != nil {
							b.Fatal(err)
						}
					}
				} else {
					f.Seek(0, io.SeekStart)
					if n, err := io.CopyN(dst, f, size); err != nil || n != size {
						b.Fatalf("copied %d, %v", n, err)
					}
				}
				return time.Since(start)
			}
			var relay, direct, ratio []float64
			b.SetBytes(2 * size)
			for i := 0; b.Loop(); i++ {
				// The order flips each iteration, so neither side always
				// follows the other.
				var r, d float64
				if i%2 == 0 {
					r = size / send(relayC).Seconds() / 1e6
					d = size / send(directC).Seconds() / 1e6
				} else {
					d = size / send(directC).Seconds() / 1e6
					r = size / send(relayC).Seconds() / 1e6
				}
				relay, direct, ratio = append(relay, r), append(direct, d), append(ratio, r/d)
			}
			relayC.Close()
			directC.Close()
			for _, d := range drains {
				<-d
			}
			b.ReportMetric(medianOf(relay), "relay-MB/s")
			b.ReportMetric(medianOf(direct), "direct-MB/s")
			// Each pair's ratio, the two run back to back: the machine's
			// drift between pairs cancels out.
			b.ReportMetric(medianOf(ratio), "relay/direct")
		})
	}
}

func medianOf(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	return s[len(s)/2]
}
