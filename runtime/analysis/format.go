package analysis

import "fmt"

// eigenText formats eigenvalues given as [re, im] pairs, by decreasing real part; beyond
// maxEigenText of them it prints the first ones and the count (JSON has them all).
func eigenText(ev [][2]float64) string {
	s := ""
	for i, e := range ev {
		if i == maxEigenText {
			s += fmt.Sprintf(" … (%d in all; the JSON output lists them)", len(ev))
			break
		}
		if e[1] == 0 {
			s += fmt.Sprintf(" %.6g", e[0])
		} else {
			s += fmt.Sprintf(" %.6g%+.6gi", e[0], e[1])
		}
	}
	return s
}

// maxEigenText is the number of eigenvalues printed in text output.
const maxEigenText = 12

func eigenPairs(ev []complex128) [][2]float64 {
	out := make([][2]float64, len(ev))
	for i, e := range ev {
		out[i] = [2]float64{real(e), imag(e)}
	}
	return out
}
