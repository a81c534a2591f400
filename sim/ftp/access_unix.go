//go:build unix

package ftp

import (
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// accessFor reports whether this process may read, write and search (or
// execute) the entry, from its mode bits and owner the way the kernel
// decides: root may read and write anything, and search where any x bit
// is set; others get the owner, group or other bits that apply.
func accessFor(fi fs.FileInfo) (r, w, x bool) {
	m := fi.Mode().Perm()
	var owner, group uint32
	switch st := fi.Sys().(type) {
	case *syscall.Stat_t: // os's FileInfo
		owner, group = st.Uid, st.Gid
	case *unix.Stat_t: // a listing's (entryInfo)
		owner, group = st.Uid, st.Gid
	default:
		return m&0o400 != 0, m&0o200 != 0, m&0o100 != 0
	}
	uid := os.Geteuid()
	switch {
	case uid == 0:
		return true, true, fi.IsDir() || m&0o111 != 0
	case uint32(uid) == owner:
		m >>= 6
	case inGroup(group):
		m >>= 3
	}
	return m&4 != 0, m&2 != 0, m&1 != 0
}

func inGroup(gid uint32) bool {
	if uint32(os.Getegid()) == gid {
		return true
	}
	groups, _ := os.Getgroups()
	for _, g := range groups {
		if uint32(g) == gid {
			return true
		}
	}
	return false
}
