package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
)

// Formats lists the output formats of Render.
var Formats = []string{"text", "csv", "json"}

// FormatError is a format that a report does not have.
type FormatError struct {
	Format string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("unknown format %q: text, csv or json", e.Format)
}

// Render returns the report in format "text", "csv" or "json". A report never carries a
// silent NaN: every format refuses a report that holds a non-finite number (NaN or ±Inf)
// with a *NonFiniteError naming the quantity. A quantity the analysis legitimately has no
// value for is a Maybe made by Missing: null in JSON, "—" in text, and its reason in both,
// under the key "missing" of the JSON object (the quantity's path → the reason) and in a
// final "— path: reason" line of the text.
func Render(rep Report, format string) ([]byte, error) {
	if format != "json" && format != "csv" && format != "text" {
		return nil, &FormatError{Format: format}
	}
	if err := CheckFinite(rep); err != nil {
		return nil, err
	}
	var missing [][2]string
	collectMissing(reflect.ValueOf(rep), "", &missing)
	if format != "json" && hasTiny(reflect.ValueOf(rep)) {
		// Text and CSV print 10 significant digits; a subnormal number (below 1e-300,
		// such as −4e−316) is round-off of a zero, printed as 0 — in a copy of the report
		// (through its JSON form), which the caller may render again in JSON.
		if t := reflect.TypeOf(rep); t.Kind() == reflect.Pointer && t.Elem().Kind() == reflect.Struct {
			c := reflect.New(t.Elem())
			c.Elem().Set(reflect.ValueOf(rep).Elem())
			cleanCopy(c.Elem())
			if cr, ok := c.Interface().(Report); ok {
				rep = cr
			}
		}
	}
	switch format {
	case "json":
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encoding the report as JSON: %w", err)
		}
		if len(missing) > 0 {
			data, err = addMissing(data, missing)
			if err != nil {
				return nil, err
			}
		}
		return append(data, '\n'), nil
	case "csv":
		if c, ok := rep.(CSVReport); ok {
			return []byte(c.CSV()), nil
		}
		return flatCSV(rep)
	}
	text := rep.Text()
	if len(missing) > 0 {
		var b strings.Builder
		b.WriteString(text)
		if !strings.HasSuffix(text, "\n") {
			b.WriteString("\n")
		}
		b.WriteString("\n")
		for _, m := range missing {
			fmt.Fprintf(&b, "— %s: %s\n", m[0], m[1])
		}
		text = b.String()
	}
	return []byte(text), nil
}

// Maybe is a number of a report that the analysis may legitimately not have (a confidence
// interval from a single sample, a rate with no sample to take it from): Known(x) or
// Missing(reason). Render prints a missing one as null in JSON and "—" in text, with the
// reason; it never prints a made-up number or NaN in its place.
type Maybe struct {
	// Value is the number; meaningful only when Reason is empty.
	Value float64
	// Reason says why there is no value; empty for a known value.
	Reason string
}

// Known is a quantity with value x (which must be finite: Render refuses NaN and ±Inf).
func Known(x float64) Maybe { return Maybe{Value: x} }

// Missing is a quantity without a value, for the reason given.
func Missing(reason string) Maybe {
	if reason == "" {
		reason = "no value"
	}
	return Maybe{Reason: reason}
}

// OK reports whether the quantity has a value.
func (m Maybe) OK() bool { return m.Reason == "" }

// String prints the value with %g, or "—".
func (m Maybe) String() string {
	if !m.OK() {
		return "—"
	}
	return fmt.Sprintf("%g", m.Value)
}

// MarshalJSON writes the value, or null.
func (m Maybe) MarshalJSON() ([]byte, error) {
	if !m.OK() {
		return []byte("null"), nil
	}
	return json.Marshal(m.Value)
}

// UnmarshalJSON reads a number, or null as a missing value.
func (m *Maybe) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		*m = Missing("")
		return nil
	}
	*m = Maybe{}
	return json.Unmarshal(data, &m.Value)
}

var maybeType = reflect.TypeOf(Maybe{})

// collectMissing appends the path and reason of every missing Maybe in v's JSON form.
func collectMissing(v reflect.Value, path string, out *[][2]string) {
	root := &pathNode{name: path}
	walk(v, root, false, func(v reflect.Value, p *pathNode) {
		if v.Type() != maybeType {
			return
		}
		if m := v.Interface().(Maybe); !m.OK() {
			*out = append(*out, [2]string{strings.TrimPrefix(p.String(), "."), m.Reason})
		}
	})
}

// addMissing adds the key "missing" (path → reason) to the JSON object data.
func addMissing(data []byte, missing [][2]string) ([]byte, error) {
	body := strings.TrimSpace(string(data))
	if !strings.HasPrefix(body, "{") || !strings.HasSuffix(body, "}") {
		return nil, fmt.Errorf("the report has quantities without a value but its JSON form is not an object")
	}
	var b strings.Builder
	b.WriteString(strings.TrimRight(strings.TrimSuffix(body, "}"), " \n"))
	if strings.TrimSpace(body[1:len(body)-1]) != "" {
		b.WriteString(",")
	}
	b.WriteString("\n  \"missing\": {")
	for i, m := range missing {
		if i > 0 {
			b.WriteString(",")
		}
		k, _ := json.Marshal(m[0])
		r, _ := json.Marshal(m[1])
		fmt.Fprintf(&b, "\n    %s: %s", k, r)
	}
	b.WriteString("\n  }\n}")
	return []byte(b.String()), nil
}

// NonFiniteError names a quantity of a report that is NaN or infinite.
type NonFiniteError struct {
	// Path is the quantity's place in the JSON form, such as observables[2].refined1.
	Path  string
	Value float64
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("the result %s is %v: the analysis did not produce a finite value", e.Path, e.Value)
}

