//go:build !linux

package ftp

import "io/fs"

// entryStat stats a listing's entries through os.Root (see the Linux
// version for why it differs there).
type entryStat struct{ l *dirLister }

func newEntryStat(l *dirLister) *entryStat { return &entryStat{l: l} }

func (s *entryStat) lstat(name string) (fs.FileInfo, error) { return s.l.root.Lstat(name) }
