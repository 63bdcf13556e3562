package analysis

import (
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
)

// DefineFlags adds to fs one flag per field of the settings struct *s that has a `flag`
// tag (fields of embedded structs included), bound to the field, with the field's current
// value as the default and its `usage` tag, followed by its `range` tag, as the help text;
// an `alias` tag adds a second name for the same flag (an older spelling).
// Lists of numbers take comma-separated positive values (Scales). Parsing checks only the
// syntax of a value: CheckSettings checks the ranges.
func DefineFlags(fs *flag.FlagSet, s any) {
	v := reflect.ValueOf(s).Elem()
	for _, f := range reflect.VisibleFields(v.Type()) {
		name := f.Tag.Get("flag")
		if name == "" {
			continue
		}
		usage := f.Tag.Get("usage")
		if r, ok := f.Tag.Lookup("range"); ok {
			usage += " (range " + mustRange(v.Type(), f, r).String() + ")"
		}
		switch p := v.FieldByIndex(f.Index).Addr().Interface().(type) {
		case *int:
			fs.Var((*intValue)(p), name, usage)
		case *uint64:
			fs.Uint64Var(p, name, *p, usage)
		case *float64:
			fs.Float64Var(p, name, *p, usage)
		case *string:
			fs.StringVar(p, name, *p, usage)
		case *bool:
			fs.BoolVar(p, name, *p, usage)
		case *[]float64:
			fs.Var((*Scales)(p), name, usage)
		case *[]string:
			// A list of names (tag list:"names") splits at commas; other repeated
			// flags keep each value whole (--seed S1=3,S2=4).
			if f.Tag.Get("list") == "names" {
				fs.Var((*Names)(p), name, usage)
			} else {
				fs.Var((*Repeated)(p), name, usage+" (repeatable)")
			}
		default:
			panic(fmt.Sprintf("analysis: settings field %s.%s has a flag tag but type %s", v.Type().Name(), f.Name, f.Type))
		}
		if alias := f.Tag.Get("alias"); alias != "" {
			fs.Var(fs.Lookup(name).Value, alias, "the same as --"+name)
		}
	}
}

// CheckSettings checks the settings struct *s as the command line and Analysis.Run do:
// every numeric field with a `flag` tag must lie in the set of its `range` tag, every float
// must be finite (NaN and ±Inf are refused whatever the range), and then the struct's own
// Check method, if it has one, must pass. The error is a *UsageError naming the flag and
// the value, such as "--steps -1: must be an integer in [1, 1000000]".
//
// A range tag is an interval, "[1,1e6]", "(0,1)" or "[0,inf)" (inf: no upper bound; the
// value stays finite), optionally preceded by single values that mean something else,
// documented in the usage tag: "-1|[0,inf)" also admits -1.
func CheckSettings(s any) error {
	v := reflect.ValueOf(s)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("settings of type %T are not a pointer to a struct", s)
	}
	v = v.Elem()
	for _, f := range reflect.VisibleFields(v.Type()) {
		name := f.Tag.Get("flag")
		if name == "" {
			continue
		}
		r := valueRange{lo: math.Inf(-1), hi: math.Inf(1), loOpen: true, hiOpen: true}
		if tag, ok := f.Tag.Lookup("range"); ok {
			r = mustRange(v.Type(), f, tag)
		}
		switch x := v.FieldByIndex(f.Index).Interface().(type) {
		case int:
			if !r.contains(float64(x)) {
				return usageErrorf("--%s %d: must be %s", name, x, r.describe("an integer"))
			}
		case float64:
			if !r.contains(x) {
				return usageErrorf("--%s %s: must be %s", name, formatNumber(x), r.describe("a finite number"))
			}
		case []float64:
			for _, e := range x {
				if !r.contains(e) {
					return usageErrorf("--%s %s: each value must be %s", name, formatNumber(e), r.describe("a finite number"))
				}
			}
		}
	}
	if c, ok := s.(interface{ Check() error }); ok {
		return c.Check()
	}
	return nil
}

// valueRange is the set of values a `range` tag admits: an interval and single values.
type valueRange struct {
	lo, hi         float64
	loOpen, hiOpen bool
	also           []float64
}

