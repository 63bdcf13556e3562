package lang

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// bnModel generates a model with n transitions in a mix of forms, every name declared.
func bnModel(n int) []byte {
	var b strings.Builder
	b.WriteString("model bench\ntime continuous\nscale N = 1000\nenv E { lo, hi }\n")
	for i := 0; i < 10; i++ {
		fmt.Fprintf(&b, "param k%d = 0.%d, m%d = %d.5e-1\n", i, i+1, i, i+1)
		fmt.Fprintf(&b, "species A%d, B%d, C%d\n", i, i, i)
	}
	b.WriteString("species Q[1..4]\n")
	for i := 0; i < n; i++ {
		a, c, k := i%10, (i*7+3)%10, (i*3)%10
		switch i % 6 {
		case 0:
			fmt.Fprintf(&b, "r%d: A%d + 2B%d -> C%d when A%d > 0 @ k%d * A%d * B%d / N\n", i, a, c, k, a, k, a, c)
		case 1:
			fmt.Fprintf(&b, "A%d <-> 2C%d @ k%d * A%d, m%d * C%d * (C%d - 1) / N\n", a, c, k, a, k, c, c)
		case 2:
			fmt.Fprintf(&b, "r%d: 0 -> B%d when E == hi and B%d < N @ m%d * N * (1 - B%d / N)^2\n", i, a, a, k, a)
		case 3:
			fmt.Fprintf(&b, "r%d: C%d -> 0 set E = lo when E == hi @ if C%d > 10 then k%d * C%d else m%d\n", i, a, a, k, a, k)
		case 4:
			fmt.Fprintf(&b, "k%d A%d + B%d -> Q[%d] @ min(k%d * A%d, m%d * B%d) + max(0, -k%d)\n", k, a, c, i%4+1, k, a, k, c, k)
		case 5:
			fmt.Fprintf(&b, "r%d: set E = hi when E == lo @ sum(j in 1..4: Q[j]) * k%d / N  # switch %d\n", i, k, i)
		}
	}
	return []byte(b.String())
}

func TestBenchModelParses(t *testing.T) {
	f, ds := Parse("bench.mf", bnModel(120))
	if len(ds) > 0 {
		t.Fatalf("generated model has diagnostics:\n%s", ds.Error())
	}
	if got := Count(f).Transitions; got != 140 { // 20 of the 120 are reversible pairs
		t.Errorf("counted %d transitions, want 140", got)
	}
}

// BenchmarkParse10kTransitions parses a generated file with 10 000 transitions.
func BenchmarkParse10kTransitions(b *testing.B) {
	src := bnModel(10000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, ds := Parse("bench.mf", src); len(ds) > 0 {
			b.Fatal(ds.Error())
		}
	}
}

// BenchmarkLex10kTransitions measures the lexer alone on the same file.
func BenchmarkLex10kTransitions(b *testing.B) {
	src := bnModel(10000)
	b.SetBytes(int64(len(src)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if lx := lex("bench.mf", src); len(lx.errs) > 0 {
			b.Fatal(lx.errs.Error())
		}
	}
}

// declModel generates n lines of each of 'param pK = K' and 'observable oK = S*K'.
func declModel(n int) []byte {
	var b strings.Builder
	b.WriteString("species S\ninit { S = 1 }\nd: S -> 0 @ S\n")
	for k := 0; k < n; k++ {
		fmt.Fprintf(&b, "param p%d = %d\nobservable o%d = S*%d\n", k, k, k, k)
	}
	return []byte(b.String())
}

// TestParseMemoryPerDeclaration bounds what Parse allocates per declaration: an operand is
// one node, not a chain of one wrapper per precedence level, and positions are compact (a
// 10 MB file of such lines must check within 2 s). It does not run in parallel: it reads
// the process's allocation counters.
func TestParseMemoryPerDeclaration(t *testing.T) {
	const n = 1000
	src := declModel(n)
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, ds := Parse("t.mf", src); len(ds) > 0 {
		t.Fatal(ds.Error())
	}
	runtime.ReadMemStats(&after)
	allocs := float64(after.Mallocs-before.Mallocs) / (2 * n)
	bytes := float64(after.TotalAlloc-before.TotalAlloc) / (2 * n)
	t.Logf("%.1f allocations and %.0f bytes per declaration", allocs, bytes)
	if allocs > 2 || bytes > 700 {
		t.Errorf("Parse takes %.1f allocations and %.0f bytes per declaration, want at most 2 and 700", allocs, bytes)
	}
}

// TestReadSourceMemory checks that reading a model file allocates about its size once, not
// the doubling buffers of io.ReadAll (of a 10 MB file, 30 MB copied as it grows).
func TestReadSourceMemory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "big.mf")
	if err := os.WriteFile(path, declModel(20000), 0o644); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	src, d := ReadSource(path, 0)
	runtime.ReadMemStats(&after)
	if d != nil || int64(len(src)) != fi.Size() {
		t.Fatalf("ReadSource: %d bytes, %v; want %d", len(src), d, fi.Size())
	}
	if got := after.TotalAlloc - before.TotalAlloc; float64(got) > 1.2*float64(fi.Size()) {
		t.Errorf("reading %d bytes allocates %d", fi.Size(), got)
	}
}
