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
	s := strings.Replace(string(src), "param K     = 100", fmt.Sprintf("param K     = %d", k), 1)
	if s == string(src) && k != 100 {
		tb.Fatal("cannot set K in examples/jsq.mf")
	}
	return []byte(s)
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
