package analysis

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
)

// SetFlag sets the field of the settings struct *s whose `flag` tag is name to value, parsed
// as the command line would (lists of numbers are comma-separated).
func SetFlag(s any, name, value string) error {
	v := reflect.ValueOf(s)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return fmt.Errorf("settings of type %T are not a pointer to a struct", s)
	}
	v = v.Elem()
	for i := 0; i < v.NumField(); i++ {
		if v.Type().Field(i).Tag.Get("flag") != name {
			continue
		}
		f := v.Field(i)
		var err error
		switch f.Kind() {
		case reflect.Int:
			var x int64
			x, err = strconv.ParseInt(value, 10, 64)
			f.SetInt(x)
		case reflect.Uint64:
			var x uint64
			x, err = strconv.ParseUint(value, 10, 64)
			f.SetUint(x)
		case reflect.Float64:
			var x float64
			x, err = strconv.ParseFloat(value, 64)
			f.SetFloat(x)
		case reflect.String:
			f.SetString(value)
		case reflect.Bool:
			var x bool
			x, err = strconv.ParseBool(value)
			f.SetBool(x)
		case reflect.Slice:
			var xs []float64
			for _, part := range strings.Split(value, ",") {
				x, e := strconv.ParseFloat(strings.TrimSpace(part), 64)
				if e != nil {
					err = e
					break
				}
				xs = append(xs, x)
			}
			f.Set(reflect.ValueOf(xs))
		default:
			return fmt.Errorf("--%s: unsupported settings type %s", name, f.Type())
		}
		if err != nil {
			return fmt.Errorf("--%s %s: %v", name, value, err)
		}
		return nil
	}
	return fmt.Errorf("no setting --%s", name)
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
