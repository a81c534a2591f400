// Package config reads ftplab's settings file,
// $XDG_CONFIG_HOME/ftplab/config.yaml (default ~/.config):
//
//	preset: vim          # optional: keys for vim hands
//	keys:
//	  next: [right, x]   # action -> the keys that do it
//	  quit: [q]
//
// A file that is absent is the defaults; one that is broken is an error
// that names its line.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// Config is the settings file's content.
type Config struct {
	Preset string              `yaml:"preset"`
	Keys   map[string][]string `yaml:"keys"`
}

// Path is the settings file's place.
func Path() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("config: no home directory: %w", err)
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "ftplab", "config.yaml"), nil
}

// maxSize bounds the file: settings are a few lines.
const maxSize = 64 << 10

// Load reads the file at path; check validates the keys (it gets the
// action -> keys map and says what is wrong). Errors name the file and,
// where it has one, the line.
func Load(path string, presets map[string]map[string][]string, check func(map[string][]string) error) (Config, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if len(b) > maxSize {
		return Config{}, fmt.Errorf("config: %s is %d bytes, more than the %d a settings file may have", path, len(b), maxSize)
	}
	var c Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, fmt.Errorf("config: %s: %v", path, err)
	}
	if c.Preset != "" {
		if _, ok := presets[c.Preset]; !ok {
			return Config{}, fmt.Errorf("config: %s:%d: unknown preset %q", path, lineOf(b, "preset"), c.Preset)
		}
	}
	if err := check(c.Keys); err != nil {
		return Config{}, fmt.Errorf("config: %s:%d: keys: %v", path, lineOf(b, "keys"), err)
	}
	return c, nil
}

// Keys is the preset's keys with the file's own on top.
func (c Config) Effective(presets map[string]map[string][]string) map[string][]string {
	out := map[string][]string{}
	for a, k := range presets[c.Preset] {
		out[a] = k
	}
	for a, k := range c.Keys {
		out[a] = k
	}
	return out
}

// lineOf is the line where a top-level key is written (1 if not found).
func lineOf(b []byte, key string) int {
	var n yaml.Node
	if yaml.Unmarshal(b, &n) == nil && len(n.Content) > 0 {
		m := n.Content[0]
		for i := 0; i+1 < len(m.Content); i += 2 {
			if m.Content[i].Value == key {
				return m.Content[i].Line
			}
		}
	}
	return 1
}
