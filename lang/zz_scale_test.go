package lang

import (
	"testing"
	"time"
)

func TestZZScale(t *testing.T) {
	for _, n := range []int{300, 600, 1200, 2400} {
		src := bnModel(n)
		t0 := time.Now()
		Parse("b.mf", src)
		t.Logf("n=%d %v", n, time.Since(t0))
	}
}
