package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"sort"

	"github.com/mfcproject/mfc/runtime/load"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
)

// analysis holds the flags every analysis command shares: --set, --N, --format and -o.
type analysis struct {
	name   string
	fs     *flag.FlagSet
	sets   setFlags
	scales scaleList
	// multiN allows a list of scales (mfc validate); other commands take one.
	multiN bool
	format *string
	out    *string
	stderr io.Writer
}

func newAnalysis(name, synopsis string, stderr io.Writer) *analysis {
	a := &analysis{name: name, fs: newFlagSet(name, synopsis, stderr), stderr: stderr}
	a.fs.Var(&a.sets, "set", "override a parameter: name=value, name=[v1,v2,...] or name[i,j]=value (repeatable)")
	a.fs.Var(&a.scales, "N", "the scale, whatever its name in the model")
	a.format = a.fs.String("format", "text", "output format: text, csv or json")
	a.out = a.fs.String("o", "", "write the output to this file (atomically) instead of standard output")
	return a
}

// parse reads the flags and the single model file; status is non-zero on bad usage.
func (a *analysis) parse(args []string) (file string, status int) {
	files, err := parseInterleaved(a.fs, args)
	if err != nil {
		return "", 2
	}
	if len(files) != 1 {
		a.fs.Usage()
		return "", 2
	}
	if len(a.scales) > 1 && !a.multiN {
		fmt.Fprintf(a.stderr, "mfc %s: --N takes one value here (mfc validate takes a list)\n", a.name)
		return "", 2
	}
	return files[0], 0
}

// scale returns the --N value, 0 when absent.
func (a *analysis) scale() float64 {
	if len(a.scales) == 0 {
		return 0
	}
	return a.scales[0]
}

// load compiles the model with the overrides at the --N scale; with meanField, it also
// requires a mean field.
func (a *analysis) load(file string, meanField bool) (*runtime.Model, int) {
	return a.loadAt(file, meanField, a.scale())
}

// loadAt is load at the given scale (0: the model's own).
func (a *analysis) loadAt(file string, meanField bool, scale float64) (*runtime.Model, int) {
	over, err := overrides(a.sets)
	if err != nil {
		fmt.Fprintf(a.stderr, "mfc %s: %v\n", a.name, err)
		return nil, 2
	}
	mod, diags := load.File(file, compiler.Options{Overrides: over, Scale: scale})
	printDiags(a.stderr, diags)
	if mod == nil {
		return nil, 1
	}
	if meanField && !mod.HasDrift() {
		printDiags(a.stderr, mod.IR.MeanField.Diagnostics)
		fmt.Fprintf(a.stderr, "mfc %s: the model has no mean field\n", a.name)
		return nil, 1
	}
	return mod, 0
}

// fail reports an analysis error.
func (a *analysis) fail(err error) int {
	fmt.Fprintf(a.stderr, "mfc %s: %v\n", a.name, err)
	return 1
}

// write renders rep in the chosen format (csv may be nil when the command has no CSV form)
// and writes it to standard output or, atomically, to -o.
func (a *analysis) write(stdout io.Writer, rep any, text, csv func() string) int {
	var data []byte
	switch {
	case *a.format == "json":
		data, _ = json.MarshalIndent(rep, "", "  ")
		data = append(data, '\n')
	case *a.format == "csv" && csv != nil:
		data = []byte(csv())
	case *a.format == "text":
		data = []byte(text())
	default:
		fmt.Fprintf(a.stderr, "mfc %s: unknown format %q\n", a.name, *a.format)
		return 2
	}
	return emit(stdout, a.stderr, *a.out, data)
}

// eigenText formats eigenvalues given as [re, im] pairs, by decreasing real part; beyond
// maxEigenText of them it prints the first ones and the count (JSON has them all).
func eigenText(ev [][2]float64) string {
	s := ""
	for i, e := range ev {
		if i == maxEigenText {
			s += fmt.Sprintf(" … (%d in all; the JSON output lists them)", len(ev))
			break
		}
		if e[1] == 0 {
			s += fmt.Sprintf(" %.6g", e[0])
		} else {
			s += fmt.Sprintf(" %.6g%+.6gi", e[0], e[1])
		}
	}
	return s
}

// maxEigenText is the number of eigenvalues printed in text output.
const maxEigenText = 12

func eigenPairs(ev []complex128) [][2]float64 {
	out := make([][2]float64, len(ev))
	for i, e := range ev {
		out[i] = [2]float64{real(e), imag(e)}
	}
	return out
}

func sortStrings(s []string) { sort.Strings(s) }
