package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/stdlib/models"
)

// runCheck implements 'mfc check FILE...': the whole compiler, with every diagnostic.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", "[--strict] [--set name=value]... [--max-input BYTES] FILE...", stderr)
	strict := fs.Bool("strict", false, "treat warnings as errors")
	maxInput := maxInputFlag(fs)
	var sets setFlags
	fs.Var(&sets, "set", "override a parameter: name=value, name=[v1,v2,...] or name[i,j]=value; several separated by commas (k1=6,k2=0.5); repeatable")
	files, err := parseInterleaved(fs, args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	if *maxInput <= 0 {
		fmt.Fprintf(stderr, "mfc check: --max-input %d: the limit must be a positive number of bytes\n", *maxInput)
		return 2
	}
	over, err := overrides(sets)
	if err != nil {
		fmt.Fprintln(stderr, "mfc check:", err)
		return 2
	}
	status := 0
	for _, path := range files {
		m, diags := compileFile(path, compiler.Options{Overrides: over, Strict: *strict, MaxInput: *maxInput})
		printDiags(stderr, diags)
		if m == nil {
			status = 1
			continue
		}
		fmt.Fprintln(stdout, summary(displayName(path), m))
	}
	return status
}

// maxInputFlag defines --max-input, the limit on the size of a model file (E100).
func maxInputFlag(fs *flag.FlagSet) *int64 {
	return fs.Int64("max-input", lang.DefaultMaxInput, "refuse model files larger than this many `bytes`")
}

// printDiags prints the diagnostics, buffered: a file may have many warnings.
func printDiags(w io.Writer, diags diag.List) {
	b := bufio.NewWriter(w)
	for _, d := range diags {
		b.WriteString(d.Error())
		b.WriteByte('\n')
	}
	b.Flush()
}

// summary is the one-line description of a compiled model that 'mfc check' prints.
func summary(path string, m *ir.Model) string {
	kind := "continuous time"
	if m.Time == ir.Discrete {
		kind = "discrete time"
	}
	scale := "no scale"
	if m.Scale != nil {
		scale = fmt.Sprintf("scale %s = %g", m.Scale.Name, m.Scale.Value)
	}
	return fmt.Sprintf("%s: ok: model %s (%s, %s): %d params, %d species, %d environment components (%d states), %d transitions, %d observables, %d regions, %d measures, %d conservation laws, %d warnings",
		path, m.Name, kind, scale, len(m.Params), len(m.Species), len(m.Env.Components), len(m.Env.Space),
		len(m.Transitions), len(m.Observables), len(m.Regions), len(m.Measures), len(m.Conservation), len(m.Diagnostics))
}

// overrides turns --set flags into compiler overrides (--N goes to compiler.Options.Scale).
func overrides(sets setFlags) (compiler.Overrides, error) {
	out := compiler.Overrides{}
	for _, s := range sets {
		k, v, err := compiler.ParseOverride(s)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

// compileFile compiles a model file, or the library model @name.
func compileFile(path string, opts compiler.Options) (*ir.Model, diag.List) {
	if strings.HasPrefix(path, "@") {
		lib, err := models.Get(path)
		if err != nil {
			return nil, diag.List{diag.Errorf(diag.Pos{File: path}, "E100", "mfc models lists the library's models", "%v", err)}
		}
		return compiler.CompileSource(path, lib.Source, opts)
	}
	return compiler.CompileFile(path, opts)
}
