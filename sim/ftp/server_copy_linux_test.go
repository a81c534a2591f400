package ftp

import (
	"bytes"
	"crypto/rand"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestDirectCopy: binary RETR (whole and resumed) and STOR over plain TCP
// take the direct path (a blocking sendfile, or splice waiting in
// poll(2)) and move every byte; APPE, whose file is opened O_APPEND
// (which splice(2) refuses), takes Go's path and still appends.
func TestDirectCopy(t *testing.T) {
	dir := sandbox(t)
	body := make([]byte, 3<<20+17)
	rand.Read(body)
	if err := os.WriteFile(filepath.Join(dir, "big.bin"), body, 0o644); err != nil {
		t.Fatal(err)
	}
	addr := testServer(t, dir, nil)
	tests := []struct {
		name   string
		run    func(c *rawConn)
		direct int64
		file   string
		want   []byte
	}{
		{"RETR", func(c *rawConn) {
			if data, rep := c.pasvGet("RETR big.bin"); rep.Code != 226 || data != string(body) {
				t.Errorf("RETR: %d bytes, %q", len(data), rep.String())
			}
		}, 1, "", nil},
		{"REST+RETR", func(c *rawConn) {
			c.cmd("REST 1000000", 350)
			if data, rep := c.pasvGet("RETR big.bin"); rep.Code != 226 || data != string(body[1000000:]) {
				t.Errorf("REST RETR: %d bytes, %q", len(data), rep.String())
			}
		}, 1, "", nil},
		{"STOR", func(c *rawConn) {
			d := c.openTransfer("STOR up.bin")
			d.Write(body)
			d.Close()
			c.expect(226)
		}, 1, "up.bin", body},
		{"APPE", func(c *rawConn) {
			d := c.openTransfer("APPE up.bin")
			d.Write(body[:1000])
			d.Close()
			c.expect(226)
		}, 0, "up.bin", append(append([]byte{}, body...), body[:1000]...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := directCopies.Load()
			tt.run(loginBinary(t, addr))
			if got := directCopies.Load() - before; got != tt.direct {
				t.Errorf("direct copies: %d, want %d", got, tt.direct)
			}
			if tt.file == "" {
				return
			}
			got, err := os.ReadFile(filepath.Join(dir, tt.file))
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("%s holds %d bytes (%v), want %d", tt.file, len(got), err, len(tt.want))
			}
		})
	}
}

// TestDirectTrickle: a STOR that sends 1 KiB at a time for longer than
// DataTimeout is read as it comes (each poll(2) that times out is
// followed by a try) and not cut as a stall: the limit is on a stall,
// not on a slow transfer.
func TestDirectTrickle(t *testing.T) {
	dir := sandbox(t)
	limit := 300 * time.Millisecond
	addr := testServer(t, dir, func(c *ServerConfig) { c.DataTimeout = limit })
	c := loginBinary(t, addr)
	before := directCopies.Load()
	d := c.openTransfer("STOR trickle.bin")
	piece := bytes.Repeat([]byte("x"), 1024)
	start := time.Now()
	for time.Since(start) < 3*limit {
		if _, err := d.Write(piece); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	d.Close()
	c.expect(226)
	if directCopies.Load() == before {
		t.Error("the STOR did not take the direct path")
	}
	fi, err := os.Stat(filepath.Join(dir, "trickle.bin"))
	if err != nil || fi.Size() == 0 || fi.Size()%1024 != 0 {
		t.Errorf("trickle.bin: %v, %v", fi, err)
	}
}

// TestDirectABORWhileReading: ABOR during a RETR whose client goes on
// reading, slowly but without a pause long enough for the send timeout,
// ends the transfer at once. The direct copy's one sendfile(2) call would
// otherwise run to the end of the file (some 60 s here): Close does not
// wake it, closeData's shutdown(2) does. The same when the server stops.
func TestDirectABORWhileReading(t *testing.T) {
	dir := sandbox(t)
	if err := os.Truncate(filepath.Join(dir, "hello.txt"), 256<<20); err != nil {
		t.Fatal(err)
	}
	srv, addr := startServer(t, "127.0.0.1:0", dir, nil)
	trickle := func(d *net.TCPConn, stop <-chan struct{}) <-chan int64 {
		read := make(chan int64, 1)
		go func() {
			var n int64
			buf := make([]byte, 64<<10)
			for {
				select {
				case <-stop:
					read <- n
					return
				case <-time.After(15 * time.Millisecond): // some 4 MiB/s
				}
				d.SetReadDeadline(time.Now().Add(5 * time.Second))
				m, err := d.Read(buf)
				n += int64(m)
				if err != nil {
					read <- n
					return
				}
			}
		}()
		return read
	}
	t.Run("ABOR", func(t *testing.T) {
		c := loginBinary(t, addr)
		before := directCopies.Load()
		d := c.openTransfer("RETR hello.txt")
		stop := make(chan struct{})
		read := trickle(d, stop)
		time.Sleep(300 * time.Millisecond)
		start := time.Now()
		c.send("ABOR")
		c.c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if rep := c.reply(); rep.Code != 426 {
			t.Errorf("ABOR during RETR: %q, want 426", rep.String())
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("426 came %v after ABOR", took)
		}
		c.expect(226)
		close(stop)
		if n := <-read; n >= 256<<20 {
			t.Errorf("the client read the whole file (%d bytes) despite ABOR", n)
		}
		if directCopies.Load() == before {
			t.Error("the RETR did not take the direct path")
		}
		c.cmd("NOOP", 200)
	})
	t.Run("server stops", func(t *testing.T) {
		c := loginBinary(t, addr)
		d := c.openTransfer("RETR hello.txt")
		read := trickle(d, nil)
		time.Sleep(300 * time.Millisecond)
		start := time.Now()
		closed := make(chan struct{})
		go func() { srv.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(5 * time.Second):
			t.Fatal("Server.Close still waiting 5 s after it began")
		}
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("Server.Close took %v", took)
		}
		if n := <-read; n >= 256<<20 {
			t.Errorf("the client read the whole file (%d bytes) after the server stopped", n)
		}
	})
}