// CheckFinite returns a *NonFiniteError for the first non-finite float64 in v's JSON form
// (exported fields, by their JSON names; map keys in sorted order; the value of a missing
// Maybe is not looked at), nil if there is none.
func CheckFinite(v any) error {
	var first error
	walk(reflect.ValueOf(v), nil, true, func(v reflect.Value, p *pathNode) {
		if first != nil {
			return
		}
		var f float64
		switch {
		case v.Type() == maybeType:
			m := v.Interface().(Maybe)
			if !m.OK() {
				return
			}
			f = m.Value
		default:
			f = v.Float()
		}
		if math.IsNaN(f) || math.IsInf(f, 0) {
			first = &NonFiniteError{Path: strings.TrimPrefix(p.String(), "."), Value: f}
		}
	})
	return first
}

// pathNode is the path of a value in a report's JSON form, a list of steps from the leaf
// up, printed only when asked for (a report with a 1000×1000 matrix has 10⁶ paths, which
// checking must not format): a field or map key (name: ".field", "[key]") or, with name
// empty, a slice index.
type pathNode struct {
	parent *pathNode
	name   string
	index  int
}

// String prints the path, such as .observables[2].refined1.
func (p *pathNode) String() string {
	var steps []*pathNode
	for q := p; q != nil; q = q.parent {
		steps = append(steps, q)
	}
	var b strings.Builder
	for i := len(steps) - 1; i >= 0; i-- {
		if q := steps[i]; q.name != "" || q.parent == nil {
			b.WriteString(q.name)
		} else {
			b.WriteByte('[')
			b.WriteString(strconv.Itoa(q.index))
			b.WriteByte(']')
		}
	}
	return b.String()
}

// walk calls visit on every Maybe of v's JSON form, and on every float when floats is set,
// with its path under p (nil: the root). Without floats it skips the values whose type
// cannot hold a Maybe. Cost O(size of v), with one allocation per slice, struct and map.
func walk(v reflect.Value, p *pathNode, floats bool, visit func(v reflect.Value, p *pathNode)) {
	if v.IsValid() && v.Type() == maybeType {
		visit(v, p)
		return
	}
	if v.IsValid() && !floats && !mayHoldMaybe(v.Type()) {
		return
	}
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if floats {
			visit(v, p)
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walk(v.Elem(), p, floats, visit)
		}
	case reflect.Slice, reflect.Array:
		step := &pathNode{parent: p}
		for i := 0; i < v.Len(); i++ {
			step.index = i
			walk(v.Index(i), step, floats, visit)
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			walk(v.MapIndex(k), &pathNode{parent: p, name: fmt.Sprintf("[%v]", k)}, floats, visit)
		}
	case reflect.Struct:
		t := v.Type()
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			walk(v.Field(i), &pathNode{parent: p, name: "." + name}, floats, visit)
		}
	}
}

// maybeTypes caches mayHoldMaybe by type.
var maybeTypes sync.Map

// mayHoldMaybe reports whether a value of type t can hold a Maybe in its JSON form (through
// exported fields, elements, pointers; an interface can hold anything).
func mayHoldMaybe(t reflect.Type) bool {
	if v, ok := maybeTypes.Load(t); ok {
		return v.(bool)
	}
	maybeTypes.Store(t, true) // a recursive type: assume so while deciding
	r := holdsMaybe(t)
	maybeTypes.Store(t, r)
	return r
}

func holdsMaybe(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Interface:
		return true
	case reflect.Pointer, reflect.Slice, reflect.Array:
		return t.Elem() == maybeType || mayHoldMaybe(t.Elem())
	case reflect.Map:
		return t.Elem() == maybeType || mayHoldMaybe(t.Elem())
	case reflect.Struct:
		if t == maybeType {
			return true
		}
		for i := 0; i < t.NumField(); i++ {
			if f := t.Field(i); f.IsExported() && mayHoldMaybe(f.Type) {
				return true
			}
		}
	}
	return false
}

// tiny is the magnitude below which Render's text and CSV print a number as 0: subnormal
// doubles, which no computation of a report resolves.
const tiny = 1e-300

// cleanCopy makes the settable v its own deep copy, sharing nothing the caller holds
// (exported fields; unexported ones stay shared, read-only), with every float64 of
// magnitude below tiny set to 0.
func cleanCopy(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		n := reflect.New(v.Type().Elem())
		n.Elem().Set(v.Elem())
		cleanCopy(n.Elem())
		v.Set(n)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				cleanCopy(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.IsNil() {
			return
		}
		n := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		reflect.Copy(n, v)
		for i := 0; i < n.Len(); i++ {
			cleanCopy(n.Index(i))
		}
		v.Set(n)
	case reflect.Array:
		for i := 0; i < v.Len(); i++ {
			cleanCopy(v.Index(i))
		}
	case reflect.Map:
		if v.IsNil() {
			return
		}
		n := reflect.MakeMapWithSize(v.Type(), v.Len())
		for _, k := range v.MapKeys() {
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(k))
			cleanCopy(e)
			n.SetMapIndex(k, e)
		}
		v.Set(n)
	case reflect.Float64:
		if x := v.Float(); x != 0 && math.Abs(x) < tiny {
			v.SetFloat(0)
		}
	}
}

// hasTiny reports whether v holds a float64 of magnitude below tiny, other than 0.
func hasTiny(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && hasTiny(v.Elem())
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() && hasTiny(v.Field(i)) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if hasTiny(v.Index(i)) {
				return true
			}
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			if hasTiny(v.MapIndex(k)) {
				return true
			}
		}
	case reflect.Float64:
		x := v.Float()
		return x != 0 && math.Abs(x) < tiny
	}
	return false
}
