package ftp

import (
	"bytes"
	"testing"
)

func TestASCIIConversion(t *testing.T) {
	tests := []struct{ disk, wire string }{
		{"a\n", "a\r\n"},
		{"a\r\n", "a\r\n"}, // not "a\r\r\n"
		{"a\nb\nc", "a\r\nb\r\nc"},
		{"\n\n", "\r\n\r\n"},
		{"x\ry\n", "x\ry\r\n"}, // a lone CR is data
		{"", ""},
	}
	for _, tt := range tests {
		// RETR in every split of the input across Write calls.
		for cut := 0; cut <= len(tt.disk); cut++ {
			var b bytes.Buffer
			w := &toNetASCII{w: &b}
			w.Write([]byte(tt.disk[:cut]))
			w.Write([]byte(tt.disk[cut:]))
			if b.String() != tt.wire {
				t.Errorf("RETR %q (cut %d) = %q, want %q", tt.disk, cut, b.String(), tt.wire)
			}
		}
	}
	stor := []struct{ wire, disk string }{
		{"a\r\nb\r\n", "a\nb\n"},
		{"a\r\r\n", "a\r\n"}, // the first CR is data
		{"x\ry", "x\ry"},
		{"end\r", "end\r"},
		{"\r\n\r\n", "\n\n"},
		{"a\n", "a\n"}, // a bare LF from a sloppy client stays LF
	}
	for _, tt := range stor {
		for cut := 0; cut <= len(tt.wire); cut++ {
			var b bytes.Buffer
			w := &fromNetASCII{w: &b}
			w.Write([]byte(tt.wire[:cut]))
			w.Write([]byte(tt.wire[cut:]))
			w.Close()
			if b.String() != tt.disk {
				t.Errorf("STOR %q (cut %d) = %q, want %q", tt.wire, cut, b.String(), tt.disk)
			}
		}
	}
}
