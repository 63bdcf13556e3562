package analysis

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// Flatten returns the numbers of a report by their paths in its JSON form, in the order
// of the JSON: keys and array indices joined by dots ("V.0", "W.1.2"), and elements of an
// array of objects with a "name" chosen by it ("observables[name=infected].refined1"), as
// Quantity reads them. Strings and booleans are left out; null (a value the
// report does not have) gives a nil value.
func Flatten(rep Report) ([]string, []*float64, error) {
	data, err := Render(rep, "json")
	if err != nil {
		return nil, nil, err
	}
	f := &flattener{}
	if err := f.walk(json.RawMessage(data), ""); err != nil {
		return nil, nil, fmt.Errorf("flattening the report: %w", err)
	}
	return f.keys, f.vals, nil
}

type flattener struct {
	keys []string
	vals []*float64
}

func join(prefix, key string) string {
	if prefix == "" {
		return key
	}
	return prefix + "." + key
}

func (f *flattener) walk(raw json.RawMessage, path string) error {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return nil
	}
	switch raw[0] {
	case '{':
		dec := json.NewDecoder(bytes.NewReader(raw))
		dec.UseNumber()
		if _, err := dec.Token(); err != nil {
			return err
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := t.(string)
			var v json.RawMessage
			if err := dec.Decode(&v); err != nil {
				return err
			}
			if err := f.walk(v, join(path, key)); err != nil {
				return err
			}
		}
		return nil
	case '[':
		var elems []json.RawMessage
		if err := json.Unmarshal(raw, &elems); err != nil {
			return err
		}
		for i, e := range elems {
			p := join(path, fmt.Sprint(i))
			if e = bytes.TrimSpace(e); len(e) > 0 && e[0] == '{' {
				var named struct {
					Name *string `json:"name"`
				}
				if json.Unmarshal(e, &named) == nil && named.Name != nil {
					p = path + "[name=" + *named.Name + "]"
				}
			}
			if err := f.walk(e, p); err != nil {
				return err
			}
		}
		return nil
	case 'n':
		f.keys = append(f.keys, path)
		f.vals = append(f.vals, nil)
		return nil
	case '"', 't', 'f':
		return nil
	}
	var x float64
	if err := json.Unmarshal(raw, &x); err != nil {
		return err
	}
	f.keys = append(f.keys, path)
	f.vals = append(f.vals, &x)
	return nil
}

// flatCSV is the CSV form of a report without one of its own: one line per number,
// "quantity,value", the quantity named by its path (Flatten), an empty value where the
// report has none.
func flatCSV(rep Report) ([]byte, error) {
	keys, vals, err := Flatten(rep)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString("quantity,value\n")
	for i, k := range keys {
		if strings.ContainsAny(k, ",\"\n") {
			k = `"` + strings.ReplaceAll(k, `"`, `""`) + `"`
		}
		v := ""
		if vals[i] != nil {
			v = strconv.FormatFloat(*vals[i], 'g', 10, 64)
		}
		b.WriteString(k + "," + v + "\n")
	}
	return []byte(b.String()), nil
}
