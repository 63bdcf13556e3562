package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/mfcproject/mfc/lang"
)

// runCheck implements 'mfc check FILE...'.
func runCheck(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("check", "FILE...", stderr)
	strict := fs.Bool("strict", false, "treat warnings as errors")
	files, err := parseInterleaved(fs, args)
	if err != nil {
		return 2
	}
	if len(files) == 0 {
		fs.Usage()
		return 2
	}
	status := 0
	for _, path := range files {
		f, diags := lang.ParseFile(path)
		for _, d := range diags {
			fmt.Fprintln(stderr, d.Error())
		}
		if diags.HasErrors() || *strict && len(diags) > 0 {
			status = 1
			continue
		}
		fmt.Fprintln(stdout, summary(f))
	}
	return status
}

// summary is the one-line description of a model that 'mfc check' prints.
func summary(f *lang.File) string {
	name := strings.TrimSuffix(filepath.Base(f.Name), filepath.Ext(f.Name))
	if f.Model != nil {
		name = f.Model.Name
	}
	c := lang.Count(f)
	return fmt.Sprintf("%s: ok: model %s: %d params, %d species, %d env, %d lets, %d observables, %d regions, %d measures, %d transitions (%d statements)",
		f.Name, name, c.Params, c.Species, c.Env, c.Lets, c.Observables, c.Regions, c.Measures, c.Transitions, len(f.Stmts))
}
