package netem

import "time"

// SYNSchedule is when a dialer sends an unanswered SYN again.
type SYNSchedule int

const (
	// SYNLinux is Linux since 6.5 (net.ipv4.tcp_syn_linear_timeouts=4):
	// the first retransmissions 1 s apart, then the wait doubles. Measured
	// on Linux 6.18: SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19 s.
	SYNLinux SYNSchedule = iota
	// SYNLinuxPre65 is Linux before 6.5: the wait doubles from 1 s
	// (retransmissions 1, 3, 7, 15, 31, 63 s after the first SYN).
	SYNLinuxPre65
)

// offsets are the retransmissions' times after the first SYN, up to the
// 127 s after which Linux gives up with tcp_syn_retries=6 (its give-up
// time stays that of the doubling schedule).
func (s SYNSchedule) offsets() []time.Duration {
	var secs []time.Duration
	switch s {
	case SYNLinuxPre65:
		secs = []time.Duration{1, 3, 7, 15, 31, 63}
	default:
		secs = []time.Duration{1, 2, 3, 4, 5, 7, 11, 19, 35, 67}
	}
	out := make([]time.Duration, len(secs))
	for i, s := range secs {
		out[i] = s * time.Second
	}
	return out
}
