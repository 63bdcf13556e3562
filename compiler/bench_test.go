package compiler

import (
	"fmt"
	"strings"
	"testing"

	"github.com/mfcproject/mfc/stdlib/models"
)

// jsqSource returns the library's JSQ(d) model (@jsq) with buffer size k.
func jsqSource(tb testing.TB, k int) []byte {
	lib, err := models.Get("jsq")
	if err != nil {
		tb.Fatal(err)
	}
	src := lib.Source
	s := strings.Replace(string(src), "param K     = 100", fmt.Sprintf("param K     = %d", k), 1)
	if s == string(src) && k != 100 {
		tb.Fatal("cannot set K in @jsq")
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
