package load_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

// An initial density that rounds to the count 0 is refused (E807, at the density) when no
// transition can then produce the species: SIS without importation with I = 0.001 at N = 10
// and 100. At N = 1000 the count is 1; with importation (the library's SIRS at N = 3, where
// I = 0.1 rounds to 0) the species is produced; a count 0 asked for in 'init { ... }' is
// kept; all three load.
func TestEmptiedByRounding(t *testing.T) {
	t.Parallel()
	rare := loadtest.Path("testdata/qsd/sis_rare.mf")
	for _, tc := range []struct {
		name, path string
		src        string
		n          float64
		want       string // "" for no error
	}{
		{"N=10", rare, "", 10, "sis_rare.mf:9:31: error[E807]: initial density 0.001 of 'I' rounds to the count 0 at N = 10"},
		{"N=100", rare, "", 100, "raise N to at least 500"},
		{"N=1000", rare, "", 1000, ""},
		{"importation", "@sir", "", 3, ""},
		{"asked for", "", "model z\nscale N = 10\nspecies S, I\ninfect: S + I -> 2I @ S * I / N\ninit { S = 10, I = 0 }\n", 10, ""},
	} {
		var got string
		var ok bool
		if tc.src != "" {
			m, d := load.Source("z.mf", []byte(tc.src), compiler.Options{Scale: tc.n})
			got, ok = fmt.Sprint(d), m != nil
		} else {
			m, d := load.File(tc.path, compiler.Options{Scale: tc.n})
			got, ok = fmt.Sprint(d), m != nil
		}
		if tc.want == "" && !ok || tc.want != "" && (ok || !strings.Contains(got, tc.want)) {
			t.Errorf("%s: loaded %v, diagnostics:\n%s\nwant %q", tc.name, ok, got, tc.want)
		}
	}
}
