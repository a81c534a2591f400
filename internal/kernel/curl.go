//go:build linux

package kernel

import (
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"

	"ftplab/sim/ftp"
)

// curlArgs makes curl behave as ftplab's client does in each mode, with
// bounded waits (a dropped dial would otherwise hang). curl counts the
// login in its connect timeout: 8 s leaves a loaded machine time to reach
// the data connection.
func curlArgs(r Row, a addresses) []string {
	args := []string{"-sS", "-v", "--connect-timeout", "8", "--max-time", "14", "-o", "/dev/null"}
	switch r.Mode {
	case ftp.ModePassive:
		args = append(args, "--disable-epsv")
		if r.Client != "curl" {
			args = append(args, "--no-ftp-skip-pasv-ip") // classic: dial the 227 address
		}
	case ftp.ModeEPSV:
		// curl's default: EPSV.
	case ftp.ModeActive:
		args = append(args, "--ftp-port", a.client, "--disable-eprt")
	case ftp.ModeEPRT:
		args = append(args, "--ftp-port", a.client)
	}
	if r.TLS {
		args = append(args, "--ssl-reqd", "-k")
	}
	return append(args, fmt.Sprintf("ftp://%s/hello.txt", net.JoinHostPort(a.dialTarget, strconv.Itoa(r.Scenario().Port()))))
}

// replyRE finds a reply in curl's ("< 227 "), lftp's ("<--- 227 ") and
// ftplib's ("*resp* '227 ") debug output.
var replyRE = regexp.MustCompile(`(?m)^(?:< |<--- |\*resp\* ')(\d{3}) `)

// finalReply is the last control reply curl -v printed (the last line of
// a multi-line reply carries "nnn "), ignoring 221 Goodbye, which is
// curl's QUIT on the way out and not part of the outcome. With wireOnly it
// stops at 234 (AUTH TLS accepted): what follows is encrypted, so neither
// the kernel's helper nor netem's trace can read it, and the comparison
// is of what the wire shows.
func finalReply(curlVerbose string, wireOnly bool) int {
	last := 0
	for _, g := range replyRE.FindAllStringSubmatch(curlVerbose, -1) {
		if g[1] == "221" {
			continue
		}
		last, _ = strconv.Atoi(g[1])
		if wireOnly && last == 234 {
			break
		}
	}
	return last
}

// lastWords is curl's error line, for the table's evidence.
func lastWords(curlVerbose string) string {
	lines := strings.Split(strings.TrimSpace(curlVerbose), "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if strings.HasPrefix(lines[i], "curl: (") || strings.HasPrefix(lines[i], "client: (") || strings.HasPrefix(lines[i], "get: ") {
			return lines[i]
		}
	}
	return ""
}
