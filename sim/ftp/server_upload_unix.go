//go:build unix

package ftp

import (
	"io/fs"
	"os"
	"syscall"
)

// keepModeAndOwner gives a replacement the mode and owner of the file it
// replaces (a rename would otherwise reset both). Changing the owner
// needs root, or the same owner; without, the new file stays ours.
func keepModeAndOwner(f *os.File, old fs.FileInfo) {
	f.Chmod(old.Mode().Perm())
	if st, ok := old.Sys().(*syscall.Stat_t); ok {
		f.Chown(int(st.Uid), int(st.Gid))
	}
}
