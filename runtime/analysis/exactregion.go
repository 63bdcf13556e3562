package analysis

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mfcproject/mfc/runtime"
	"github.com/mfcproject/mfc/runtime/ctmc"
	"github.com/mfcproject/mfc/runtime/trunc"
)

// TruncationBlock describes the truncated chain that `mfc exact --region` solved: the
// region, the re-entry rule, |S|, |B_o|, |B_i|, the outflow O_r = Σ π(x) q_o(x) of the
// solution, its boundary mass π(B_o), and the tail bound c/r when an assumption gives one
// (null otherwise). The solution's error is not bounded: Certified is always false.
type TruncationBlock struct {
	Region       string   `json:"region"`
	Reentry      string   `json:"reentry"`
	States       int      `json:"states"`
	OutBoundary  int      `json:"out_boundary"`
	InBoundary   int      `json:"in_boundary"`
	Outflow      float64  `json:"outflow"`
	BoundaryMass float64  `json:"boundary_mass"`
	TailBound    *float64 `json:"tail_bound"`
	Certified    bool     `json:"certified"`
}

// checkRegion refuses the truncation flags without --region.
func (s *ExactSettings) checkRegion() error {
	if s.Region == "" && (len(s.Seed) > 0 || s.Enumerate) {
		return usageErrorf("--seed and --enumerate shape the truncation of a region: give --region NAME")
	}
	if s.Region != "" && s.QuasiStationary {
		return usageErrorf("--quasi-stationary and --region do not combine: the augmented truncation has no absorption to condition on")
	}
	if s.Region != "" && s.Sensitivity != "" {
		return usageErrorf("--sensitivity and --region do not combine (the derivatives of a truncation's law are not computed)")
	}
	if s.Region != "" && s.Freeze != "" {
		return usageErrorf("--freeze and --region do not combine yet: freeze a time-inhomogeneous model or truncate it, not both")
	}
	return nil
}

// truncationSpec reads the region flags shared by exact and truncate.
func truncationSpec(mod *runtime.Model, region string, seeds []string, enumerate bool, maxStates int) (trunc.Spec, error) {
	spec := trunc.Spec{Region: region, Enumerate: enumerate, MaxStates: maxStates}
	for _, s := range seeds {
		k, err := trunc.ParseSeed(mod, s)
		if err != nil {
			return spec, usageErrorf("--seed: %v", err)
		}
		spec.Seeds = append(spec.Seeds, k)
	}
	return spec, nil
}

// exactRegionReport is `mfc exact --region`: the truncation S of the region, augmented by
// the re-entry rule (trunc.Truncation.Augment: exactly one closed class, or a
// *trunc.NonUniqueError), solved by the exact chain's stationary solvers (GTH elimination,
// banded or dense, or ILU-BiCGSTAB for large unstructured chains), with every measure of
// the model computed on it.
func exactRegionReport(ctx context.Context, mod *runtime.Model, s *ExactSettings, only []string) (*ExactReport, error) {
	spec, err := truncationSpec(mod, s.Region, s.Seed, s.Enumerate, s.MaxStates)
	if err != nil {
		return nil, err
	}
	in := mod.Inputs()
	tr, err := trunc.FromModel(ctx, mod, in, spec)
	if err != nil {
		return nil, err
	}
	rule := s.Reentry
	if rule == "" {
		rule = "drop"
	}
	aug, err := tr.Augment(rule)
	if err != nil {
		return nil, err
	}
	chain := *tr.Chain()
	chain.Q = aug
	rep, err := solvedReport(ctx, &chain, mod, in, only, false, &ctmc.Settings{Tol: regionTol}, nil, in.Time)
	if err != nil {
		return nil, err
	}
	pi := rep.law.Pi
	b := &TruncationBlock{Region: s.Region, Reentry: rule, States: tr.NumStates(), InBoundary: len(tr.In)}
	for x, o := range tr.Out {
		if o > 0 {
			b.OutBoundary++
			b.Outflow += pi[x] * o
			b.BoundaryMass += pi[x]
		}
	}
	rep.Truncation = b
	note := fmt.Sprintf("every value is that of the truncation of region %s (%d states) augmented by re-entry rule %s: its error with respect to the unbounded chain is not bounded (mfc truncate bounds it)", s.Region, tr.NumStates(), rule)
	if rep.Note != "" {
		note += "; " + rep.Note
	}
	rep.Note = note
	return rep, nil
}

// regionTol is the residual target of the iterative solve of a truncation: a truncated
// chain serves as ground truth (the quarter plane at L = 200 and 300), and at the default
// 1e-10 the symmetric means E[n1], E[n2] of the quarter-plane walk differ by 1e-9 relative.
const regionTol = 1e-13

// regionHint adds to a state-limit error of the exploration of a model that declares
// regions the advice to solve a truncation instead.
func regionHint(mod *runtime.Model, err error) error {
	var le *ctmc.LimitError
	if !errors.As(err, &le) || le.Limit != "states" || len(mod.IR.Regions) == 0 {
		return err
	}
	names := make([]string, len(mod.IR.Regions))
	for i, r := range mod.IR.Regions {
		names[i] = r.Name
	}
	return fmt.Errorf("%w; the model declares region %s: try --region %s (mfc exact --region %s solves the truncated chain, mfc truncate bounds its error)",
		err, strings.Join(names, ", "), names[0], names[0])
}
