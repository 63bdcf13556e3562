package qp

import (
	"fmt"
	"math"
	"strings"
)

// Table is the rate table of one component: Table[i+1][j+1] is the rate of the jump (i, j),
// i, j ∈ {−1, 0, 1}; the centre [1][1] is unused (0).
type Table [3][3]float64

// At returns the rate of the jump (i, j).
func (t *Table) At(i, j int) float64 { return t[i+1][j+1] }

// Total returns the sum of the rates of all jumps. O(1).
func (t *Table) Total() float64 {
	s := 0.0
	for i := range 3 {
		for j := range 3 {
			if i != 1 || j != 1 {
				s += t[i][j]
			}
		}
	}
	return s
}

// Walk is a nearest-neighbour random walk on ℕ² whose rates are constant on each of the four
// components (digest 002 §1.1–1.2): Q on the interior S4 = {n1, n2 ≥ 1}, H on the horizontal
// axis S1 = {(n1, 0): n1 ≥ 1}, V on the vertical axis S2 = {(0, n2): n2 ≥ 1} and R at the
// origin S3.
type Walk struct {
	Q, H, V, R Table
}

// Component returns the table of the component of (n1, n2).
func (w *Walk) Component(n1, n2 int) *Table {
	switch {
	case n1 > 0 && n2 > 0:
		return &w.Q
	case n1 > 0:
		return &w.H
	case n2 > 0:
		return &w.V
	}
	return &w.R
}

// Rate returns the rate of the jump (i, j) at (n1, n2): 0 for a jump that leaves ℕ².
func (w *Walk) Rate(n1, n2, i, j int) float64 {
	if n1+i < 0 || n2+j < 0 || i == 0 && j == 0 {
		return 0
	}
	return w.Component(n1, n2).At(i, j)
}

// Gamma returns the largest total rate over the four components, the default
// uniformisation constant γ.
func (w *Walk) Gamma() float64 {
	return max(w.Q.Total(), w.H.Total(), w.V.Total(), w.R.Total())
}

// Symmetric reports whether the walk is symmetric under n1 ↔ n2 (to 1e-14 relative).
func (w *Walk) Symmetric() bool {
	eq := func(a, b float64) bool { return math.Abs(a-b) <= 1e-14*max(math.Abs(a), math.Abs(b)) }
	for i := range 3 {
		for j := range 3 {
			if !eq(w.Q[i][j], w.Q[j][i]) || !eq(w.H[i][j], w.V[j][i]) || !eq(w.R[i][j], w.R[j][i]) {
				return false
			}
		}
	}
	return true
}

// Check refuses tables with negative or non-finite rates, rates of jumps that leave ℕ²
// (h_{i,−1}, v_{−1,j}, r with a negative coordinate), and walks without an interior rate.
func (w *Walk) Check() error {
	names := [4]string{"q", "h", "v", "r"}
	for c, t := range []*Table{&w.Q, &w.H, &w.V, &w.R} {
		for i := -1; i <= 1; i++ {
			for j := -1; j <= 1; j++ {
				x := t.At(i, j)
				if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
					return fmt.Errorf("rate %s_{%d,%d} = %g: rates must be finite and ≥ 0", names[c], i, j, x)
				}
				leaves := c == 1 && j < 0 || c == 2 && i < 0 || c == 3 && (i < 0 || j < 0)
				if x != 0 && (leaves || i == 0 && j == 0) {
					return fmt.Errorf("rate %s_{%d,%d} = %g: the jump leaves the quarter plane or is not a jump", names[c], i, j, x)
				}
			}
		}
	}
	if w.Q.Total() == 0 {
		return fmt.Errorf("the interior has no rate")
	}
	return nil
}

// String prints the four tables, their total rates and γ.
func (w *Walk) String() string {
	var b strings.Builder
	for c, t := range []*Table{&w.Q, &w.H, &w.V, &w.R} {
		name := [4]string{"interior q", "axis n2 = 0, h", "axis n1 = 0, v", "origin r"}[c]
		fmt.Fprintf(&b, "%s (total %.10g):", name, t.Total())
		for i := -1; i <= 1; i++ {
			for j := -1; j <= 1; j++ {
				if x := t.At(i, j); x != 0 {
					fmt.Fprintf(&b, " (%d,%d) %.10g", i, j, x)
				}
			}
		}
		b.WriteString("\n")
	}
	return b.String()
}
