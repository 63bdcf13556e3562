package compiler

import (
	"math/rand"
	"reflect"
	"testing"
	"time"

	"github.com/mfcproject/mfc/compiler/ir"
)

// chain is the network X0 -> X1 -> ... -> X(n-1): one law, the sum of all X.
func chain(n int) []ir.Transition {
	var ts []ir.Transition
	for i := 0; i+1 < n; i++ {
		ts = append(ts, ir.Transition{Jump: []ir.Jump{{Species: i, Delta: -1}, {Species: i + 1, Delta: 1}}})
	}
	return ts
}

// TestConservationScales: the elimination is sparse: 8 times the species of a chain cost
// well under 64 times the time (the dense basis cost d² memory and time).
func TestConservationScales(t *testing.T) {
	t.Parallel()
	// measure returns the best of three times (robust to a loaded machine).
	measure := func(n int) time.Duration {
		ts := chain(n)
		var best time.Duration
		for i := 0; i < 3; i++ {
			t0 := time.Now()
			laws, err := conservationLaws(n, ts, 1<<30)
			if err != nil {
				t.Fatal(err)
			}
			if d := time.Since(t0); i == 0 || d < best {
				best = d
			}
			if len(laws) != 1 || len(laws[0]) != n || laws[0][0] != 1 || laws[0][n-1] != 1 {
				t.Fatalf("chain of %d: laws %v, want one law of ones", n, len(laws))
			}
		}
		return best
	}
	small, large := measure(500), measure(4000)
	if large > 30*small+30*time.Millisecond { // the dense elimination took 279 ms for 4000
		t.Errorf("conservation laws: 500 species in %v, 4000 in %v: not linear", small, large)
	}
}

// TestConservationRandom compares the sparse elimination with the dense reference on random
// networks (same canonical basis).
func TestConservationRandom(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewSource(1))
	for trial := 0; trial < 3000; trial++ {
		d := 1 + r.Intn(9)
		var ts []ir.Transition
		for j := r.Intn(8); j > 0; j-- {
			var jump []ir.Jump
			for s := 0; s < d; s++ {
				if r.Intn(3) == 0 {
					jump = append(jump, ir.Jump{Species: s, Delta: r.Intn(7) - 3})
				}
			}
			if len(jump) > 0 && r.Intn(5) > 0 {
				ts = append(ts, ir.Transition{Jump: jump})
			}
		}
		got, err := conservationLaws(d, ts, 1000)
		want := denseConservationLaws(d, ts)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) == 0 && len(want) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("d = %d, %v: got %v, want %v", d, ts, got, want)
		}
	}
}

// denseConservationLaws is the former dense elimination, the reference of TestConservationRandom.
func denseConservationLaws(d int, ts []ir.Transition) [][]int64 {
	basis := make([][]int64, d)
	for i := range basis {
		basis[i] = make([]int64, d)
		basis[i][i] = 1
	}
	dots := make([]int64, 0, d)
	for _, t := range ts {
		if len(t.Jump) == 0 || len(basis) == 0 {
			continue
		}
		dots = dots[:0]
		pivot := -1
		for k, b := range basis {
			var s int64
			for _, j := range t.Jump {
				s += b[j.Species] * int64(j.Delta)
			}
			dots = append(dots, s)
			if s != 0 && (pivot < 0 || denseSupport(b) < denseSupport(basis[pivot])) {
				pivot = k
			}
		}
		if pivot < 0 {
			continue
		}
		p, dp := basis[pivot], dots[pivot]
		out := basis[:0]
		for k, b := range basis {
			switch {
			case k == pivot:
				continue
			case dots[k] != 0:
				// b := dp·b − dots[k]·p annihilates ℓ_j.
				for i := range b {
					b[i] = dp*b[i] - dots[k]*p[i]
				}
				normalise(b)
			}
			out = append(out, b)
		}
		basis = out
	}
	for _, b := range basis {
		normalise(b)
	}
	return basis
}

func denseSupport(v []int64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

// TestConservationLimits: a basis too large to store, or coefficients beyond int64, are
// errors, not gigabytes or wrapped numbers.
func TestConservationLimits(t *testing.T) {
	t.Parallel()
	if _, err := conservationLaws(2000, nil, 1_000_000); err == nil {
		t.Error("2000 free species (2000 laws of 2000 entries): want an error with a limit of 10^6")
	}
	// X_{i+1} = 3·X_i at each step: the law has coefficients 3^i, beyond int64 at i = 40.
	var ts []ir.Transition
	for i := range 60 {
		ts = append(ts, ir.Transition{Jump: []ir.Jump{{Species: i, Delta: -3}, {Species: i + 1, Delta: 1}}})
	}
	if _, err := conservationLaws(61, ts, 1<<20); err == nil {
		t.Error("coefficients 3^60: want an overflow error")
	}
}
