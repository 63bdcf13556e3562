// Package load is the facade that turns model text into a runtime.Model: it runs the
// front end and the compiler (packages lang and compiler) and builds the evaluation tapes.
// It is the only part of the runtime that imports them; the analyses work on the compiled
// model alone (a test in package runtime enforces this).
package load

import (
	"fmt"
	"strings"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/stdlib/models"
)

// File compiles the model file at path, or the library model @name (package
// stdlib/models). The diagnostics hold every error and warning; the model is nil if there
// is any error.
func File(path string, opts compiler.Options) (*runtime.Model, diag.List) {
	if strings.HasPrefix(path, "@") {
		lib, err := models.Get(path)
		if err != nil {
			var l diag.List
			l.Add(diag.Errorf(diag.Pos{File: path}, "E100", "mfc models lists the library's models", "%v", err))
			return nil, l
		}
		return Source(path, lib.Source, opts)
	}
	m, diags := compiler.CompileFile(path, opts)
	if m == nil {
		return nil, diags
	}
	return runtime.New(m), diags
}

// Source compiles a model given as source text; name is used in diagnostics.
func Source(name string, src []byte, opts compiler.Options) (*runtime.Model, diag.List) {
	m, diags := compiler.CompileSource(name, src, opts)
	if m == nil {
		return nil, diags
	}
	return runtime.New(m), diags
}

// Scaled returns a runtime.Loader that compiles the model file at path with opts at any
// scale (opts.Scale is overridden), for analyses that compare several N.
func Scaled(path string, opts compiler.Options) runtime.Loader {
	return func(n float64) (*runtime.Model, error) {
		o := opts
		o.Scale = n
		m, diags := File(path, o)
		if m == nil {
			return nil, fmt.Errorf("compile %s at N = %g: %v", path, n, diags)
		}
		return m, nil
	}
}
