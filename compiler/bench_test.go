package compiler

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// jsqSource returns the JSQ(d) model of examples/jsq.mf with buffer size k.
func jsqSource(tb testing.TB, k int) []byte {
	src, err := os.ReadFile("../examples/jsq.mf")
	if err != nil {
		tb.Fatal(err)
	}
	return []byte(strings.Replace(string(src), "param K   = 100", fmt.Sprintf("param K   = %d", k), 1))
}

// networkSource generates a reaction network with d species and r reactions of the mass-action
// kind, each with a rate parameter.
func networkSource(d, r int) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "model net\nscale N = 1000\nparam k[1..%d] = 1\nspecies X[1..%d]\n", r, d)
	for j := 0; j < r; j++ {
		a, c, e := j%d+1, (j*7+3)%d+1, (j*13+5)%d+1
		switch j % 3 {
		case 0:
			fmt.Fprintf(&b, "r%d: X[%d] -> X[%d] @ k[%d] * X[%d]\n", j, a, c, j+1, a)
		case 1:
			fmt.Fprintf(&b, "r%d: X[%d] + X[%d] -> X[%d] @ k[%d] * X[%d] * X[%d] / N\n", j, a, c, e, j+1, a, c)
		default:
			fmt.Fprintf(&b, "r%d: 0 -> X[%d] @ N * k[%d]\n", j, a, j+1)
		}
	}
	return []byte(b.String())
}

func BenchmarkCompileJSQ(b *testing.B) {
	for _, k := range []int{100, 1000} {
		src := jsqSource(b, k)
		b.Run(fmt.Sprint("K=", k), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				if _, errs := CompileSource("jsq.mf", src, Options{}); errs.HasErrors() {
					b.Fatal(errs)
				}
			}
		})
	}
}

func BenchmarkCompileNetwork(b *testing.B) {
	src := networkSource(1000, 10000)
	for i := 0; i < b.N; i++ {
		if _, errs := CompileSource("net.mf", src, Options{}); errs.HasErrors() {
			b.Fatal(errs)
		}
	}
}
