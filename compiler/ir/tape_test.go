package ir

import (
	"math"
	"testing"
)

// TestSameFixed: SameFixed holds for the record of the same parameters, time and scale and
// fails on any change, bit for bit (−0 against +0), and on an empty record.
func TestSameFixed(t *testing.T) {
	t.Parallel()
	in := &Inputs{Params: []float64{1, 0}, Time: 2, Scale: 100, Counts: []float64{3}}
	f := in.AppendFixed(nil)
	if !in.SameFixed(f) {
		t.Fatal("the record of in does not match in")
	}
	in.Counts[0] = 7 // the state is not part of the record
	if !in.SameFixed(f) {
		t.Error("a change of the state breaks the match")
	}
	for name, change := range map[string]func(x *Inputs){
		"param":  func(x *Inputs) { x.Params = []float64{1, math.Copysign(0, -1)} },
		"time":   func(x *Inputs) { x.Time = math.Nextafter(2, 3) },
		"scale":  func(x *Inputs) { x.Scale = 101 },
		"params": func(x *Inputs) { x.Params = []float64{1} },
	} {
		x := *in
		change(&x)
		if x.SameFixed(f) {
			t.Errorf("%s changed: still the same", name)
		}
	}
	if in.SameFixed(nil) {
		t.Error("an empty record matches")
	}
}
