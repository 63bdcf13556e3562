package ssa

import (
	"math/rand/v2"
	"testing"
)

// TestPCGStreams checks the simulator's generator against math/rand/v2, its reference:
// the same Uint64, Float64 and ExpFloat64 draws, bit for bit, from several seeds (10⁵
// mixed draws each reach the ziggurat's rare tail and wedge branches many times).
func TestPCGStreams(t *testing.T) {
	t.Parallel()
	for _, seed := range [][2]uint64{{0, 0}, {1, 2}, {splitmix64(7), splitmix64(8)}, {^uint64(0), 12345}} {
		ref := rand.New(rand.NewPCG(seed[0], seed[1]))
		var p pcg
		p.Seed(seed[0], seed[1])
		for i := 0; i < 100000; i++ {
			var a, b float64
			switch i % 3 {
			case 0:
				a, b = ref.ExpFloat64(), p.ExpFloat64()
			case 1:
				a, b = ref.Float64(), p.Float64()
			default:
				x, y := ref.Uint64(), p.Uint64()
				a, b = float64(x), float64(y)
				if x != y {
					a, b = 0, 1
				}
			}
			if a != b {
				t.Fatalf("seed %v, draw %d: math/rand/v2 gives %v, pcg %v", seed, i, a, b)
			}
		}
	}
}
