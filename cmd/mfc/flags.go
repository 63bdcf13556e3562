package main

import (
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
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

// scaleList is the value of --N: one positive number, or a comma-separated list of them
// (repeating the flag appends).
type scaleList []float64

// String joins the scales with commas.
func (s *scaleList) String() string {
	parts := make([]string, len(*s))
	for i, v := range *s {
		parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// Set parses one value or a list such as 10,20,40,80.
func (s *scaleList) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(x > 0) || math.IsInf(x, 0) {
			return fmt.Errorf("expected a positive number or a list like 10,20,40, got %q", f)
		}
		*s = append(*s, x)
	}
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
