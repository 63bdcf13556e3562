package ctmc

// Expectation returns Σ_s π_s f(n_s, y_s), where n_s are the counts of state s as float64
// and y_s its environment index. States with π_s = 0 are skipped. The counts slice passed
// to f is reused between calls. O(S·d) plus the cost of f.
func Expectation(c *Chain, pi []float64, f func(counts []float64, env int) float64) float64 {
	buf := make([]float64, c.Dim)
	s := 0.0
	for i, p := range pi {
		if p == 0 {
			continue
		}
		for k, v := range c.Counts(i) {
			buf[k] = float64(v)
		}
		s += p * f(buf, c.Env(i))
	}
	return s
}

// MeanCounts returns E_π[n_i] for every species i.
func MeanCounts(c *Chain, pi []float64) []float64 {
	m := make([]float64, c.Dim)
	for i, p := range pi {
		if p == 0 {
			continue
		}
		for k, v := range c.Counts(i) {
			m[k] += p * float64(v)
		}
	}
	return m
}

// EnvLaw returns the stationary marginal law of the environment: P_π(y) for every index y
// into Model.IR.Env.Space (a single entry 1 for a model without environment).
func EnvLaw(c *Chain, pi []float64) []float64 {
	n := len(c.Model.IR.Env.Space)
	if n == 0 {
		n = 1
	}
	law := make([]float64, n)
	for i, p := range pi {
		law[c.Env(i)] += p
	}
	return law
}
