package tui

import (
	"context"
	"net"
	"os"
	"testing"

	tea "charm.land/bubbletea/v2"

	"ftplab/internal/play"
	"ftplab/sim/ftp"
	"ftplab/sim/trace"
)

// watchedServer is a real FTP server on loopback serving dir to
// anonymous, its sockets watched as `serve --watch` watches them.
type watchedServer struct {
	addr    string
	events  chan trace.SessionEvent
	watcher *play.Watcher
	stop    func() // closes the server and then the events
}

func startWatched(t *testing.T, dir string, buffer int) watchedServer {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	events := make(chan trace.SessionEvent, buffer)
	w := play.NewWatcher(nil, func(e trace.SessionEvent) { events <- e })
	srv, err := ftp.NewServer(ftp.ServerConfig{Root: root, Anonymous: true, Observer: w.Observe})
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { srv.Serve(context.Background(), l); close(done) }()
	return watchedServer{addr: l.Addr().String(), events: events, watcher: w, stop: func() { srv.Close(); <-done; close(events) }}
}

// drainedWatch is a 100x30 watch screen that has read every event.
func drainedWatch(events <-chan trace.SessionEvent) *Watch {
	m := NewWatch(events, opts)
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	for cmd := m.Init(); cmd != nil; {
		msg := cmd()
		if msg == nil {
			break
		}
		m.Update(msg)
		cmd = m.next()
	}
	return m
}
