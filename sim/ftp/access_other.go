//go:build !unix

package ftp

import "io/fs"

// accessFor reads the owner bits, all there is to go by here.
func accessFor(fi fs.FileInfo) (r, w, x bool) {
	m := fi.Mode().Perm()
	return m&0o400 != 0, m&0o200 != 0, fi.IsDir() || m&0o100 != 0
}
