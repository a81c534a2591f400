package lessons

import (
	"fmt"
	"io"
	"os"

	"gopkg.in/yaml.v3"
)

// Limits on a lesson file from disk. A lesson is a few kilobytes; these
// leave room for a hundred times that, and keep a hostile file from
// costing more than a small multiple of the limit in memory or time.
const (
	MaxLessonBytes = 1 << 20 // 1 MiB
	// MaxFrontMatterNodes bounds the front matter's YAML with every alias
	// expanded: an anchor aliased many times (each alias copying a list
	// that holds aliases) is small to write and huge to decode.
	MaxFrontMatterNodes = 20000
)

// readLessonFile reads a lesson from disk, refusing a file over the limit
// without reading the rest.
func readLessonFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	src, err := io.ReadAll(io.LimitReader(f, MaxLessonBytes+1))
	if err != nil {
		return nil, err
	}
	if len(src) > MaxLessonBytes {
		return nil, fmt.Errorf("%s: larger than %d bytes (the limit for a lesson file)", path, MaxLessonBytes)
	}
	return src, nil
}

// expandedSize counts the YAML nodes a decoder would visit, each alias
// counted as the whole of what it points to, and stops counting past
// limit. It returns the count and the line of the node that crossed it.
func expandedSize(root *yaml.Node, limit int) (int, int) {
	memo := map[*yaml.Node]int{}
	over := 0
	var size func(n *yaml.Node, depth int) int
	size = func(n *yaml.Node, depth int) int {
		if n == nil {
			return 1
		}
		if depth > 1000 { // deeper than any lesson: count it as too big
			return limit + 1
		}
		if s, ok := memo[n]; ok {
			return s
		}
		s := 1
		if n.Kind == yaml.AliasNode {
			s += size(n.Alias, depth+1)
		}
		for _, c := range n.Content {
			s += size(c, depth+1)
			if s > limit {
				break
			}
		}
		if s > limit && over == 0 {
			over = n.Line
		}
		memo[n] = s
		return s
	}
	return size(root, 0), over
}
