package ftp

import (
	"bufio"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// maxReplyLine bounds one reply line the client will read; a peer that sends
// more is broken or hostile.
const maxReplyLine = 8192

// maxReplyBytes bounds a whole multi-line reply (a long FEAT, HELP or STAT
// listing fits many times over); an endless "220-" greeting is an error,
// not a memory problem.
const maxReplyBytes = 1 << 20

// Reply is one FTP reply: a three-digit code and its lines (the last one
// carries the final "code text"; a single-line reply has one line).
type Reply struct {
	Code  int
	Lines []string // each line without CRLF, exactly as received
}

// Text is the reply's message: the last line after the code.
func (r Reply) Text() string {
	if len(r.Lines) == 0 {
		return ""
	}
	last := r.Lines[len(r.Lines)-1]
	if len(last) > 4 {
		return last[4:]
	}
	return ""
}

// String is the last line, as "227 Entering Passive Mode (...)".
func (r Reply) String() string {
	if len(r.Lines) == 0 {
		return strconv.Itoa(r.Code)
	}
	return r.Lines[len(r.Lines)-1]
}

// Positive reports a 1xx, 2xx or 3xx code.
func (r Reply) Positive() bool { return r.Code >= 100 && r.Code < 400 }

// ReplyError is a reply the client did not want for a command.
type ReplyError struct {
	Command string // the command verb that got it
	Reply   Reply
}

func (e *ReplyError) Error() string {
	return fmt.Sprintf("%s: server replied %s", e.Command, e.Reply)
}

// ErrReplySyntax marks a line that is not an FTP reply.
var ErrReplySyntax = errors.New("malformed FTP reply")

// ReadReply reads one reply, single- or multi-line (RFC 959 4.2: "123-" starts
// a multi-line reply that ends with a line starting "123 "). Each line is
// handed to line as it is read, so observers see them in order.
func ReadReply(r *bufio.Reader, line func(string)) (Reply, error) {
	first, err := readLine(r)
	if err != nil {
		return Reply{}, err
	}
	if line != nil {
		line(first)
	}
	code, multi, err := replyCode(first)
	if err != nil {
		return Reply{}, err
	}
	rep := Reply{Code: code, Lines: []string{first}}
	size := len(first)
	for multi {
		l, err := readLine(r)
		if err != nil {
			return Reply{}, err
		}
		if size += len(l) + 2; size > maxReplyBytes {
			return Reply{}, fmt.Errorf("%w: multi-line %d reply longer than %d bytes", ErrReplySyntax, code, maxReplyBytes)
		}
		if line != nil {
			line(l)
		}
		rep.Lines = append(rep.Lines, l)
		if c, m, err := replyCode(l); err == nil && c == code && !m {
			multi = false
		}
	}
	return rep, nil
}

func replyCode(l string) (code int, multi bool, err error) {
	code, multi, ok := ParseReplyLine(l)
	if !ok {
		return 0, false, fmt.Errorf("%w: %q", ErrReplySyntax, l)
	}
	return code, multi, nil
}

// ParseReplyLine reads one line of a reply (RFC 959 4.2): its code, and
// whether it is an "nnn-" line after which a multi-line reply goes on. ok
// is false for a line that is not a reply line: fewer than three digits,
// a code outside 100-599, or something other than a space or '-' after
// the code. The one reader of reply lines: the client, the summary, the
// lessons' hooks and the capture importer all ask it.
func ParseReplyLine(l string) (code int, multi bool, ok bool) {
	if len(l) < 3 || !isDigit(l[0]) || !isDigit(l[1]) || !isDigit(l[2]) {
		return 0, false, false
	}
	code = int(l[0]-'0')*100 + int(l[1]-'0')*10 + int(l[2]-'0')
	if code < 100 || code > 599 {
		return 0, false, false
	}
	if len(l) > 3 {
		switch l[3] {
		case '-':
			return code, true, true
		case ' ':
		default:
			return 0, false, false
		}
	}
	return code, false, true
}

func isDigit(b byte) bool { return b >= '0' && b <= '9' }

// readLine reads a CRLF- (or LF-) terminated line of at most maxReplyLine bytes.
func readLine(r *bufio.Reader) (string, error) {
	var b strings.Builder
	for {
		frag, err := r.ReadSlice('\n')
		if b.Len()+len(frag) > maxReplyLine {
			return "", fmt.Errorf("%w: line longer than %d bytes", ErrReplySyntax, maxReplyLine)
		}
		b.Write(frag)
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", err
		}
		return strings.TrimRight(b.String(), "\r\n"), nil
	}
}
