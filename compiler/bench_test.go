package compiler

import (
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/stdlib/models"
)

// BenchmarkCompileJSQ compiles the library's JSQ(d) model (@jsq) with buffer size K = 100,
// 1000 and 8000 (K set by Options.Overrides, as --set does): the time should grow linearly
// in K (the K horizons of level_t1 were each evaluated on a tape of the whole graph before
// evalConstNode's memo: 3.0 s at K = 8000 for 'mfc check', now 0.24 s).
func BenchmarkCompileJSQ(b *testing.B) {
	lib, err := models.Get("jsq")
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range []int{100, 1000, 8000} {
		opts := Options{Overrides: Overrides{"K": {float64(k)}}}
		b.Run(fmt.Sprint("K=", k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				m, errs := CompileSource("jsq.mf", lib.Source, opts)
				if errs.HasErrors() {
					b.Fatal(errs)
				}
				if len(m.Species) != k {
					b.Fatalf("%d species, want %d", len(m.Species), k)
				}
			}
		})
	}
}

// bigModel generates a valid model of about size bytes: a one-species decay followed by
// declarations line(K) for K = 0, 1, 2, ... (the shape of the largest files 'mfc check'
// must accept within its time budget).
func bigModel(size int, line func(k int) string) []byte {
	var b strings.Builder
	b.Grow(size + 64)
	b.WriteString("species S\ninit { S = 1 }\nd: S -> 0 @ S\n")
	for k := 0; ; k++ {
		l := line(k)
		if b.Len()+len(l) > size {
			break
		}
		b.WriteString(l)
	}
	return []byte(b.String())
}

// BenchmarkCheck10MB compiles 10 MB files made of parameters or of observables, as
// 'mfc check' does (which must take under 2 s).
func BenchmarkCheck10MB(b *testing.B) {
	for _, c := range []struct {
		name string
		line func(k int) string
	}{
		{"params", func(k int) string { return fmt.Sprintf("param p%d = %d\n", k, k) }},
		{"obs", func(k int) string { return fmt.Sprintf("observable o%d = S*%d\n", k, k) }},
		{"expr", func(k int) string {
			return fmt.Sprintf("observable o%d = (S + %d) * (S - 1) / 2 + max(S, %d)\n", k, k, k)
		}},
	} {
		src := bigModel(10<<20, c.line)
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(src)))
			for i := 0; i < b.N; i++ {
				if _, errs := CompileSource("big.mf", src, Options{}); errs.HasErrors() {
					b.Fatal(errs[0])
				}
			}
		})
	}
}

// TestCompileMemoryPerDeclaration bounds what compiling costs per declaration, parsing
// included, on parameters and observables (the lines of the largest files BenchmarkCheck10MB
// compiles). It does not run in parallel: it reads the process's allocation counters.
func TestCompileMemoryPerDeclaration(t *testing.T) {
	const n = 2000
	var b strings.Builder
	b.WriteString("species S\ninit { S = 1 }\nd: S -> 0 @ S\n")
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "param p%d = %d\nobservable o%d = S*%d\n", k, k, k, k)
	}
	src := []byte(b.String())
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, errs := CompileSource("t.mf", src, Options{}); errs.HasErrors() {
		t.Fatal(errs[0])
	}
	runtime.ReadMemStats(&after)
	allocs := float64(after.Mallocs-before.Mallocs) / (2 * n)
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / (2 * n)
	t.Logf("%.1f allocations and %.0f bytes per declaration", allocs, bytes)
	if allocs > 4.5 || bytes > 2400 {
		t.Errorf("compiling takes %.1f allocations and %.0f bytes per declaration, want at most 4.5 and 2400", allocs, bytes)
	}
}
