//go:build !linux

package ftp

import "io/fs"

// entryStat stats a listing's entries through os.Root (see the Linux
// version for why it differs there).
type entryStat struct{}

func newEntryStat(*dirLister) *entryStat { return &entryStat{} }

func (*entryStat) lstat(l *dirLister, name string) (fs.FileInfo, error) { return l.root.Lstat(name) }
