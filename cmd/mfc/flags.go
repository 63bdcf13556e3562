package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// setFlags collects repeated --set name=value flags, in order.
type setFlags []string

func (s *setFlags) String() string { return strings.Join(*s, ",") }

// Set records one name=value override.
func (s *setFlags) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("expected name=value, got %q", v)
	}
	*s = append(*s, v)
	return nil
}

// parseInterleaved parses flags that may appear before, between or after positional
// arguments (mfc run model.mf --N 100), and returns the positional arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// newFlagSet returns a flag set that prints its usage to w.
func newFlagSet(name, synopsis string, w io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(w)
	fs.Usage = func() {
		fmt.Fprintf(w, "usage: mfc %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}
