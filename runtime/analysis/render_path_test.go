package analysis

import (
	"errors"
	"math"
	"reflect"
	"slices"
	"testing"
)

// pathCell and pathReport nest every kind walk goes through: slices of structs, matrices,
// maps, pointers, interfaces, a field without a JSON tag, and one left out.
type pathCell struct {
	Val  Maybe       `json:"val"`
	Grid [][]float64 `json:"grid"`
}

type pathReport struct {
	Rows   []pathCell           `json:"rows"`
	By     map[string]*pathCell `json:"by"`
	Any    any                  `json:"any"`
	Plain  float64
	Hidden float64 `json:"-"`
}

// The paths of non-finite numbers (CheckFinite) and of missing values (collectMissing) are
// printed in the JSON form's terms, as written literally here, whatever the depth.
func TestRenderPaths(t *testing.T) {
	t.Parallel()
	cell := func(bad [2]int, v Maybe) pathCell {
		g := [][]float64{{1, 2, 3}, {4, 5, 6}}
		if bad[0] >= 0 {
			g[bad[0]][bad[1]] = math.Inf(-1)
		}
		return pathCell{Val: v, Grid: g}
	}
	none := [2]int{-1, -1}
	tests := []struct {
		rep         *pathReport
		nonFinite   string
		missing     []string
		missingOnly bool
	}{
		{rep: &pathReport{Rows: []pathCell{cell(none, Known(1)), cell([2]int{1, 2}, Known(1))}}, nonFinite: "rows[1].grid[1][2]"},
		{rep: &pathReport{By: map[string]*pathCell{"b": cellPtr(cell(none, Missing("r"))), "a": cellPtr(cell(none, Known(math.NaN())))}},
			nonFinite: "by[a].val", missing: []string{"by[b].val"}},
		{rep: &pathReport{Any: []pathCell{cell(none, Missing("r")), cell(none, Missing("s"))}, Plain: math.NaN()},
			nonFinite: "any[0].grid[0][0]", missing: []string{"any[0].val", "any[1].val"}},
		{rep: &pathReport{Plain: math.Inf(1)}, nonFinite: "Plain"},
		{rep: &pathReport{Hidden: math.NaN(), Rows: []pathCell{cell(none, Missing("r"))}}, missing: []string{"rows[0].val"}},
	}
	for i, tc := range tests {
		if i == 2 {
			tc.rep.Any.([]pathCell)[0].Grid[0][0] = math.NaN()
		}
		err := CheckFinite(tc.rep)
		var nf *NonFiniteError
		switch {
		case tc.nonFinite == "" && err != nil:
			t.Errorf("case %d: %v, want none", i, err)
		case tc.nonFinite != "" && (!errors.As(err, &nf) || nf.Path != tc.nonFinite):
			t.Errorf("case %d: err = %v, want a NonFiniteError at %s", i, err, tc.nonFinite)
		}
		var got [][2]string
		collectMissing(reflect.ValueOf(tc.rep), "", &got)
		var paths []string
		for _, m := range got {
			paths = append(paths, m[0])
		}
		if !slices.Equal(paths, tc.missing) {
			t.Errorf("case %d: missing at %v, want %v", i, paths, tc.missing)
		}
	}
}

func cellPtr(c pathCell) *pathCell { return &c }

// mayHoldMaybe prunes the types without a Maybe and keeps those with one at any depth.
func TestMayHoldMaybe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    any
		want bool
	}{
		{[][]float64{}, false}, {struct{ X []int }{}, false}, {pathCell{}, true},
		{map[string][]*pathCell{}, true}, {[]any{}, true}, {struct{ x Maybe }{}, false},
	} {
		if got := mayHoldMaybe(reflect.TypeOf(tc.v)); got != tc.want {
			t.Errorf("%T: %v, want %v", tc.v, got, tc.want)
		}
	}
}
