package main

import (
	"flag"
	"fmt"
	"io"
	"strings"
)

// setFlags collects repeated --set name=value flags, in order.
type setFlags []string

// String joins the overrides.
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
// arguments (mfc run model.mf --N 100), and returns the positional arguments. A request for
// help (-h, --help) prints the usage on helpOut and returns flag.ErrHelp.
func parseInterleaved(fs *flag.FlagSet, args []string, helpOut io.Writer) ([]string, error) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			errOut := fs.Output()
			fs.SetOutput(helpOut)
			fs.Usage()
			fs.SetOutput(errOut)
			return nil, flag.ErrHelp
		}
	}
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

// newFlagSet returns a flag set that prints its usage on stderr after a usage error
// (parseInterleaved prints it on standard output when help is asked for).
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: mfc %s %s\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}
