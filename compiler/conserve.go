package compiler

import (
	"github.com/mfcproject/mfc/compiler/ir"
)

// conservationLaws returns an integer basis of the left null space of the stoichiometry,
// {c ∈ ℤ^d : c·ℓ_j = 0 for every transition j}, each row reduced by its gcd and with a
// positive first non-zero entry.
//
// It starts from the unit vectors and, for each jump ℓ_j, keeps the combinations that
// annihilate it (fraction-free elimination on the pivot with the smallest support), so the
// cost is O(R · b · d) for R transitions and a basis of size b ≤ d, and sparse jumps that
// remove one species at a time (queues, JSQ) cost O(R · d).
func conservationLaws(d int, ts []ir.Transition) [][]int64 {
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
			if s != 0 && (pivot < 0 || support(b) < support(basis[pivot])) {
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

func support(v []int64) int {
	n := 0
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

// normalise divides v by the gcd of its entries and makes its first non-zero entry positive.
func normalise(v []int64) {
	var g int64
	for _, x := range v {
		g = gcd(g, abs64(x))
	}
	if g == 0 {
		return
	}
	sign := int64(1)
	for _, x := range v {
		if x != 0 {
			if x < 0 {
				sign = -1
			}
			break
		}
	}
	for i := range v {
		v[i] = v[i] / g * sign
	}
}

func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x
	}
	return x
}
