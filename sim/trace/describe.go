package trace

import (
	"fmt"
	"strings"
)

// Seconds formats a virtual time as the transcript shows it ("61.000 s").
func Seconds(tus int64) string { return fmt.Sprintf("%.3f s", float64(tus)/1e6) }

// Describe is one event in one line of plain words, the same everywhere
// (transcript, exports, the player's default narration).
func Describe(e Event) string {
	conn := ""
	if e.Conn > 0 {
		conn = fmt.Sprintf(" [%s #%d]", e.Channel, e.Conn)
	}
	switch e.Kind {
	case Listen:
		return fmt.Sprintf("%s listens on %s", e.Host, e.From)
	case SYN:
		return fmt.Sprintf("%s dials %s -> %s (SYN)%s", e.Host, e.From, e.To, conn)
	case Retransmit:
		return fmt.Sprintf("%s sends SYN again (attempt %d) %s -> %s%s", e.Host, e.Attempt+1, e.From, e.To, conn)
	case Verdict:
		mark := "✓"
		if e.Verdict != "accept" {
			mark = "✗"
		}
		return fmt.Sprintf("%s %s %s the SYN (%s, state %s)%s", mark, e.Box, strings.ToUpper(e.Verdict), e.Rule, e.State, conn)
	case NAT:
		return fmt.Sprintf("%s translates %s -> %s%s", e.Box, e.Before, e.After, conn)
	case Expect:
		return fmt.Sprintf("%s (FTP helper) expects a data connection to %s%s", e.Box, e.To, conn)
	case Ignore:
		return fmt.Sprintf("%s (FTP helper) ignores it: %s%s", e.Box, e.Text, conn)
	case ExpectUsed:
		return fmt.Sprintf("%s (FTP helper) matches the expected connection to %s: RELATED%s", e.Box, e.To, conn)
	case Connected:
		return fmt.Sprintf("%s connected %s -> %s%s", e.Host, e.From, e.To, conn)
	case Timeout:
		return fmt.Sprintf("✗ %s gives up: %s%s", e.Host, e.Err, conn)
	case Refused:
		return fmt.Sprintf("✗ %s: %s%s", e.Host, e.Err, conn)
	case Segment:
		if e.Text != "" {
			return fmt.Sprintf("%s: %s", e.Host, e.Text)
		}
		if e.Channel == Control {
			return fmt.Sprintf("%s sends %d encrypted bytes%s", e.Host, e.Bytes, conn)
		}
		return fmt.Sprintf("%s sends %d bytes of data%s", e.Host, e.Bytes, conn)
	case Rewrite:
		return fmt.Sprintf("%s (FTP helper) rewrites %q -> %q%s", e.Box, e.Before, e.After, conn)
	case Blind:
		return fmt.Sprintf("%s (FTP helper) is blind: %s", e.Box, e.Text)
	case Close:
		return fmt.Sprintf("%s closes %s -> %s (FIN)%s", e.Host, e.From, e.To, conn)
	case Reset:
		return fmt.Sprintf("✗ connection reset: %s%s", e.Err, conn)
	case SYNACK:
		return fmt.Sprintf("%s answers %s -> %s (SYN-ACK)%s", e.Host, e.From, e.To, conn)
	case ACK:
		return fmt.Sprintf("%s acknowledges %s -> %s (ACK)%s", e.Host, e.From, e.To, conn)
	case FIN:
		return fmt.Sprintf("%s sends FIN %s -> %s%s", e.Host, e.From, e.To, conn)
	case RST:
		if e.Box != "" {
			return fmt.Sprintf("%s sends RST in %s's name %s -> %s%s", e.Box, e.Host, e.From, e.To, conn)
		}
		return fmt.Sprintf("%s sends RST %s -> %s%s", e.Host, e.From, e.To, conn)
	case Note:
		return fmt.Sprintf("note: %s", e.Text)
	case Result:
		return fmt.Sprintf("result: %s: %s", e.Verdict, e.Text)
	}
	return fmt.Sprintf("%s%s", e.Kind, conn)
}
