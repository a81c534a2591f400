package ftp

import (
	"context"
	"net"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"
)

// serveDir serves dir on laddr with the tests' usual configuration, changed
// by mod. stop closes the server and waits for Serve to return; it runs
// again (harmlessly) when the test ends, before the root is closed.
func serveDir(t testing.TB, laddr, dir string, mod func(*ServerConfig)) (srv *Server, addr string, stop func()) {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := ServerConfig{Root: root, Anonymous: true, AllowUpload: true, AnonymousUpload: true, AnonymousOtherWrite: true, Users: map[string]string{"ada": "lovelace"},
		PasvMinPort: 0, PasvMaxPort: 0, FailedLoginDelay: -1, DataTimeout: 5 * time.Second,
		// Every test client comes from 127.0.0.1: the per-address cap is
		// tested on its own.
		MaxConnsPerIP: -1}
	if mod != nil {
		mod(&cfg)
	}
	srv, err = NewServer(cfg)
	if err != nil {
		root.Close()
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", laddr)
	if err != nil {
		root.Close()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(context.Background(), l); close(done) }()
	stop = func() { srv.Close(); <-done }
	t.Cleanup(func() { stop(); root.Close() })
	return srv, l.Addr().String(), stop
}

// startServer is testServerAt that also hands back the *Server, so a test
// can see its sessions end.
func startServer(t testing.TB, laddr, dir string, mod func(*ServerConfig)) (*Server, string) {
	t.Helper()
	srv, addr, _ := serveDir(t, laddr, dir, mod)
	return srv, addr
}

// loginBinary dials addr, logs in anonymously and switches to TYPE I.
func loginBinary(t *testing.T, addr string) *rawConn {
	t.Helper()
	c := dialRaw(t, addr)
	c.login()
	c.cmd("TYPE I", 200)
	return c
}

// epsvDial asks for EPSV and connects to the port it names. The connection
// is closed when the test ends, if the test has not closed it before.
func (rc *rawConn) epsvDial() *net.TCPConn {
	rc.t.Helper()
	rep := rc.cmd("EPSV", 229)
	port, err := Parse229(rep.String())
	if err != nil {
		rc.t.Fatal(err)
	}
	host, _, _ := net.SplitHostPort(rc.c.RemoteAddr().String())
	d, err := net.Dial("tcp", net.JoinHostPort(host, strconv.Itoa(int(port))))
	if err != nil {
		rc.t.Fatal(err)
	}
	rc.t.Cleanup(func() { d.Close() })
	return d.(*net.TCPConn)
}

// openTransfer connects a passive (EPSV) data connection, sends cmd (a
// RETR, STOR, ...) and expects 150: the transfer is under way on the
// returned connection.
func (rc *rawConn) openTransfer(cmd string) *net.TCPConn {
	rc.t.Helper()
	d := rc.epsvDial()
	rc.send(cmd)
	rc.expect(150)
	return d
}

// flood runs n clients at once, client(i, greeted, allIn) for i in 0..n-1.
// A client calls greeted once it has its first answer (it counts as called
// when the client returns); allIn is closed once every client has been
// greeted, so a client can hold its slot until then. flood returns when
// every client has returned, with the time at which all were greeted.
func flood(n int, client func(i int, greeted func(), allIn <-chan struct{})) (allGreeted time.Time) {
	var greetedWG, wg sync.WaitGroup
	allIn := make(chan struct{})
	greetedWG.Add(n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var once sync.Once
			greeted := func() { once.Do(greetedWG.Done) }
			defer greeted()
			client(i, greeted, allIn)
		}()
	}
	greetedWG.Wait()
	allGreeted = time.Now()
	close(allIn)
	wg.Wait()
	return allGreeted
}
