//go:build !cgo

package lp

import (
	"errors"
	"fmt"
)

// Available returns nil when this binary can solve LPs, and the reason (wrapping
// ErrNoSolver) otherwise.
func Available() error {
	return fmt.Errorf("%w: it was built with CGO_ENABLED=0 (rebuild with cgo and COIN-OR CLP: apt-get install -y coinor-libclp-dev)", ErrNoSolver)
}

// New returns a Solver whose Load reports that this binary has no LP solver.
func New() Solver { return noSolver{} }

type noSolver struct{}

func (noSolver) Name() string { return "none" }

func (noSolver) Load(p *Problem, o Options) error {
	if p.err != nil {
		return p.err
	}
	return Available()
}

func (noSolver) Solve(Sense, []float64) (*Result, error) {
	return nil, errors.New("lp: Solve before Load")
}

func (noSolver) Close() {}
