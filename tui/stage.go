package tui

import (
	"fmt"
	"strings"

	"ftplab/sim/trace"
)

const hostWidth = 17 // a host box: "198.51.100.21" and a border, with room

// stage draws the hosts, the boxes between them and one line per
// connection, with the packet of the current step in flight.
type stage struct {
	width  int
	header trace.Header
	st     stageState
	cur    trace.Event // the event being shown
	frac   float64     // how far its packet has travelled, 0..1
	styles styles
	rows   int // connection rows available
}

// boxCenters places the middleboxes evenly between the two hosts.
func (s stage) boxCenters() map[string]int {
	out := map[string]int{}
	bs := s.header.Topology.Boxes
	left, right := hostWidth, s.width-hostWidth
	for i, b := range bs {
		out[b.Name] = left + (right-left)*(i+1)/(len(bs)+1)
	}
	return out
}

func (s stage) host(name string) trace.Host {
	for _, h := range s.header.Topology.Hosts {
		if h.Name == name {
			return h
		}
	}
	return trace.Host{Name: name}
}

// head is the row of boxes (and the NAT's public faces), each line exactly
// s.width cells wide: it changes with the width and the topology, not from
// frame to frame.
func (s stage) head() []string {
	var out []string
	// Row of boxes: hosts at the edges, middleboxes at their centers.
	top := make([][]rune, 4)
	for i := range top {
		top[i] = []rune(strings.Repeat(" ", s.width))
	}
	put := func(row, x int, text string) {
		r := []rune(text)
		for k := range r {
			if x+k >= 0 && x+k < s.width {
				top[row][x+k] = r[k]
			}
		}
	}
	drawBox := func(x, w int, lines ...string) {
		put(0, x, "┌"+strings.Repeat("─", w-2)+"┐")
		for i, l := range lines {
			if len([]rune(l)) > w-2 {
				l = string([]rune(l)[:w-2])
			}
			put(1+i, x, "│"+l+strings.Repeat(" ", w-2-len([]rune(l)))+"│")
		}
		put(3, x, "└"+strings.Repeat("─", w-2)+"┘")
	}
	c, sv := s.host("client"), s.host("server")
	drawBox(0, hostWidth-1, " client", " "+c.Addr)
	drawBox(s.width-hostWidth+1, hostWidth-1, " server", " "+sv.Addr)
	centers := s.boxCenters()
	for _, b := range s.header.Topology.Boxes {
		kind := b.Kind
		if b.ALG {
			kind += "+ALG"
		}
		w := max(len(b.Name), len(kind)) + 2
		drawBox(centers[b.Name]-w/2, w, b.Name, kind)
	}
	for _, r := range top {
		out = append(out, s.styles.frame.Render(string(r)))
	}
	if c.Public != "" || sv.Public != "" {
		line := []rune(strings.Repeat(" ", s.width))
		copy(line, []rune(fmt.Sprintf(" seen as %s", orDash(c.Public))))
		if sv.Public != "" {
			t := []rune(fmt.Sprintf("seen as %s ", sv.Public))
			copy(line[s.width-len(t):], t)
		}
		out = append(out, s.styles.dim.Render(string(line)))
	}
	return out
}

// connRows are the connection lines, padded so that head and rows together
// fill the stage: the control connection(s) and the newest data ones.
func (s stage) connRows(headLen int) []string {
	centers := s.boxCenters()
	var out []string
	for _, cs := range s.visible() {
		out = append(out, s.connRow(cs, centers))
	}
	for headLen+len(out) < 4+s.rows {
		out = append(out, strings.Repeat(" ", s.width))
	}
	return out
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// visible picks the rows that fit: control first, then the newest data.
func (s stage) visible() []*connState {
	var ctrl, data []*connState
	for _, c := range s.st.conns {
		if c.channel == trace.Control {
			ctrl = append(ctrl, c)
		} else {
			data = append(data, c)
		}
	}
	room := s.rows - len(ctrl)
	if room < 0 {
		room = 0
	}
	if len(data) > room {
		data = data[len(data)-room:]
	}
	return append(ctrl, data...)
}

func port(addr string) string {
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		return addr[i:]
	}
	return addr
}

