package refine

import (
	"context"
	"testing"

	"github.com/mfcproject/mfc/compiler"
	"github.com/mfcproject/mfc/runtime/load/loadtest"
)

func BenchmarkStationaryJSQK1000(b *testing.B) {
	m := loadtest.Model(b, "@jsq", compiler.Options{Overrides: compiler.Overrides{"K": {1000}}})
	in := m.Inputs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Stationary(context.Background(), m, in, nil); err != nil {
			b.Fatal(err)
		}
	}
}
