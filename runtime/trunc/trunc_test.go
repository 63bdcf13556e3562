package trunc

import "testing"

// TestHelpersStructure checks the test constructors against the digest's structure of the
// toggle truncation at L = 24 (seed-003 §5.2, acceptance 17): 300 states, 24 in-boundary
// states, levels of sizes 1..24, rows summing to −q_o.
func TestHelpersStructure(t *testing.T) {
	tr := toggleTruncation(24, 20)
	if err := tr.Check(); err != nil {
		t.Fatal(err)
	}
	if n := tr.NumStates(); n != 300 {
		t.Errorf("|S| = %d, want 300", n)
	}
	if n := len(tr.In); n != 24 {
		t.Errorf("|B_i| = %d, want 24", n)
	}
	if n := len(tr.OutBoundary()); n != 24 {
		t.Errorf("|B_o| = %d, want 24", n)
	}
	for l, s := range tr.LevelSizes() {
		if s != l+1 {
			t.Errorf("level %d has %d states, want %d", l, s, l+1)
		}
	}
	if got := tr.Index([]int32{3, 4}); got < 0 || tr.StateString(got) != "P1=3, P2=4" {
		t.Errorf("Index(3,4) = %d (%s)", got, tr.StateString(got))
	}
	bd := birthDeathTruncation(10, func(float64) float64 { return 1 }, func(x float64) float64 { return x })
	if err := bd.Check(); err != nil {
		t.Fatal(err)
	}
	if len(bd.In) != 1 || bd.In[0] != 9 || len(bd.Exits) != 1 || bd.Exits[0].From != 9 {
		t.Errorf("birth–death: B_i = %v, exits %v", bd.In, bd.Exits)
	}
}
