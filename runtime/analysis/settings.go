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
// value as the default and its `usage` tag as the help text. Lists of numbers take
// comma-separated positive values (Scales).
func DefineFlags(fs *flag.FlagSet, s any) {
	v := reflect.ValueOf(s).Elem()
	for _, f := range reflect.VisibleFields(v.Type()) {
		name := f.Tag.Get("flag")
		if name == "" {
			continue
		}
		usage := f.Tag.Get("usage")
		switch p := v.FieldByIndex(f.Index).Addr().Interface().(type) {
		case *int:
			fs.IntVar(p, name, *p, usage)
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
		default:
			panic(fmt.Sprintf("analysis: settings field %s.%s has a flag tag but type %s", v.Type().Name(), f.Name, f.Type))
		}
	}
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

// Quantity returns one number of a report, named by its path in the report's JSON form:
// keys and array indices separated by dots, such as "fixed_point.1", "W.0.1" or
// "measures.loss_ss"; "observables[name=infected].refined1" selects the element of an array
// whose field name has that value.
func Quantity(rep Report, path string) (float64, error) {
	data, err := Render(rep, "json")
	if err != nil {
		return 0, err
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		return 0, err
	}
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
	x, ok := v.(float64)
	if !ok {
		return 0, fmt.Errorf("%s is not a number", path)
	}
	return x, nil
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
