// Package load is the facade that turns model text into a runtime.Model: it runs the
// front end and the compiler (packages lang and compiler) and builds the evaluation tapes.
// It is the only part of the runtime that imports them; the analyses work on the compiled
// model alone (a test in package runtime enforces this).
package load

import (
	"fmt"
	"math"
	"strings"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/compiler/ir"
	"github.com/mfcproject/mfc/lang/diag"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/step"
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
	return build(m, diags)
}

// build makes the runtime model, refusing with E807 an initial state emptied by rounding.
func build(m *ir.Model, diags diag.List) (*runtime.Model, diag.List) {
	rm := runtime.New(m)
	if d := emptiedByRounding(rm); d != nil {
		diags.Add(d)
		return nil, diags
	}
	return rm, diags
}

// emptiedByRounding returns E807 (docs/language.md §8) when a species given a positive
// initial density has the count 0 at this scale (its N·x rounded to 0, W701) and no
// transition can produce it from the initial state: the species then stays 0 (an SIS
// epidemic started at I = 0 never starts), and every analysis would describe a model other
// than the one written. A count of 0 asked for (in 'init { ... }', or a density 0) is
// not refused. Models whose propensities depend on time or that have an environment (which
// can change what fires) are not checked. O(tape + J·d).
func emptiedByRounding(m *runtime.Model) *diag.Diagnostic {
	mod := m.IR
	if mod.Init.Densities == nil || mod.Init.DensityPos == nil || !mod.TimeHomogeneous || len(mod.Env.Components) > 0 {
		return nil
	}
	in := m.Inputs()
	if in.Scale > 0 {
		for i, n := range in.Counts {
			in.Densities[i] = n / in.Scale
		}
	}
	var props []float64
	for i, x := range mod.Init.Densities {
		if !(x > 0) || in.Counts[i] != 0 {
			continue
		}
		if props == nil {
			props = make([]float64, len(mod.Transitions))
			m.Propensities(props, in)
		}
		scale := step.Scale(props)
		produced := false
		for j, t := range mod.Transitions {
			for _, jp := range t.Jump {
				if int(jp.Species) == i && jp.Delta > 0 && props[j] > 0 && !step.RoundOff(props[j], scale, mod.Time == ir.Discrete) {
					produced = true
				}
			}
		}
		if produced {
			continue
		}
		name := mod.Species[i].Name
		return diag.Errorf(mod.Init.DensityPos[i], "E807", fmt.Sprintf("raise N to at least %s (N·x ≥ 0.5), or give counts in 'init { ... }' to start from %s = 0 on purpose", step.FormatNum(math.Ceil(0.5/x)), name),
			"initial density %s of '%s' rounds to the count 0 at N = %s, and no transition can produce '%s' from the initial state [%s]: it would stay 0", step.FormatNum(x), name, step.FormatNum(in.Scale), name, step.FormatState(mod, in.Counts, 0, nil))
	}
	return nil
}

// Source compiles a model given as source text; name is used in diagnostics.
func Source(name string, src []byte, opts compiler.Options) (*runtime.Model, diag.List) {
	m, diags := compiler.CompileSource(name, src, opts)
	if m == nil {
		return nil, diags
	}
	return build(m, diags)
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
