//go:build linux

package kernel

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"ftplab/sim"
	"ftplab/sim/trace"
)

// Result is one row on both sides.
type Result struct {
	Row    Row
	Kernel Outcome
	Netem  Outcome
	Diffs  []string // what differs; empty when they agree
}

// netemOutcome plays the row on netem.
func netemOutcome(ctx context.Context, r Row) (Outcome, error) {
	s, err := sim.Run(ctx, r.Scenario(), sim.Options{})
	if err != nil {
		return Outcome{}, err
	}
	o := Outcome{OK: s.Summary.OK, Dialer: "-", Dial: "-", Detail: s.Summary.Reason}
	if d := s.Summary.DataDials; len(d) > 0 {
		o.Dialer, o.Dial = d[0].Dialer, d[0].Result
		if o.Dial == "rejected" {
			o.Dial = "refused" // a reset either way; the kernel cannot tell who sent it
		}
		if r.ConnectTimeout > 0 {
			o.SYNs = dataSYNs(s.Events)
		}
	}
	for _, rep := range s.Summary.Replies {
		if rep.Code != 221 {
			o.Reply = rep.Code
		}
	}
	return o, nil
}

// dataSYNs counts the SYNs of the first data connection: the first and
// its retransmissions.
func dataSYNs(evs []trace.Event) int {
	n, conn := 0, 0
	for _, e := range evs {
		if e.Channel != trace.Data || (e.Kind != trace.SYN && e.Kind != trace.Retransmit) {
			continue
		}
		if conn == 0 {
			conn = e.Conn
		}
		if e.Conn == conn {
			n++
		}
	}
	return n
}

func diffs(k, n Outcome) []string {
	var d []string
	if k.OK != n.OK {
		d = append(d, "ok")
	}
	if k.Dialer != n.Dialer {
		d = append(d, "dialer")
	}
	if k.Dial != n.Dial {
		d = append(d, "dial")
	}
	if k.Reply != n.Reply {
		d = append(d, "reply")
	}
	if k.SYNs != n.SYNs {
		d = append(d, "syns")
	}
	return d
}

// Compare plays every row on the kernel and, unless kernelOnly, on
// netem, one row after the other. helper is Check's verdict on the
// kernel's FTP helper: when it is unavailable the helper rows skip.
func Compare(ctx context.Context, rows []Row, helper error, kernelOnly bool) ([]Result, error) {
	defer Sweep()
	work, err := workdir(ctx)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(work)
	var out []Result
	for i, r := range rows {
		res := Result{Row: r}
		if (r.ALG || len(r.ALGAt) > 0) && helper != nil {
			res.Kernel.Skipped = helper.Error()
			out = append(out, res)
			continue
		}
		if res.Kernel, err = runKernel(ctx, work, i, r); err != nil {
			return out, fmt.Errorf("row %q: %w", r, err)
		}
		if !kernelOnly {
			if res.Netem, err = netemOutcome(ctx, r); err != nil {
				return out, fmt.Errorf("row %q on netem: %w", r, err)
			}
			res.Diffs = diffs(res.Kernel, res.Netem)
		}
		out = append(out, res)
	}
	return out, nil
}

// Verify runs the whole comparison and prints the table (ftplab
// verify-kernel). It fails when a row disagrees or cannot run.
func Verify(ctx context.Context, w io.Writer) error {
	start := time.Now()
	helper, err := Check(ctx)
	if err != nil {
		return err
	}
	if helper != nil {
		fmt.Fprintf(w, "helper rows skipped: %v\n", helper)
	}
	results, err := Compare(ctx, Rows, helper, false)
	if err != nil {
		return err
	}
	bad := WriteTable(w, results, false)
	fmt.Fprintf(w, "%d rows, %d disagree, %.1f s\n", len(results), bad, time.Since(start).Seconds())
	if bad > 0 {
		return fmt.Errorf("%d of %d rows disagree", bad, len(results))
	}
	return nil
}

// WriteTable prints the results and returns how many disagree. Each side
// shows: ok/failed, who dialed the data connection, what became of that
// dial, the final control reply.
func WriteTable(w io.Writer, results []Result, kernelOnly bool) int {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	if kernelOnly {
		fmt.Fprintln(tw, "scenario\tkernel: result dialer dial reply syns\tcurl")
	} else {
		fmt.Fprintln(tw, "scenario\tkernel: result dialer dial reply syns\tnetem: result dialer dial reply syns\tagree")
	}
	bad := 0
	for _, r := range results {
		switch {
		case r.Kernel.Skipped != "":
			fmt.Fprintf(tw, "%s\tskipped: %s\t\t\n", r.Row, r.Kernel.Skipped)
		case kernelOnly:
			fmt.Fprintf(tw, "%s\t%s\t%s\n", r.Row, r.Kernel, r.Kernel.Detail)
		default:
			mark := "yes"
			if len(r.Diffs) > 0 {
				bad++
				mark = "NO: " + strings.Join(r.Diffs, ", ")
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Row, r.Kernel, r.Netem, mark)
		}
	}
	tw.Flush()
	for _, r := range results {
		if len(r.Diffs) > 0 {
			fmt.Fprintf(w, "  %s: the client said %q; netem said %q\n", r.Row, r.Kernel.Detail, r.Netem.Detail)
		}
	}
	return bad
}
