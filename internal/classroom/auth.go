package classroom

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"net"
	"os"
	"strings"

	gossh "golang.org/x/crypto/ssh"
)

// passwordMatches compares in constant time. Both sides are hashed first
// so neither the length nor the first differing byte shows in the time;
// the user name takes no part, so no name answers faster than another.
func passwordMatches(got, want string) bool {
	g, w := sha256.Sum256([]byte(got)), sha256.Sum256([]byte(want))
	return subtle.ConstantTimeCompare(g[:], w[:]) == 1
}

// ReadAuthorizedKeys reads an OpenSSH authorized_keys file (options on a
// line are not supported and make it an error, rather than be ignored).
func ReadAuthorizedKeys(path string) ([]gossh.PublicKey, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var keys []gossh.PublicKey
	for n, line := range bytes.Split(b, []byte("\n")) {
		line = bytes.TrimSpace(line)
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		k, _, opts, _, err := gossh.ParseAuthorizedKey(line)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %v", path, n+1, err)
		}
		if len(opts) > 0 {
			return nil, fmt.Errorf("%s:%d: key options (%s) are not supported", path, n+1, strings.Join(opts, ","))
		}
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no key in it", path)
	}
	return keys, nil
}

func keyAllowed(k gossh.PublicKey, keys []gossh.PublicKey) bool {
	m := k.Marshal()
	ok := false
	for _, a := range keys {
		if subtle.ConstantTimeCompare(a.Marshal(), m) == 1 {
			ok = true
		}
	}
	return ok
}

// CheckOpen refuses to serve addr without authentication unless every
// address it listens on is a loopback one.
func CheckOpen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q: %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing to serve %s with no --password or --authorized-keys: anyone who reaches it could join as anyone; give one, or listen on 127.0.0.1", addr)
}