// parseRange parses a range tag (see CheckSettings).
func parseRange(tag string) (valueRange, error) {
	var r valueRange
	parts := strings.Split(tag, "|")
	for _, p := range parts[:len(parts)-1] {
		x, err := strconv.ParseFloat(strings.TrimSpace(p), 64)
		if err != nil || math.IsNaN(x) || math.IsInf(x, 0) {
			return r, fmt.Errorf("bad single value %q", p)
		}
		r.also = append(r.also, x)
	}
	iv := strings.TrimSpace(parts[len(parts)-1])
	if len(iv) < 5 || !strings.Contains("[(", iv[:1]) || !strings.Contains("])", iv[len(iv)-1:]) {
		return r, fmt.Errorf("bad interval %q", iv)
	}
	lo, hi, ok := strings.Cut(iv[1:len(iv)-1], ",")
	if !ok {
		return r, fmt.Errorf("bad interval %q", iv)
	}
	var err1, err2 error
	r.lo, err1 = strconv.ParseFloat(strings.TrimSpace(lo), 64)
	r.hi, err2 = strconv.ParseFloat(strings.TrimSpace(hi), 64)
	if err1 != nil || err2 != nil || math.IsNaN(r.lo) || math.IsNaN(r.hi) || !(r.lo < r.hi) {
		return r, fmt.Errorf("bad interval %q", iv)
	}
	r.loOpen, r.hiOpen = iv[0] == '(', iv[len(iv)-1] == ')'
	if math.IsInf(r.lo, 0) && !r.loOpen || math.IsInf(r.hi, 0) && !r.hiOpen {
		return r, fmt.Errorf("an infinite bound must be open in %q", iv)
	}
	return r, nil
}

// mustRange parses the range tag of field f of struct type t; a malformed tag is a
// programming error.
func mustRange(t reflect.Type, f reflect.StructField, tag string) valueRange {
	r, err := parseRange(tag)
	if err != nil {
		panic(fmt.Sprintf("analysis: settings field %s.%s: range tag: %v", t.Name(), f.Name, err))
	}
	return r
}

// contains reports whether x is in the range; NaN and ±Inf never are.
func (r valueRange) contains(x float64) bool {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return false
	}
	for _, a := range r.also {
		if x == a {
			return true
		}
	}
	return (x > r.lo || !r.loOpen && x == r.lo) && (x < r.hi || !r.hiOpen && x == r.hi)
}

// describe says what the range admits: "an integer in [1, 1000000]", "-1 or a finite
// number in [0, inf)".
func (r valueRange) describe(kind string) string {
	s := ""
	for _, a := range r.also {
		s += formatNumber(a) + " or "
	}
	return s + kind + " in " + r.interval()
}

// String is the range in mathematical notation, single values first: "0 or [2, 100000]".
func (r valueRange) String() string {
	s := ""
	for _, a := range r.also {
		s += formatNumber(a) + " or "
	}
	return s + r.interval()
}

// interval is the interval of the range: "[2, 100000]", "(0, inf)".
func (r valueRange) interval() string {
	var b strings.Builder
	b.WriteString(map[bool]string{true: "(", false: "["}[r.loOpen])
	b.WriteString(formatNumber(r.lo) + ", " + formatNumber(r.hi))
	b.WriteString(map[bool]string{true: ")", false: "]"}[r.hiOpen])
	return b.String()
}

// formatNumber prints a number of a flag or range: integers in full up to 10¹⁵, others
// in the shortest form that reads back, ±inf and NaN as such.
func formatNumber(x float64) string {
	switch {
	case math.IsInf(x, 1):
		return "inf"
	case math.IsInf(x, -1):
		return "-inf"
	case x == math.Trunc(x) && math.Abs(x) < 1e15:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return strconv.FormatFloat(x, 'g', -1, 64)
}

// SetFlag sets the field of the settings struct *s whose `flag` tag is name to value, parsed
// as the command line would (DefineFlags).
func SetFlag(s any, name, value string) error {
	v := reflect.ValueOf(s)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("settings of type %T are not a pointer to a struct", s)
	}
	fs := flag.NewFlagSet("settings", flag.ContinueOnError)
	DefineFlags(fs, s)
	if fs.Lookup(name) == nil {
		return fmt.Errorf("no setting --%s", name)
	}
	if err := fs.Set(name, value); err != nil {
		return fmt.Errorf("--%s %s: %v", name, value, err)
	}
	return nil
}

// Scales is a flag value holding positive numbers: one, or a comma-separated list such as
// 10,20,40,80 (setting it again appends). mfc's --N and the list-valued settings use it.
type Scales []float64

// String joins the values with commas.
func (s *Scales) String() string {
	parts := make([]string, len(*s))
	for i, v := range *s {
		parts[i] = strconv.FormatFloat(v, 'g', -1, 64)
	}
	return strings.Join(parts, ",")
}

