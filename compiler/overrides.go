package compiler

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/mfcproject/mfc/lang"
	"github.com/mfcproject/mfc/lang/diag"
)

// Overrides maps parameter names to values that replace their defaults. A key is a name
// ("k", "lam": a scalar, or a whole array in row-major order) or one element
// ("G[1,2]"). The scale is overridden by its name like a parameter.
type Overrides map[string][]float64

// SplitOverrides splits one --set argument holding several assignments separated by commas,
// "k1=6,k2=0.5,G[1,2]=3", into its assignments. A comma splits only outside brackets and
// only when what follows it up to the next such comma has the form name=… or name[…]=…, so
// that "lam=[1, 2]" and "G[1,2]=3" stay whole and "x=1,2" stays one (malformed) assignment
// for ParseOverride to refuse. O(len(s)).
func SplitOverrides(s string) []string {
	var parts []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 && looksLikeAssignment(s[i+1:]) {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

// looksLikeAssignment reports whether s starts with an identifier, optionally indexed in
// brackets, followed by '='.
func looksLikeAssignment(s string) bool {
	s = strings.TrimLeft(s, " ")
	i := strings.IndexAny(s, "=[,")
	if i <= 0 || !lang.IsIdent(strings.TrimSpace(s[:i])) {
		return false
	}
	if s[i] == '[' {
		j := strings.IndexByte(s[i:], ']')
		if j < 0 {
			return false
		}
		rest := strings.TrimLeft(s[i+j+1:], " ")
		return strings.HasPrefix(rest, "=")
	}
	return s[i] == '='
}

// ParseOverride parses "name=value", "name=[v1, v2, ...]" (nested brackets allowed, flattened
// row-major), "name[i,j]=value", and "name=true|false", as given to --set. The name must
// not be empty and every value must be a finite number: NaN and ±Inf are refused.
func ParseOverride(s string) (key string, vals []float64, err error) {
	eq := strings.IndexByte(s, '=')
	if eq >= 0 {
		key = strings.TrimSpace(s[:eq])
	}
	if key == "" {
		return "", nil, fmt.Errorf("--set %q: expected name=value", s)
	}
	// The name is an identifier, with indices in brackets for one element (spaces inside
	// the brackets are dropped): "bet a" is a mistake, not beta.
	name, idx := key, ""
	if i := strings.IndexByte(key, '['); i >= 0 {
		name, idx = key[:i], strings.Join(strings.Fields(key[i:]), "")
	}
	if !lang.IsIdent(strings.TrimSpace(name)) || (idx != "" && !strings.HasSuffix(idx, "]")) {
		return "", nil, fmt.Errorf("--set %q: %q is not a parameter name (name=value, name[i,j]=value)", s, key)
	}
	key = strings.TrimSpace(name) + idx
	v := strings.TrimSpace(s[eq+1:])
	// A value is one number, or a list in brackets, nested for arrays of several
	// dimensions, of numbers separated by commas; true and false are 1 and 0.
	var tok strings.Builder
	depth, expect := 0, true // expect: a value must come next
	flush := func() error {
		f := tok.String()
		tok.Reset()
		if f == "" {
			return nil
		}
		if !expect {
			return fmt.Errorf("--set %s: a comma must separate the values of %q", key, v)
		}
		expect = false
		switch f {
		case "true":
			vals = append(vals, 1)
		case "false":
			vals = append(vals, 0)
		default:
			x, perr := strconv.ParseFloat(f, 64)
			if perr != nil || math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("--set %s: %q is not a finite number", key, f)
			}
			vals = append(vals, x)
		}
		return nil
	}
	for _, r := range v {
		switch {
		case r == '[':
			if err := flush(); err != nil {
				return "", nil, err
			}
			if !expect {
				return "", nil, fmt.Errorf("--set %s: a comma must separate the values of %q", key, v)
			}
			depth++
		case r == ']' || r == ',':
			if tok.Len() == 0 && expect && !(r == ']' && depth > 0) {
				return "", nil, fmt.Errorf("--set %s: a value is missing in %q", key, v)
			}
			if err := flush(); err != nil {
				return "", nil, err
			}
			if r == ']' {
				if depth--; depth < 0 {
					return "", nil, fmt.Errorf("--set %s: unbalanced ']' in %q", key, v)
				}
			} else {
				expect = true
			}
		case r == ' ' || r == '\t':
			if err := flush(); err != nil {
				return "", nil, err
			}
		default:
			tok.WriteRune(r)
		}
	}
	if err := flush(); err != nil {
		return "", nil, err
	}
	if depth != 0 {
		return "", nil, fmt.Errorf("--set %s: unclosed '[' in %q", key, v)
	}
	if len(vals) == 0 {
		return "", nil, fmt.Errorf("--set %s: no value given", key)
	}
	if expect {
		return "", nil, fmt.Errorf("--set %s: a value is missing in %q", key, v)
	}
	return key, vals, nil
}

// splitKey separates "G[1,2]" into "G" and its indices.
func splitKey(key string) (string, []int, error) {
	i := strings.IndexByte(key, '[')
	if i < 0 {
		return key, nil, nil
	}
	if !strings.HasSuffix(key, "]") {
		return "", nil, fmt.Errorf("malformed element %q", key)
	}
	var idx []int
	for _, p := range strings.Split(key[i+1:len(key)-1], ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil {
			return "", nil, fmt.Errorf("malformed element %q", key)
		}
		idx = append(idx, n)
	}
	return key[:i], idx, nil
}

// checkOverrides reports overrides of names that are not parameters or the scale.
func (c *compiler) checkOverrides() {
	keys := make([]string, 0, len(c.opts.Overrides))
	for k := range c.opts.Overrides {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		name, _, err := splitKey(k)
		at := diag.Pos{File: "--set"}
		if err != nil {
			c.errorf(at, "E201", "write name=value or name[i,j]=value", "--set %s: %v", k, err)
			continue
		}
		s, ok := c.syms[name]
		switch {
		case !ok:
			hint := "only parameters and the scale can be set"
			c.seq = 1 << 30
			if g := c.suggest(name, symParam, symScale); g != nil {
				hint = fmt.Sprintf("did you mean '%s' (%s)?", g.name, g.describe())
			}
			c.errorf(at, "E201", hint, "--set %s: unknown parameter '%s'", k, name)
		case s.kind != symParam && s.kind != symScale:
			c.errorf(at, "E201", "only parameters and the scale can be set", "--set %s: '%s' is a %s, not a parameter", k, name, s.kind)
		}
	}
}
