package ftp

import (
	"io/fs"
	"time"

	"golang.org/x/sys/unix"
)

// A listing stats every entry of a directory it has open. os.Root's
// Lstat walks the name as a path and allocates a FileInfo each time; an
// entry's name is one component read from that very directory, so one
// fstatat(2) on the directory's descriptor does (no "/" in it to walk,
// no symlink followed), into one FileInfo the listing reuses: an emit
// uses an entry and lets go of it before the next (20 listings of a
// 20,000-file directory at once: a fifth of the server's time was
// os.Root's walk and the collector).

// entryInfo is the FileInfo of the entry a listing is on.
type entryInfo struct {
	name string
	st   unix.Stat_t
}

func (e *entryInfo) Name() string       { return e.name }
func (e *entryInfo) Size() int64        { return e.st.Size }
func (e *entryInfo) IsDir() bool        { return e.st.Mode&unix.S_IFMT == unix.S_IFDIR }
func (e *entryInfo) ModTime() time.Time { return time.Unix(e.st.Mtim.Unix()) }
func (e *entryInfo) Sys() any           { return &e.st }

// Mode converts the kernel's mode as os does for its FileInfo.
func (e *entryInfo) Mode() fs.FileMode {
	m := fs.FileMode(e.st.Mode & 0o777)
	switch e.st.Mode & unix.S_IFMT {
	case unix.S_IFBLK:
		m |= fs.ModeDevice
	case unix.S_IFCHR:
		m |= fs.ModeDevice | fs.ModeCharDevice
	case unix.S_IFDIR:
		m |= fs.ModeDir
	case unix.S_IFIFO:
		m |= fs.ModeNamedPipe
	case unix.S_IFLNK:
		m |= fs.ModeSymlink
	case unix.S_IFSOCK:
		m |= fs.ModeSocket
	}
	if e.st.Mode&unix.S_ISGID != 0 {
		m |= fs.ModeSetgid
	}
	if e.st.Mode&unix.S_ISUID != 0 {
		m |= fs.ModeSetuid
	}
	if e.st.Mode&unix.S_ISVTX != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// entryStat stats the entries of one open directory.
type entryStat struct {
	l    *dirLister
	fd   int // the directory's descriptor; -1: os.Root's Lstat
	info entryInfo
}

func newEntryStat(l *dirLister) *entryStat {
	s := &entryStat{l: l, fd: -1}
	if rc, err := l.dir.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { s.fd = int(fd) })
	}
	return s
}

// lstat is name's FileInfo, valid until the next call. name is a name
// the directory returned, so it holds no "/".
func (s *entryStat) lstat(name string) (fs.FileInfo, error) {
	if s.fd < 0 {
		return s.l.root.Lstat(name)
	}
	s.info.name = name
	for {
		err := unix.Fstatat(s.fd, name, &s.info.st, unix.AT_SYMLINK_NOFOLLOW)
		if err != unix.EINTR {
			if err != nil {
				return nil, &fs.PathError{Op: "lstat", Path: name, Err: err}
			}
			return &s.info, nil
		}
	}
}
