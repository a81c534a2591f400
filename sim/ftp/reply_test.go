package ftp

import (
	"bufio"
	"errors"
	"strings"
	"testing"
)

func TestReadReply(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		code  int
		lines int
		text  string
		err   error
	}{
		{"single", "220 ready\r\n", 220, 1, "ready", nil},
		{"bare LF", "200 ok\n", 200, 1, "ok", nil},
		{"code only", "200\r\n", 200, 1, "", nil},
		{"multi", "211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n", 211, 4, "End", nil},
		{"multi with inner code-like line", "214-Help\r\n214-more\r\n 214 x\r\n214 done\r\n", 214, 4, "done", nil},
		{"not a code", "hello\r\n", 0, 0, "", ErrReplySyntax},
		{"code out of range", "999 what\r\n", 0, 0, "", ErrReplySyntax},
		{"bad separator", "220x\r\n", 0, 0, "", ErrReplySyntax},
		{"huge line", "220 " + strings.Repeat("a", 20000) + "\r\n", 0, 0, "", ErrReplySyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var seen []string
			rep, err := ReadReply(bufio.NewReaderSize(strings.NewReader(tt.in), 64), func(l string) { seen = append(seen, l) })
			if !errors.Is(err, tt.err) {
				t.Fatalf("err = %v, want %v", err, tt.err)
			}
			if err != nil {
				return
			}
			if rep.Code != tt.code || len(rep.Lines) != tt.lines || rep.Text() != tt.text {
				t.Errorf("got code %d, %d lines, text %q; want %d, %d, %q", rep.Code, len(rep.Lines), rep.Text(), tt.code, tt.lines, tt.text)
			}
			if len(seen) != len(rep.Lines) {
				t.Errorf("callback saw %d lines, reply has %d", len(seen), len(rep.Lines))
			}
		})
	}
}

func TestReadReplyTruncated(t *testing.T) {
	_, err := ReadReply(bufio.NewReader(strings.NewReader("211-Features:\r\n EPSV\r\n")), nil)
	if err == nil {
		t.Fatal("a multi-line reply cut short must be an error")
	}
}
