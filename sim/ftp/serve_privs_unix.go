//go:build unix

package ftp

import (
	"fmt"
	"os/user"
	"strconv"
	"syscall"
)

// dropPrivileges becomes the user name (its groups, then its group, then
// its uid: the order that leaves no way back), as vsftpd does after
// binding. On Linux Go applies each to every thread of the process.
func dropPrivileges(name string) error {
	u, err := user.Lookup(name)
	if err != nil {
		return fmt.Errorf("--run-as %q: %w", name, err)
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil {
		return fmt.Errorf("--run-as %q: uid %q gid %q are not numbers", name, u.Uid, u.Gid)
	}
	if uid == 0 {
		return fmt.Errorf("--run-as %q: that is root", name)
	}
	var groups []int
	if ids, err := u.GroupIds(); err == nil {
		for _, g := range ids {
			if n, err := strconv.Atoi(g); err == nil {
				groups = append(groups, n)
			}
		}
	}
	if err := syscall.Setgroups(groups); err != nil {
		return fmt.Errorf("--run-as %q: setgroups: %w", name, err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("--run-as %q: setgid: %w", name, err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("--run-as %q: setuid: %w", name, err)
	}
	if syscall.Geteuid() != uid || syscall.Setuid(0) == nil {
		return fmt.Errorf("--run-as %q: privileges were not dropped", name)
	}
	return nil
}
