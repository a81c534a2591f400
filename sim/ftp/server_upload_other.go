//go:build !unix

package ftp

import (
	"io/fs"
	"os"
)

// keepModeAndOwner gives a replacement the mode of the file it replaces.
func keepModeAndOwner(f *os.File, old fs.FileInfo) { f.Chmod(old.Mode().Perm()) }
