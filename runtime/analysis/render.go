package analysis

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strings"
)

// Formats lists the output formats of Render.
var Formats = []string{"text", "csv", "json"}

// FormatError is a format that a report does not have.
type FormatError struct {
	Format string
}

func (e *FormatError) Error() string { return fmt.Sprintf("unknown format %q", e.Format) }

// Render returns the report in format "text", "csv" or "json". JSON refuses a report that
// holds a non-finite number (NaN or ±Inf) with a *NonFiniteError naming the quantity:
// a report never carries a silent NaN, and JSON has no spelling for one.
func Render(rep Report, format string) ([]byte, error) {
	switch format {
	case "json":
		if err := CheckFinite(rep); err != nil {
			return nil, err
		}
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return nil, fmt.Errorf("encoding the report as JSON: %w", err)
		}
		return append(data, '\n'), nil
	case "csv":
		if c, ok := rep.(CSVReport); ok {
			return []byte(c.CSV()), nil
		}
	case "text":
		return []byte(rep.Text()), nil
	}
	return nil, &FormatError{Format: format}
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
// (exported fields, by their JSON names; map keys in sorted order), nil if there is none.
func CheckFinite(v any) error {
	return checkFinite(reflect.ValueOf(v), "")
}

func checkFinite(v reflect.Value, path string) error {
	switch v.Kind() {
	case reflect.Float32, reflect.Float64:
		if f := v.Float(); math.IsNaN(f) || math.IsInf(f, 0) {
			return &NonFiniteError{Path: strings.TrimPrefix(path, "."), Value: f}
		}
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			return checkFinite(v.Elem(), path)
		}
	case reflect.Slice, reflect.Array:
		for i := 0; i < v.Len(); i++ {
			if err := checkFinite(v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	case reflect.Map:
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return fmt.Sprint(keys[i]) < fmt.Sprint(keys[j]) })
		for _, k := range keys {
			if err := checkFinite(v.MapIndex(k), fmt.Sprintf("%s[%v]", path, k)); err != nil {
				return err
			}
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
			if err := checkFinite(v.Field(i), path+"."+name); err != nil {
				return err
			}
		}
	}
	return nil
}
