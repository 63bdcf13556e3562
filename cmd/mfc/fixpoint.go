package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/fixpoint"
	"github.com/mfcproject/mfc/runtime/lna"
)

// fixpointReport is the JSON form of 'mfc fixpoint'.
type fixpointReport struct {
	Model  string          `json:"model"`
	N      float64         `json:"N"`
	Points []fixpointPoint `json:"points"`
	// The first stable point, repeated under the keys the other analyses share.
	Species     []string     `json:"species"`
	FixedPoint  []float64    `json:"fixed_point,omitempty"`
	Eigenvalues [][2]float64 `json:"eigenvalues,omitempty"`
	W           [][]float64  `json:"W,omitempty"`
}

type fixpointPoint struct {
	X           []float64    `json:"x"`
	Stability   string       `json:"stability"`
	Eigenvalues [][2]float64 `json:"eigenvalues"` // [re, im]
	Residual    float64      `json:"residual"`
	W           [][]float64  `json:"W,omitempty"` // stationary LNA covariance (stable points)
}

// runFixpoint implements 'mfc fixpoint FILE': every fixed point found, its stability from the
// Jacobian reduced by the conservation laws, and the LNA covariance W at stable points.
func runFixpoint(args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("fixpoint", "FILE [--set name=value]... [--N n] [--starts k] [--format text|csv|json] [-o FILE]", stderr)
	var sets setFlags
	fs.Var(&sets, "set", "override a parameter (repeatable)")
	scale := fs.Float64("N", 0, "the scale, whatever its name in the model")
	starts := fs.Int("starts", 1, "number of Newton starts (the initial state, then pseudo-random states with the same conserved totals)")
	format := fs.String("format", "text", "output format: text, csv or json")
	out := fs.String("o", "", "write the output to this file (atomically)")
	files, err := parseInterleaved(fs, args)
	if err != nil || len(files) != 1 {
		if err == nil {
			fs.Usage()
		}
		return 2
	}
	over, err := overrides(sets, "")
	if err != nil {
		fmt.Fprintln(stderr, "mfc fixpoint:", err)
		return 2
	}
	mod, diags := runtime.Load(files[0], compiler.Options{Overrides: over, Scale: *scale})
	printDiags(stderr, diags)
	if mod == nil {
		return 1
	}
	if !mod.HasDrift() {
		printDiags(stderr, mod.IR.MeanField.Diagnostics)
		fmt.Fprintln(stderr, "mfc fixpoint: the model has no mean field")
		return 1
	}
	in := mod.Inputs()
	res, err := fixpoint.Find(mod, in, &fixpoint.Settings{Starts: *starts})
	if err != nil {
		fmt.Fprintln(stderr, "mfc fixpoint:", err)
		return 1
	}
	rep := &fixpointReport{Model: mod.IR.Name, N: in.Scale}
	for _, s := range mod.IR.Species {
		rep.Species = append(rep.Species, s.Name)
	}
	for _, p := range res.Points {
		fp := fixpointPoint{X: p.X, Stability: p.Stability.String(), Residual: p.Residual}
		for _, e := range p.Eigenvalues {
			fp.Eigenvalues = append(fp.Eigenvalues, [2]float64{real(e), imag(e)})
		}
		if p.Stability == fixpoint.Stable {
			if l, err := lna.Stationary(mod, in, p.X); err == nil {
				d := l.W.SymmetricDim()
				fp.W = make([][]float64, d)
				for i := range fp.W {
					fp.W[i] = make([]float64, d)
					for j := range fp.W[i] {
						fp.W[i][j] = l.W.At(i, j)
					}
				}
			}
			if rep.FixedPoint == nil {
				rep.FixedPoint, rep.Eigenvalues, rep.W = fp.X, fp.Eigenvalues, fp.W
			}
		}
		rep.Points = append(rep.Points, fp)
	}
	var text []byte
	switch *format {
	case "json":
		text, _ = json.MarshalIndent(rep, "", "  ")
		text = append(text, '\n')
	case "csv":
		text = []byte(fixpointCSV(rep))
	case "text":
		text = []byte(fixpointText(rep))
	default:
		fmt.Fprintf(stderr, "mfc fixpoint: unknown format %q (text, csv or json)\n", *format)
		return 2
	}
	return emit(stdout, stderr, *out, text)
}

func fixpointText(r *fixpointReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "model %s, N = %g: %d fixed point(s)\n", r.Model, r.N, len(r.Points))
	for k, p := range r.Points {
		fmt.Fprintf(&b, "\nfixed point %d: %s (residual %.1e)\n", k+1, p.Stability, p.Residual)
		for i, s := range r.Species {
			fmt.Fprintf(&b, "  %-12s %.12g", s, p.X[i])
			if p.W != nil {
				fmt.Fprintf(&b, "   N·Var %.6g", p.W[i][i])
			}
			b.WriteString("\n")
		}
		b.WriteString("  eigenvalues (reduced Jacobian):")
		for _, e := range p.Eigenvalues {
			if e[1] == 0 {
				fmt.Fprintf(&b, " %.6g", e[0])
			} else {
				fmt.Fprintf(&b, " %.6g%+.6gi", e[0], e[1])
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}

func fixpointCSV(r *fixpointReport) string {
	var b strings.Builder
	b.WriteString("point,stability,species,x,N_var\n")
	for k, p := range r.Points {
		for i, s := range r.Species {
			v := ""
			if p.W != nil {
				v = fmt.Sprintf("%.17g", p.W[i][i])
			}
			fmt.Fprintf(&b, "%d,%s,%q,%.17g,%s\n", k+1, p.Stability, s, p.X[i], v)
		}
	}
	return b.String()
}