// Set parses one value or a comma-separated list.
func (s *Scales) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		x, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || !(x > 0) || math.IsInf(x, 0) {
			return fmt.Errorf("expected a positive number or a list like 10,20,40, got %q", f)
		}
		*s = append(*s, x)
	}
	return nil
}

// Repeated collects the values of a repeatable flag (such as --seed), in order.
type Repeated []string

// String joins the values with spaces.
func (r *Repeated) String() string { return strings.Join(*r, " ") }

// Set appends one value.
func (r *Repeated) Set(v string) error {
	*r = append(*r, v)
	return nil
}

// Names is a repeatable flag of names: each use appends one name or a comma-separated list.
type Names []string

// String joins the names with commas.
func (s *Names) String() string { return strings.Join(*s, ",") }

// Set appends the comma-separated names of v.
func (s *Names) Set(v string) error {
	for _, f := range strings.Split(v, ",") {
		if f = strings.TrimSpace(f); f != "" {
			*s = append(*s, f)
		}
	}
	return nil
}

// Quantity returns one number of a report, named by its path in the report's JSON form:
// keys and array indices separated by dots, such as "fixed_point.1", "W.0.1" or
// "measures.loss_ss"; "observables[name=infected].refined1" selects the element of an array
// whose field name has that value.
func Quantity(rep Report, path string) (float64, error) {
	data, err := Render(rep, "json")
	if err != nil {
		return 0, err
	}
	var root any
	if err := json.Unmarshal(data, &root); err != nil {
		return 0, err
	}
	v := root
	for _, seg := range strings.Split(path, ".") {
		key, sel, _ := strings.Cut(seg, "[")
		if key != "" {
			v, err = step(v, key)
			if err != nil {
				return 0, fmt.Errorf("%s: %v", path, err)
			}
		}
		if sel != "" {
			field, want, ok := strings.Cut(strings.TrimSuffix(sel, "]"), "=")
			if !ok {
				return 0, fmt.Errorf("%s: expected [field=value] in %q", path, seg)
			}
			arr, _ := v.([]any)
			v = nil
			for _, e := range arr {
				if m, ok := e.(map[string]any); ok && fmt.Sprint(m[field]) == want {
					v = e
					break
				}
			}
			if v == nil {
				return 0, fmt.Errorf("%s: no element with %s = %s", path, field, want)
			}
		}
	}
	if v == nil {
		// A missing Maybe: Render lists its reason under "missing" by its path there.
		reason := "no value"
		if miss, ok := root.(map[string]any)["missing"].(map[string]any); ok {
			if r, ok := miss[renderPath(path)].(string); ok {
				reason = r
			}
		}
		return 0, fmt.Errorf("%s has no value: %s", path, reason)
	}
	x, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("%s is not a number", path)
	}
	return x, nil
}

// renderPath turns a path of Quantity ("W.0.1") into the form of Render's paths ("W[0][1]").
func renderPath(path string) string {
	var b strings.Builder
	for i, seg := range strings.Split(path, ".") {
		if _, err := strconv.Atoi(seg); err == nil {
			b.WriteString("[" + seg + "]")
			continue
		}
		if i > 0 {
			b.WriteString(".")
		}
		b.WriteString(seg)
	}
	return b.String()
}

// step descends into v by a map key or an array index.
func step(v any, key string) (any, error) {
	switch c := v.(type) {
	case map[string]any:
		x, ok := c[key]
		if !ok {
			return nil, fmt.Errorf("no key %q", key)
		}
		return x, nil
	case []any:
		i, err := strconv.Atoi(key)
		if err != nil || i < 0 || i >= len(c) {
			return nil, fmt.Errorf("index %q out of range [0, %d)", key, len(c))
		}
		return c[i], nil
	}
	return nil, fmt.Errorf("%q: not an object or array", key)
}

// intValue is an integer flag that also takes an exact integer in floating-point notation
// (--max-states 1e8), as users of this field write large counts.
type intValue int

func (v *intValue) String() string { return strconv.Itoa(int(*v)) }

func (v *intValue) Set(s string) error {
	if n, err := strconv.ParseInt(s, 0, strconv.IntSize); err == nil {
		*v = intValue(n)
		return nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return fmt.Errorf("expected an integer (such as 1000 or 1e6), got %q", s)
	}
	*v = intValue(f)
	return nil
}
