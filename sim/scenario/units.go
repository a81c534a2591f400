package scenario

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Bytes is a byte count. It reads as a plain number ("65536") or with a
// unit ("64KiB", "1.5MB"): B, kB/KB (1000), KiB (1024), MB, MiB, GB, GiB,
// any case. JSON writes it as a number and reads a number or a string.
type Bytes int64

// Rate is a bandwidth in bytes per second: "262144", "256KiB/s", "1MB/s".
type Rate int64

var units = []struct {
	suffix string
	mult   float64
}{
	// longest first, so "kib" is not read as "b" after "ki"
	{"kib", 1 << 10}, {"mib", 1 << 20}, {"gib", 1 << 30},
	{"kb", 1e3}, {"mb", 1e6}, {"gb", 1e9},
	{"b", 1},
}

// maxBytes keeps byte counts exact in a float64 and far from overflow.
const maxBytes = 1 << 50

// parseBytes reads the count in text; s is what the user wrote, for errors.
func parseBytes(s, text, what, example string) (int64, error) {
	t := strings.ToLower(strings.TrimSpace(text))
	mult := 1.0
	for _, u := range units {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) || strings.ContainsAny(t, "xXpP_") {
		return 0, fmt.Errorf("bad %s %q (want e.g. %s)", what, s, example)
	}
	if v < 0 {
		return 0, fmt.Errorf("bad %s %q: must not be negative", what, s)
	}
	if v*mult > maxBytes {
		return 0, fmt.Errorf("bad %s %q: too large", what, s)
	}
	return int64(v * mult), nil
}

// format writes n with the largest binary unit that divides it.
func format(n int64) string {
	for _, u := range []struct {
		name string
		size int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.size == 0 {
			return strconv.FormatInt(n/u.size, 10) + u.name
		}
	}
	return strconv.FormatInt(n, 10)
}

// String writes "64KiB" or "1000".
func (b Bytes) String() string { return format(int64(b)) }

// UnmarshalText reads "65536", "64KiB", "1MB".
func (b *Bytes) UnmarshalText(t []byte) error {
	v, err := parseBytes(string(t), string(t), "size", "65536, 64KiB, 1MiB")
	if err != nil {
		return err
	}
	*b = Bytes(v)
	return nil
}

// UnmarshalJSON reads a number or a string.
func (b *Bytes) UnmarshalJSON(d []byte) error { return unmarshalJSON(d, b) }

// String writes "256KiB/s" or "1000/s".
func (r Rate) String() string { return format(int64(r)) + "/s" }

// UnmarshalText reads "262144", "256KiB/s", "1MB/s".
func (r *Rate) UnmarshalText(t []byte) error {
	s := string(t)
	v, err := parseBytes(s, strings.TrimSuffix(strings.TrimSpace(s), "/s"), "bandwidth", "1MiB/s, 256KiB/s, 262144 (bytes/s)")
	if err != nil {
		return err
	}
	*r = Rate(v)
	return nil
}

// UnmarshalJSON reads a number or a string.
func (r *Rate) UnmarshalJSON(d []byte) error { return unmarshalJSON(d, r) }

func unmarshalJSON(d []byte, u interface{ UnmarshalText([]byte) error }) error {
	d = bytes.TrimSpace(d)
	if len(d) > 0 && d[0] == '"' {
		var s string
		if err := json.Unmarshal(d, &s); err != nil {
			return err
		}
		return u.UnmarshalText([]byte(s))
	}
	return u.UnmarshalText(d)
}
