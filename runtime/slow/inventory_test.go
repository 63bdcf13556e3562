package slow

import (
	"context"
	"math"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

var invEps = []float64{0, 0.001, 0.004, 0.016, 0.064, 0.256, 1.024}

// invRow is one row of the paper's Tables 4–6 (digest §7.3): TT and the percent errors
// 100·|approx − TT|/TT of 1st FD, 1st Exact, 2nd FD, 2nd Exact.
type invRow [5]float64

// inventory returns TT and the four approximations at one setting.
func inventory(t *testing.T, s, S, alpha, eps float64) (tt float64, approx [4]float64) {
	t.Helper()
	ctx := context.Background()
	m := loadtest.Model(t, "@inventory", compiler.Options{Overrides: compiler.Overrides{
		"s": {s}, "S": {S}, "alpha": {alpha}, "eps": {eps}}})
	in := m.Inputs()
	var err error
	tt, _, err = Exact(ctx, m, in, "kappa", Settings{}.Limits)
	if err != nil {
		t.Fatal(err)
	}
	for i, deriv := range []string{"fd", "exact"} {
		res, err := Expand(ctx, m, in, "kappa", &Settings{Order: 2, Deriv: deriv})
		if err != nil {
			t.Fatal(err)
		}
		approx[i] = res.Terms[0] + res.Terms[1]
		approx[2+i] = res.Value
	}
	return tt, approx
}

// signed are the signed values of §7.3 at α = 0.1, S = 100: TT / 1FD / 1Ex / 2FD / 2Ex.
var signed = map[float64][5]float64{
	0.001: {852.8981, 852.8912, 852.8911, 852.8983, 852.8982},
	0.016: {843.9259, 842.5440, 842.5208, 844.3682, 844.3431},
	0.256: {778.7003, 682.8143, 676.5953, 1152.0572, 1143.1121},
	1.024: {686.7013, 260.6077, 145.6340, 6539.8527, 7609.9016},
}

// TestInventoryTables reproduces every cell of Tables 4–6 (S = 100) of the paper, as the
// digest's reconstruction does (§7.2–7.3): TT, then the percent errors of the first- and
// second-order approximations with FD (j = ⌈1/(1 − e^{−α})⌉) and exact derivatives, to
// ±1e-4 in the printed units (the printed values are rounded to 4 decimals), and at α = 0.1
// the signed values of §7.3. The state set is the union of the states reached at the
// sampled times: at t = 0 the probability of reaching stock 0 rounds to 0 (P(D ≥ 40) at
// λ = 1), and leaving that state out moves the 2nd FD cell at ε = 1.024 by 2e-4.
func TestInventoryTables(t *testing.T) {
	t.Parallel()
	tables := []struct {
		alpha float64
		rows  []invRow
	}{
		{0.1, []invRow{
			{853.5824, 0, 0, 0, 0},
			{852.8980, 0.0008, 0.0008, 0.0000, 0.0000},
			{850.9225, 0.0122, 0.0124, 0.0011, 0.0010},
			{843.9259, 0.1637, 0.1665, 0.0524, 0.0494},
			{823.6448, 1.6917, 1.7372, 1.8612, 1.8027},
			{778.7003, 12.3135, 13.1122, 47.9461, 46.7974},
			{686.7012, 62.0493, 78.7922, 852.3577, 1008.1822}}},
		{0.5, []invRow{
			{151.2317, 0, 0, 0, 0},
			{151.2256, 0, 0, 0, 0},
			{151.2075, 0, 0, 0, 0},
			{151.1350, 0, 0, 0, 0},
			{150.8452, 0, 0, 0, 0},
			{149.6945, 0.0059, 0.0059, 0.0059, 0.0059},
			{145.5617, 0.3532, 0.3531, 0.3530, 0.3531}}},
		{1, []invRow{
			{58.2770, 0, 0, 0, 0},
			{58.2764, 0, 0, 0, 0},
			{58.2748, 0, 0, 0, 0},
			{58.2684, 0, 0, 0, 0},
			{58.2427, 0, 0, 0, 0},
			{58.1398, 0, 0, 0, 0},
			{57.7292, 0.0015, 0.0015, 0.0016, 0.0015}}},
	}
	for _, tab := range tables {
		for i, eps := range invEps {
			t.Run("", func(t *testing.T) {
				t.Parallel()
				tt, approx := inventory(t, 40, 100, tab.alpha, eps)
				row := tab.rows[i]
				near(t, "TT", tt, row[0], 1e-4)
				// Column order of the tables: 1st FD, 1st Exact, 2nd FD, 2nd Exact.
				for k, a := range approx {
					near(t, "percent error", 100*math.Abs(a-tt)/tt, row[1+k], 1e-4)
				}
				if want, ok := signed[eps]; ok && tab.alpha == 0.1 {
					near(t, "TT", tt, want[0], 1e-4)
					for k := range approx {
						near(t, "signed approximation", approx[k], want[1+k], 1e-4)
					}
				}
			})
		}
	}
}

// TestInventoryS10 checks κ0, c1, c2 of the reconstruction at S = 10 (digest §7.2, to 1e-6:
// the terms at ε are c_k ε^k exactly) and its TT column (to 1e-4).
func TestInventoryS10(t *testing.T) {
	t.Parallel()
	cases := []struct {
		alpha float64
		coef  [3]float64
		tt    []float64
	}{
		{0.1, [3]float64{64.156533, -74.535903, 22.979728}, []float64{64.1565, 64.0820, 63.8587, 62.9696, 59.5003, 47.9536, 27.0550}},
		{0.5, [3]float64{13.052555, -2.594929, 1.015966}, []float64{13.0526, 13.0500, 13.0422, 13.0113, 12.8902, 12.4363, 10.9630}},
		{1, [3]float64{5.920536, -0.416970, 0.121381}, []float64{5.9205, 5.9201, 5.9189, 5.9139, 5.8943, 5.8199, 5.5609}},
	}
	for _, c := range cases {
		t.Run("", func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			m := loadtest.Model(t, "@inventory", compiler.Options{Overrides: compiler.Overrides{"alpha": {c.alpha}, "eps": {1}}})
			res, err := Expand(ctx, m, m.Inputs(), "kappa", &Settings{Order: 2})
			if err != nil {
				t.Fatal(err)
			}
			for k, w := range c.coef {
				near(t, "coefficient", res.Terms[k], w, 1e-6)
			}
			for i, eps := range invEps {
				m := loadtest.Model(t, "@inventory", compiler.Options{Overrides: compiler.Overrides{"alpha": {c.alpha}, "eps": {eps}}})
				tt, _, err := Exact(ctx, m, m.Inputs(), "kappa", Settings{}.Limits)
				if err != nil {
					t.Fatal(err)
				}
				near(t, "TT", tt, c.tt[i], 1e-4)
			}
		})
	}
}
