package player

import (
	"fmt"
	"strings"

	"ftplab/sim/trace"
)

// connNames numbers connections per channel, in order of appearance in
// the session: "control", "data 1", "data 2"; a second control
// connection is "control 2". Students read a global id ("data #2") as
// "the second data connection".
type connNames struct {
	seen    int // events looked at
	names   map[int]string
	dialers map[int]string // the host of each connection's first event: its SYN's
	count   map[trace.Channel]int
}

// of is the name of connection id, from the events so far.
func (c *connNames) of(events []trace.Event, id int) string {
	if n, ok := c.names[id]; ok {
		return n
	}
	if c.names == nil {
		c.names, c.dialers, c.count = map[int]string{}, map[int]string{}, map[trace.Channel]int{}
	}
	for ; c.seen < len(events); c.seen++ {
		e := events[c.seen]
		if e.Conn == 0 || c.names[e.Conn] != "" {
			continue
		}
		c.count[e.Channel]++
		c.dialers[e.Conn] = e.Host
		n := c.count[e.Channel]
		switch {
		case e.Channel == trace.Control && n == 1:
			c.names[e.Conn] = "control"
		case e.Channel == trace.Control || e.Channel == trace.Data:
			c.names[e.Conn] = fmt.Sprintf("%s %d", e.Channel, n)
		default:
			c.names[e.Conn] = fmt.Sprintf("connection %d", e.Conn)
		}
		if e.Conn == id {
			c.seen++
			break
		}
	}
	if n, ok := c.names[id]; ok {
		return n
	}
	return fmt.Sprintf("connection %d", id)
}

// dialer is the host that dialed connection id ("" before it appears).
func (c *connNames) dialer(events []trace.Event, id int) string {
	c.of(events, id)
	return c.dialers[id]
}

// describe is trace.Describe with the connection named per channel.
func (c *connNames) describe(events []trace.Event, e trace.Event) string {
	d := trace.Describe(e)
	if e.Conn > 0 {
		if old := fmt.Sprintf(" [%s #%d]", e.Channel, e.Conn); strings.HasSuffix(d, old) {
			d = strings.TrimSuffix(d, old) + " [" + c.of(events, e.Conn) + "]"
		}
	}
	return d
}