// connRow draws one connection between the hosts.
func (s stage) connRow(c *connState, centers map[string]int) string {
	line := []rune(strings.Repeat(" ", s.width))
	clientEnd, serverEnd := c.from, c.to
	if c.dialer == "server" {
		clientEnd, serverEnd = c.to, c.from
	}
	left := []rune(fmt.Sprintf(" %-6s", port(clientEnd)))
	copy(line, left)
	right := []rune(fmt.Sprintf("%7s ", port(serverEnd)))
	copy(line[s.width-len(right):], right)
	x0, x1 := 8, s.width-len(right)-1 // the wire
	fill := '─'
	style := s.styles.dialing
	switch c.status {
	case "connected":
		fill, style = '═', s.styles.ok
	case "closed":
		fill, style = '┄', s.styles.dim
	case "dropped", "refused", "reset":
		style = s.styles.bad
	}
	// The wire spans the whole way, or stops at the box that blocked it.
	a, b := x0, x1
	blocked := c.status == "dropped" || c.status == "refused" || (c.status == "dialing" && c.box != "")
	if bx, ok := centers[c.box]; ok && blocked {
		if c.dialer == "client" {
			b = bx
		} else {
			a = bx
		}
	}
	for x := a; x <= b; x++ {
		line[x] = fill
	}
	// The arrow points away from the dialer.
	if c.dialer == "client" {
		line[b] = '►'
	} else {
		line[a] = '◄'
	}
	// Labels from the fullest to the shortest: the first that fits its room
	// is drawn (at 80 columns a verdict beside a box has about 30).
	labels := []string{fmt.Sprintf(" %s #%d ", c.channel, c.id)}
	if c.channel == trace.Data && c.bytes > 0 {
		labels = []string{fmt.Sprintf(" %s #%d  %d bytes ", c.channel, c.id, c.bytes), fmt.Sprintf(" #%d %d B ", c.id, c.bytes)}
	}
	rule, _, _ := strings.Cut(c.rule, ":") // "rule 3" of "rule 3: drop in"
	switch c.status {
	case "dropped":
		labels = []string{fmt.Sprintf(" ✗ DROP %s: %s ", c.box, c.rule), fmt.Sprintf(" ✗ DROP %s (%s) ", c.box, rule), fmt.Sprintf(" ✗ DROP %s ", c.box), " ✗ DROP "}
		if c.box == "" {
			labels = []string{" ✗ no answer "}
		}
	case "refused":
		labels = []string{" ⊘ REFUSED "}
		if c.box != "" {
			labels = []string{fmt.Sprintf(" ⊘ REJECT %s: %s ", c.box, c.rule), fmt.Sprintf(" ⊘ REJECT %s (%s) ", c.box, rule), fmt.Sprintf(" ⊘ REJECT %s ", c.box), " ⊘ REJECT "}
		}
	case "dialing":
		if c.box != "" {
			labels = []string{fmt.Sprintf(" ✗ %s drops SYN (try %d) ", c.box, c.attempt+1), fmt.Sprintf(" ✗ SYN dropped (try %d) ", c.attempt+1), fmt.Sprintf(" ✗ try %d ", c.attempt+1)}
		} else {
			labels = []string{fmt.Sprintf(" SYN %s #%d ", c.channel, c.id)}
		}
	case "closed":
		labels = []string{fmt.Sprintf(" %s #%d closed ", c.channel, c.id)}
	case "reset":
		labels = []string{" ✗ RST: connection reset ", " ✗ RST "}
	}
	if bx, ok := centers[c.box]; ok && blocked {
		line[bx] = '✗'
	}
	fitting := func(room int) []rune {
		for _, l := range labels {
			if len([]rune(strings.TrimRight(l, " "))) <= room { // the padding may go
				return clip([]rune(l), room)
			}
		}
		return clip([]rune(labels[len(labels)-1]), room)
	}
	var lr []rune
	var at int
	if bx, ok := centers[c.box]; ok && blocked {
		// Write the verdict where the SYN never got to, next to the box.
		if c.dialer == "client" {
			lr = fitting(x1 - bx - 2)
			at = bx + 2
		} else {
			lr = fitting(bx - x0 - 2)
			at = bx - 1 - len(lr)
		}
	} else {
		lr = fitting(x1 - x0 - 2)
		at = x0 + (x1-x0-len(lr))/2
	}
	copy(line[at:], lr)

	// The packet in flight for the current step.
	if s.cur.Conn == c.id {
		if from, to, ok := s.flight(c, centers, x0+1, x1-1); ok {
			if pos := from + int(float64(to-from)*s.frac); pos >= 0 && pos < s.width {
				line[pos] = '●'
			}
		}
	}
	return style.Render(string(line))
}

// flight is where the current event's packet travels on c's row, from
// one column to another. A SYN goes as far as the first box on its way,
// whose verdict (or translation) is the next event; each box that lets it
// pass sends it on to the next box or to the far host. So a dropped SYN is
// never drawn reaching a host it never reached. Data and control segments
// cross the whole wire.
func (s stage) flight(c *connState, centers map[string]int, a, b int) (from, to int, ok bool) {
	forward := c.dialer != "server"  // the dialer's SYN travels left to right
	boxes := s.header.Topology.Boxes // left to right, as boxCenters places them
	// next is the first box beyond x in the SYN's direction, or the far end.
	next := func(x int) int {
		if forward {
			for _, bx := range boxes {
				if cx := centers[bx.Name]; cx > x+1 {
					return cx - 1
				}
			}
			return b
		}
		for k := len(boxes) - 1; k >= 0; k-- {
			if cx := centers[boxes[k].Name]; cx < x-1 {
				return cx + 1
			}
		}
		return a
	}
	start := a
	if !forward {
		start = b
	}
	switch e := s.cur; e.Kind {
	case trace.Segment:
		if e.Host == "server" {
			return b, a, true
		}
		return a, b, true
	case trace.SYN, trace.Retransmit:
		if bx, known := centers[c.box]; known && c.box != "" {
			// A box already dropped it once: the retry dies there too.
			if forward {
				return start, bx - 1, true
			}
			return start, bx + 1, true
		}
		return start, next(start), true
	case trace.Verdict, trace.NAT:
		bx, known := centers[e.Box]
		if !known || c.status != "dialing" || (e.Kind == trace.Verdict && e.Verdict != "accept") {
			return 0, 0, false // a blocked SYN rests at its box, drawn as ✗
		}
		return bx, next(bx), true
	}
	return 0, 0, false
}

func clip(r []rune, n int) []rune {
	if n < 0 {
		n = 0
	}
	if len(r) > n {
		return r[:n]
	}
	return r
}
