package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mfcproject/mfc/compiler"
)

// setFlags collects repeated --set name=value flags, in order.
type setFlags []string

// String joins the overrides.
func (s *setFlags) String() string { return strings.Join(*s, ",") }

// Set records the overrides of one --set: name=value, or several separated by commas
// (k1=6,k2=0.5; compiler.SplitOverrides).
func (s *setFlags) Set(v string) error {
	if !strings.Contains(v, "=") {
		return fmt.Errorf("expected name=value, got %q", v)
	}
	*s = append(*s, compiler.SplitOverrides(v)...)
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
		if err := parseQuiet(fs, args); err != nil {
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

// parseQuiet parses args like fs.Parse but reports a mistake in one line with a hint
// (a flag that is not defined gets the nearest defined name) instead of the whole usage.
func parseQuiet(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	var buf strings.Builder
	fs.SetOutput(&buf)
	fs.Usage = func() {}
	err := fs.Parse(args)
	fs.SetOutput(out)
	fs.Usage = usage
	if err == nil {
		return nil
	}
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "flag provided but not defined: -"); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		msg = "unknown flag --" + name
		if s := nearest(name, names); s != "" {
			msg += ": did you mean --" + s + "?"
		}
	}
	fmt.Fprintf(out, "mfc %s: %s\n  (mfc help %s lists the flags)\n", fs.Name(), msg, fs.Name())
	return err
}

// nearest returns the name of names closest to s in edit distance, if it is close enough
// to be what was meant (at most 2 edits, and fewer than half the letters), else "".
func nearest(s string, names []string) string {
	best, bestD := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestD && 2*d < max(len(s), len(n)) {
			best, bestD = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b (with transpositions counting one).
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
