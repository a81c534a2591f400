//go:build !unix

package ftp

import "testing"

// needFDs: no descriptor limit to raise here (see rlimit_unix_test.go).
func needFDs(t *testing.T, n uint64) {}
