package kernel

import "errors"

// ErrNoNamespaces says this machine cannot run the comparison at all (not
// Linux, not root, or no network namespaces); ErrUnavailable that a
// program it needs is missing. The message says which.
var (
	ErrNoNamespaces = errors.New("kernel comparison impossible here")
	ErrUnavailable  = errors.New("kernel comparison unavailable")
)
