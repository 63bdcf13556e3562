package analysis

import (
	"context"

	"github.com/mfcproject/mfc/runtime/compare"
)

func init() {
	register(Analysis{Name: "validate", MultiScale: true,
		Summary:  "every method side by side at several N: mean field, refined 1 and 2, exact, simulation; error slopes",
		Synopsis: "--N n1,n2,... [--t t --runs R] [--max-states k] [--ssa-t T] [--burnin B] [--seed s] [--max-events E] [--max-memory M] [--timeout D]"},
		compare.DefaultSettings,
		func(ctx context.Context, p *Problem, s *compare.Settings) (Report, error) {
			return compare.Run(ctx, p.Model, p.Load, p.Scales, s, p.Progress)
		})
}
