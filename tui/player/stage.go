package player

import (
	"fmt"
	"strings"

	"ftplab/sim/trace"
	"ftplab/tui/theme"
)

const hostWidth = 17 // a host box: "198.51.100.21" and a border, with room

// stage draws the hosts, the boxes between them and one line per
// connection, with the packet of the current step in flight.
type stage struct {
	width  int
	header trace.Header
	conns  []*trace.Conn // the fold's connections at this step
	socks  *sockets      // listening sockets, expectations, announced sizes
	cur    trace.Event   // the event being shown
	frac   float64       // how far its packet has travelled, 0..1
	styles theme.Styles
	rows   int                 // connection rows available
	tall   bool                // a projector with room: boxes one line taller, saying what each is
	name   func(id int) string // a connection's name: "control", "data 1"
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
	height := 4
	if s.tall {
		height = 5
	}
	top := make([][]rune, height)
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
		put(height-1, x, "└"+strings.Repeat("─", w-2)+"┘")
	}
	c, sv := s.host("client"), s.host("server")
	cl, sl := []string{" client", " " + c.Addr}, []string{" server", " " + sv.Addr}
	if s.tall {
		cl, sl = append(cl, " FTP client"), append(sl, " FTP server")
	}
	drawBox(0, hostWidth-1, cl...)
	drawBox(s.width-hostWidth+1, hostWidth-1, sl...)
	centers := s.boxCenters()
	for _, b := range s.header.Topology.Boxes {
		kind := b.Kind
		if b.ALG {
			kind += "+ALG"
		}
		w := max(len(b.Name), len(kind)) + 2
		lines := []string{b.Name, kind}
		if s.tall {
			lines = append(lines, "for "+b.Side)
		}
		drawBox(centers[b.Name]-w/2, w, lines...)
	}
	for _, r := range top {
		out = append(out, s.styles.Frame.Render(string(r)))
	}
	// Under the boxes: what each host is seen as behind its NAT, the data
	// sockets it listens on, and the expectations each helper holds.
	left, right := sideNote(c.Public, s.socks.on("client", s.controlPort())), sideNote(sv.Public, s.socks.on("server", s.controlPort()))
	var badges []string
	for _, b := range s.header.Topology.Boxes {
		if ex := s.socks.expects[b.Name]; len(ex) > 0 {
			badges = append(badges, b.Name)
		}
	}
	if left != "" || right != "" || len(badges) > 0 {
		line := []rune(strings.Repeat(" ", s.width))
		if c.Public != "" || left != "" {
			copy(line, []rune(" "+orDash(left)))
		}
		if right != "" {
			t := []rune(right + " ")
			copy(line[max(0, s.width-len(t)):], t)
		}
		// A helper's badge goes under its box where the line is free.
		for _, name := range badges {
			ex := s.socks.expects[name]
			badge := []rune("⌛" + safe(port(ex[len(ex)-1])))
			x := centers[name] - len(badge)/2
			if x > 0 && x+len(badge)+1 < s.width && strings.TrimSpace(string(line[x-1:x+len(badge)+1])) == "" {
				copy(line[x:], badge)
			}
		}
		out = append(out, s.styles.Dim.Render(string(line)))
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
func (s stage) visible() []*trace.Conn {
	var ctrl, data []*trace.Conn
	for _, c := range s.conns {
		if c.Channel == trace.Control {
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
func (s stage) connRow(c *trace.Conn, centers map[string]int) string {
	line := []rune(strings.Repeat(" ", s.width))
	box, _, hasBox := c.Blocked()
	clientEnd, serverEnd := c.From, c.To
	if c.Dialer == "server" {
		clientEnd, serverEnd = c.To, c.From
	}
	left := []rune(fmt.Sprintf(" %-6s", safe(port(clientEnd))))
	copy(line, left)
	right := []rune(fmt.Sprintf("%7s ", safe(port(serverEnd))))
	copy(line[s.width-len(right):], right)
	x0, x1 := 8, s.width-len(right)-1 // the wire
	fill := '─'
	style := s.styles.Dialing
	switch c.Status {
	case trace.StatusConnected:
		fill, style = '═', s.styles.OK
	case trace.StatusClosed:
		fill, style = '┄', s.styles.Dim
	case trace.StatusDropped, trace.StatusRejected, trace.StatusRefused, trace.StatusReset:
		style = s.styles.Bad
	}
	// The wire spans the whole way, or stops at the box that blocked it.
	a, b := x0, x1
	blocked := c.Status.Failed() || (c.Status == trace.StatusDialing && hasBox)
	lost := c.Status == trace.StatusDropped && !hasBox
	if bx, ok := centers[box]; ok && blocked {
		if c.Dialer == "client" {
			b = bx
		} else {
			a = bx
		}
	} else if lost {
		// Lost in the network (an address nobody has): it never got near
		// the far host.
		if c.Dialer == "client" {
			b = x0 + (x1-x0)/2
		} else {
			a = x0 + (x1-x0)/2
		}
	}
	for x := a; x <= b; x++ {
		line[x] = fill
	}
	// The arrow points away from the dialer.
	if c.Dialer == "client" {
		line[b] = '►'
	} else {
		line[a] = '◄'
	}
	// Labels from the fullest to the shortest: the first that fits its room
	// is drawn (at 80 columns a verdict beside a box has about 30).
	name := fmt.Sprintf("%s #%d", c.Channel, c.ID)
	if s.name != nil {
		name = s.name(c.ID)
	}
	labels := connLabels(c, name, s.socks.totals[c.ID])
	for k := range labels {
		labels[k] = safe(labels[k]) // box names and rules come from the session
	}
	if bx, ok := centers[box]; ok && blocked {
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
	if bx, ok := centers[box]; ok && blocked {
		// Write the verdict where the SYN never got to, next to the box.
		if c.Dialer == "client" {
			lr = fitting(x1 - bx - 2)
			at = bx + 2
		} else {
			lr = fitting(bx - x0 - 2)
			at = bx - 1 - len(lr)
		}
	} else if lost {
		// Beyond the point where the SYN was lost.
		if c.Dialer == "client" {
			lr = fitting(x1 - b - 2)
			at = b + 2
		} else {
			lr = fitting(a - x0 - 2)
			at = a - 1 - len(lr)
		}
	} else {
		lr = fitting(x1 - x0 - 2)
		at = x0 + (x1-x0-len(lr))/2
	}
	copy(line[at:], lr)

	// The packet in flight for the current step.
	if s.cur.Conn == c.ID {
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
func (s stage) flight(c *trace.Conn, centers map[string]int, a, b int) (from, to int, ok bool) {
	forward := c.Dialer != "server"  // the dialer's SYN travels left to right
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
		box, _, blocked := c.Blocked()
		if bx, known := centers[box]; known && blocked {
			// A box already dropped it once: the retry dies there too.
			if forward {
				return start, bx - 1, true
			}
			return start, bx + 1, true
		}
		return start, next(start), true
	case trace.Verdict, trace.NAT:
		bx, known := centers[e.Box]
		if !known || c.Status != trace.StatusDialing || (e.Kind == trace.Verdict && e.Verdict != "accept") {
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

// connLabels are a connection's possible labels, fullest first: what it
// carries, or what became of its SYN and which box and rule decided.
func connLabels(c *trace.Conn, name string, total int64) []string {
	box, fullRule, hasBox := c.Blocked()
	labels := []string{fmt.Sprintf(" %s ", name)}
	if c.Channel == trace.Data && c.Bytes > 0 {
		labels = dataLabels(c, name, total)
	}
	rule, _, _ := strings.Cut(fullRule, ":") // "rule 3" of "rule 3: drop in"
	switch c.Status {
	case trace.StatusDropped:
		labels = []string{fmt.Sprintf(" ✗ DROP %s: %s ", box, fullRule), fmt.Sprintf(" ✗ DROP %s (%s) ", box, rule), fmt.Sprintf(" ✗ DROP %s ", box), " ✗ DROP "}
		if !hasBox {
			labels = []string{" ✗ no answer "}
			if c.Rule != "" {
				labels = []string{" ✗ " + c.Rule + ": no answer ", " ✗ " + c.Rule + " ", " ✗ no answer "}
			}
		}
	case trace.StatusRefused:
		labels = []string{" ⊘ REFUSED "}
	case trace.StatusRejected:
		labels = []string{fmt.Sprintf(" ⊘ REJECT %s: %s ", box, fullRule), fmt.Sprintf(" ⊘ REJECT %s (%s) ", box, rule), fmt.Sprintf(" ⊘ REJECT %s ", box), " ⊘ REJECT "}
	case trace.StatusDialing:
		if hasBox {
			labels = []string{fmt.Sprintf(" ✗ %s drops SYN (try %d) ", box, c.Attempts+1), fmt.Sprintf(" ✗ SYN dropped (try %d) ", c.Attempts+1), fmt.Sprintf(" ✗ try %d ", c.Attempts+1)}
		} else {
			labels = []string{fmt.Sprintf(" SYN %s ", name)}
		}
	case trace.StatusClosed:
		labels = []string{fmt.Sprintf(" %s closed ", name)}
		if c.Channel == trace.Data && c.Bytes > 0 {
			labels = append([]string{fmt.Sprintf(" %s closed · %s ", name, sizeOf(c.Bytes, total))}, labels...)
		}
	case trace.StatusReset:
		labels = []string{" ✗ RST: connection reset ", " ✗ RST "}
	}
	return labels
}

// sideNote is what stands under a host: "seen as 203.0.113.5" and its
// listening sockets.
func sideNote(public, listening string) string {
	var parts []string
	if public != "" {
		parts = append(parts, "seen as "+public)
	}
	if listening != "" {
		parts = append(parts, listening)
	}
	return strings.Join(parts, " · ")
}

// controlPort is the server's control port, ":21" unless the control
// connection says otherwise.
func (s stage) controlPort() string {
	for _, c := range s.conns {
		if c.Channel == trace.Control {
			if c.Dialer == "server" {
				return port(c.From)
			}
			return port(c.To)
		}
	}
	return ":21"
}

// dataLabels show a transfer's progress: a bar and percent when the 150
// reply announced the size, the bytes and the rate in virtual time. The
// row is drawn rune by rune in one style, so the bar is runes too.
func dataLabels(c *trace.Conn, name string, total int64) []string {
	rate := ""
	if r := c.Rate(); r > 0 {
		rate = " " + humanBytes(int64(r)) + "/s"
	}
	num := strings.TrimPrefix(name, "data ") // "1" of "data 1"
	short := fmt.Sprintf(" #%s %d B ", num, c.Bytes)
	if total <= 0 {
		return []string{fmt.Sprintf(" %s  %d bytes%s ", name, c.Bytes, rate), fmt.Sprintf(" %s  %d bytes ", name, c.Bytes), short}
	}
	pct := min(100, int(c.Bytes*100/total))
	bar := func(n int) string {
		full := n * pct / 100
		return strings.Repeat("█", full) + strings.Repeat("░", n-full)
	}
	return []string{
		fmt.Sprintf(" %s %s %d%% %s%s ", name, bar(16), pct, sizeOf(c.Bytes, total), rate),
		fmt.Sprintf(" %s %s %d%% %s ", name, bar(10), pct, sizeOf(c.Bytes, total)),
		fmt.Sprintf(" #%s %s %d%% ", num, bar(8), pct),
		fmt.Sprintf(" #%s %d%% ", num, pct),
	}
}

// sizeOf is "2.5 of 4.0 KiB", or "4134 bytes" when the total is unknown.
func sizeOf(n, total int64) string {
	if total <= 0 {
		return fmt.Sprintf("%d bytes", n)
	}
	return humanBytes(n) + " of " + humanBytes(total)
}

// humanBytes is 4134 -> "4.0 KiB".
func humanBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
