package classroom

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"charm.land/bubbles/v2/table"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
)

// Dashboard is the teacher's screen: one row per student (name, lesson,
// step N/M, score, idle time, address), refreshed every second; 1-6 sort
// by a column (again: the other way), x syncs the results file, q quits.
type Dashboard struct {
	class   *Class
	title   string
	results *Results
	table   table.Model
	sortBy  int
	desc    bool
	note    string
	now     func() time.Time
	w, h    int
	lessons []LessonInfo // what lead mode offers
	picking bool         // choosing a lesson to lead
	pick    int
}

type dashTick struct{}

var dashColumns = []string{"student", "lesson", "step", "score", "idle", "from"}

// NewDashboard makes the dashboard for class; title is its first line
// (the address and the fingerprint), results may be nil.
func NewDashboard(class *Class, title string, results *Results) *Dashboard {
	d := &Dashboard{class: class, title: title, results: results, now: time.Now, w: 80, h: 24}
	d.table = table.New(table.WithFocused(true))
	d.layout()
	d.refresh()
	return d
}

func (d *Dashboard) layout() {
	widths := []int{16, 24, 11, 7, 7, 15}
	if extra := d.w - 6*2 - 80; extra > 0 {
		widths[1] += extra
	}
	cols := make([]table.Column, len(dashColumns))
	for i, c := range dashColumns {
		t := c
		if i == d.sortBy {
			t += map[bool]string{false: " ▲", true: " ▼"}[d.desc]
		}
		cols[i] = table.Column{Title: t, Width: widths[i]}
	}
	d.table.SetColumns(cols)
	d.table.SetWidth(d.w)
	d.table.SetHeight(max(d.h-4, 3))
}

// Cells is a row as the dashboard prints it.
func (r Row) Cells(now time.Time) []string {
	lesson, step, score := r.Lesson, "", ""
	if lesson == "" {
		lesson = "(menu)"
	}
	if r.Progress.Steps > 0 {
		step = fmt.Sprintf("step %d/%d", r.Progress.Step, r.Progress.Steps)
		if r.Progress.Finished {
			step = "done"
		}
	}
	if r.Progress.Total > 0 {
		score = fmt.Sprintf("%d/%d", r.Progress.Score, r.Progress.Total)
	}
	idle := now.Sub(r.LastInput).Truncate(time.Second).String()
	if !r.Connected {
		idle = "left"
	}
	return []string{r.Student, lesson, step, score, idle, r.Addr}
}

// less orders rows by column k.
func less(a, b Row, k int, now time.Time) bool {
	switch k {
	case 2:
		return a.Progress.Step < b.Progress.Step
	case 3:
		return a.Progress.Score*max(b.Progress.Total, 1) < b.Progress.Score*max(a.Progress.Total, 1)
	case 4:
		return a.LastInput.After(b.LastInput)
	}
	return a.Cells(now)[k] < b.Cells(now)[k]
}

func (d *Dashboard) refresh() {
	now := d.now()
	rows := d.class.Rows()
	sort.SliceStable(rows, func(i, j int) bool {
		if d.desc {
			return less(rows[j], rows[i], d.sortBy, now)
		}
		return less(rows[i], rows[j], d.sortBy, now)
	})
	trs := make([]table.Row, len(rows))
	for i, r := range rows {
		trs[i] = r.Cells(now)
	}
	d.table.SetRows(trs)
}

func tick() tea.Cmd { return tea.Tick(time.Second, func(time.Time) tea.Msg { return dashTick{} }) }

// Init starts the refresh.
func (d *Dashboard) Init() tea.Cmd { return tick() }

// Update handles the refresh, the sort keys and quit.
func (d *Dashboard) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		d.w, d.h = msg.Width, msg.Height
		d.layout()
	case dashTick:
		d.refresh()
		return d, tick()
	case tea.KeyPressMsg:
		if d.leadKey(msg.String()) {
			d.refresh()
			return d, nil
		}
		switch k := msg.String(); k {
		case "q", "ctrl+c":
			return d, tea.Quit
		case "1", "2", "3", "4", "5", "6":
			n := int(k[0] - '1')
			d.desc = n == d.sortBy && !d.desc
			d.sortBy = n
			d.layout()
			d.refresh()
			return d, nil
		case "x":
			d.note = "results: nothing to write (no file)"
			if d.results != nil {
				d.note = "results synced to " + d.results.Path
				if err := d.results.Sync(); err != nil {
					d.note = "results: " + err.Error()
				}
			}
			return d, nil
		}
	}
	var cmd tea.Cmd
	d.table, cmd = d.table.Update(msg)
	return d, cmd
}

// View draws the title, the table and the keys.
func (d *Dashboard) View() tea.View {
	n := d.class.Connected()
	head := lipgloss.NewStyle().Bold(true).Render(d.title) + fmt.Sprintf("  ·  %d connected", n)
	foot := "1-6 sort by a column (again: reverse) · ↑/↓ move · l lead · x sync results · q stop the class"
	if d.note != "" {
		foot = d.note + "  ·  " + foot
	}
	parts := []string{head, d.table.View(), foot}
	if lv := d.leadView(); lv != "" {
		parts = []string{head, lv, d.table.View(), foot}
		if d.picking {
			parts = []string{head, lv, foot}
		}
	}
	v := tea.NewView(strings.Join(parts, "\n"))
	v.AltScreen = true
	v.WindowTitle = "ftplab classroom"
	return v
}

// Text is the dashboard's table as plain text (tests read it).
func (d *Dashboard) Text() string {
	d.refresh()
	var b strings.Builder
	for _, r := range d.table.Rows() {
		b.WriteString(strings.Join(r, " | ") + "\n")
	}
	return b.String()
}
