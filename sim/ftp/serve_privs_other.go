//go:build !unix

package ftp

import "errors"

func dropPrivileges(name string) error {
	return errors.New("--run-as works on Unix systems only")
}
