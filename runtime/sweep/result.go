package sweep

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// Columns returns the keys of the rows' values: first every key with a value in some row,
// in the order of first appearance along the rows (by point), then the keys that never
// have a value, likewise. The rule depends only on the values, not on how rows were
// grouped or stored, so the merged parts of a sweep have the columns of the whole run.
func (r *Result) Columns() []string {
	var cols []string
	seen := map[string]bool{}
	for pass := 0; pass < 2; pass++ {
		for _, row := range r.Rows {
			for i, k := range row.Keys {
				if !seen[k] && (pass == 1 || row.Values[i] != nil) {
					seen[k] = true
					cols = append(cols, k)
				}
			}
		}
	}
	return cols
}

func num(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

// comment is the first line of the CSV form: what sweep the file holds.
func (h *Header) comment() string {
	s := fmt.Sprintf("# mfc sweep: analysis=%s points=%d axes=%d sweep=%s", h.Analysis, h.Points, len(h.axisNames()), h.Fingerprint())
	if l := h.lineLength(); l > 0 {
		s += fmt.Sprintf(" line=%d", l)
	}
	if h.Shard != "" {
		s += " shard=" + h.Shard
	}
	return s
}

// lineLength is the number of points of a line of a Continue plan, 0 otherwise.
func (h *Header) lineLength() int {
	if h.line > 0 {
		return h.line
	}
	if h.Continue {
		return h.Plan.lineLen()
	}
	return 0
}

// unitOf is what shards split: point k, or its line.
func (h *Header) unitOf(k int) int {
	if l := h.lineLength(); l > 0 {
		return k / l
	}
	return k
}

// WriteCSV writes the result as CSV: a comment line naming the sweep (read it with
// comment='#' in pandas, comment.char='#' in R), a header, then one line per point: its
// index, the swept values, the report's numbers by Columns (empty where a report has no
// value) and the error of a failed point.
func (r *Result) WriteCSV(w io.Writer) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, r.comment())
	cw := csv.NewWriter(bw)
	cols := r.Columns()
	head := []string{"point"}
	head = append(head, r.axisNames()...)
	head = append(head, cols...)
	head = append(head, "error")
	cw.Write(head)
	for _, row := range r.Rows {
		rec := []string{strconv.Itoa(row.Point)}
		for _, p := range row.Params {
			rec = append(rec, num(p))
		}
		vals := row.byKey()
		for _, c := range cols {
			if v := vals[c]; v != nil {
				rec = append(rec, num(*v))
			} else {
				rec = append(rec, "")
			}
		}
		rec = append(rec, row.Error)
		cw.Write(rec)
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

func (h *Header) axisNames() []string {
	if len(h.Axes) == 0 {
		return h.names
	}
	var out []string
	for _, a := range h.Axes {
		out = append(out, a.Name)
	}
	return out
}

func (row *Row) byKey() map[string]*float64 {
	m := make(map[string]*float64, len(row.Keys))
	for i, k := range row.Keys {
		m[k] = row.Values[i]
	}
	return m
}

type jsonHeader struct {
	Header
	Names       []string `json:"names,omitempty"` // the axes' names, when the plan is not recorded
	Fingerprint string   `json:"sweep"`
}

// WriteJSON writes the result as one JSON document: "header" (analysis, arguments, axes,
// points, the sweep's fingerprint, the shard), "columns" (the keys of the values) and
// "rows", one per line: {"point", "params", "values" (by columns, null where a report
// has no value), "error"}.
func (r *Result) WriteJSON(w io.Writer) error {
	bw := bufio.NewWriter(w)
	jh := jsonHeader{Header: r.Header, Fingerprint: r.Fingerprint()}
	if len(r.Axes) == 0 {
		jh.Names = r.names
	}
	hb, err := json.Marshal(jh)
	if err != nil {
		return err
	}
	cols := r.Columns()
	cb, _ := json.Marshal(cols)
	eb, _ := json.Marshal(r.Events)
	if r.Events == nil {
		eb = []byte("[]")
	}
	fmt.Fprintf(bw, "{\n\"header\": %s,\n\"columns\": %s,\n\"events\": %s,\n\"rows\": [", hb, cb, eb)
	for i, row := range r.Rows {
		vals := row.byKey()
		out := struct {
			Point  int        `json:"point"`
			Params []float64  `json:"params"`
			Values []*float64 `json:"values"`
			Error  string     `json:"error,omitempty"`
		}{Point: row.Point, Params: row.Params, Error: row.Error}
		for _, c := range cols {
			out.Values = append(out.Values, vals[c])
		}
		b, err := json.Marshal(out)
		if err != nil {
			return err
		}
		if i > 0 {
			bw.WriteString(",")
		}
		bw.WriteString("\n")
		bw.Write(b)
	}
	bw.WriteString("\n]\n}\n")
	return bw.Flush()
}

// Read reads a result written by WriteCSV or WriteJSON (told apart by the first byte).
func Read(rd io.Reader) (*Result, error) {
	data, err := io.ReadAll(rd)
	if err != nil {
		return nil, err
	}
	t := bytes.TrimSpace(data)
	if len(t) > 0 && t[0] == '{' {
		return readJSON(t)
	}
	return readCSV(data)
}

func readJSON(data []byte) (*Result, error) {
	var doc struct {
		Header  jsonHeader        `json:"header"`
		Columns []string          `json:"columns"`
		Events  []Event           `json:"events"`
		Rows    []json.RawMessage `json:"rows"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("not a sweep result: %v", err)
	}
	if doc.Header.Fingerprint == "" || doc.Header.Analysis == "" {
		return nil, fmt.Errorf("not a sweep result: no header")
	}
	res := &Result{Header: doc.Header.Header, Events: doc.Events}
	res.fingerprint = doc.Header.Fingerprint
	res.names = doc.Header.Names
	for _, raw := range doc.Rows {
		var row struct {
			Point  int        `json:"point"`
			Params []float64  `json:"params"`
			Values []*float64 `json:"values"`
			Error  string     `json:"error"`
		}
		if err := json.Unmarshal(raw, &row); err != nil {
			return nil, err
		}
		if len(row.Values) != len(doc.Columns) {
			return nil, fmt.Errorf("point %d has %d values for %d columns", row.Point, len(row.Values), len(doc.Columns))
		}
		r := Row{Point: row.Point, Params: row.Params, Error: row.Error, Keys: doc.Columns, Values: row.Values}
		res.Rows = append(res.Rows, r)
	}
	return res, nil
}

func readCSV(data []byte) (*Result, error) {
	line, rest, _ := bytes.Cut(data, []byte("\n"))
	head, ok := strings.CutPrefix(string(line), "# mfc sweep: ")
	if !ok {
		return nil, fmt.Errorf("not a sweep result: the first line is not '# mfc sweep: ...'")
	}
	res := &Result{}
	for _, f := range strings.Fields(head) {
		k, v, _ := strings.Cut(f, "=")
		switch k {
		case "analysis":
			res.Analysis = v
		case "points":
			res.Points, _ = strconv.Atoi(v)
		case "sweep":
			res.fingerprint = v
		case "shard":
			res.Shard = v
		case "axes":
			res.naxes, _ = strconv.Atoi(v)
		case "line":
			res.line, _ = strconv.Atoi(v)
		}
	}
	recs, err := csv.NewReader(bytes.NewReader(rest)).ReadAll()
	if err != nil {
		return nil, err
	}
	if len(recs) == 0 || len(recs[0]) < 2 || recs[0][0] != "point" || recs[0][len(recs[0])-1] != "error" {
		return nil, fmt.Errorf("not a sweep result: no header line point,...,error")
	}
	hdr := recs[0]
	naxes := res.naxes
	if naxes < 1 || 1+naxes > len(hdr)-1 {
		return nil, fmt.Errorf("not a sweep result: the header has no axes")
	}
	res.names = hdr[1 : 1+naxes]
	cols := hdr[1+naxes : len(hdr)-1]
	for _, rec := range recs[1:] {
		if len(rec) != len(hdr) {
			return nil, fmt.Errorf("a row has %d fields, the header %d", len(rec), len(hdr))
		}
		var r Row
		if r.Point, err = strconv.Atoi(rec[0]); err != nil {
			return nil, fmt.Errorf("point %q: %v", rec[0], err)
		}
		for _, s := range rec[1 : 1+naxes] {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("point %d: %v", r.Point, err)
			}
			r.Params = append(r.Params, v)
		}
		r.Error = rec[len(rec)-1]
		r.Keys = cols
		for i, s := range rec[1+naxes : len(rec)-1] {
			if s == "" {
				r.Values = append(r.Values, nil)
				continue
			}
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				return nil, fmt.Errorf("point %d, %s: %v", r.Point, cols[i], err)
			}
			r.Values = append(r.Values, &v)
		}
		res.Rows = append(res.Rows, r)
	}
	return res, nil
}

// Merge joins the parts of a sharded sweep into the result of the whole sweep. The parts
// must be of one sweep (one fingerprint and shard count); every point must be in exactly
// one part, else the error names the duplicated points or the shards missing points.
func Merge(parts []*Result) (*Result, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("nothing to merge")
	}
	first := parts[0]
	count := 0
	for i, p := range parts {
		if p.Fingerprint() != first.Fingerprint() || p.Points != first.Points || p.Analysis != first.Analysis {
			return nil, fmt.Errorf("part %d is of another sweep (sweep %s, %d points; part 1: sweep %s, %d points)", i+1, p.Fingerprint(), p.Points, first.Fingerprint(), first.Points)
		}
		s, err := shardOf(p.Shard)
		if err != nil {
			return nil, fmt.Errorf("part %d: shard %v", i+1, err)
		}
		if i == 0 {
			count = s.Count
		} else if s.Count != count {
			return nil, fmt.Errorf("part %d is shard %s, part 1 shard %s: the parts split the sweep differently", i+1, p.Shard, first.Shard)
		}
	}
	out := &Result{Header: first.Header}
	out.Shard = ""
	out.names = first.names
	from := map[int]int{}
	for i, p := range parts {
		for _, r := range p.Rows {
			if j, ok := from[r.Point]; ok {
				return nil, fmt.Errorf("point %d is in part %d and in part %d", r.Point, j+1, i+1)
			}
			if r.Point < 0 || r.Point >= first.Points {
				return nil, fmt.Errorf("part %d has point %d, outside the sweep's %d", i+1, r.Point, first.Points)
			}
			from[r.Point] = i
			out.Rows = append(out.Rows, r)
		}
	}
	if len(out.Rows) != first.Points {
		missing := map[int]int{}
		var shards []int
		for k := 0; k < first.Points; k++ {
			if _, ok := from[k]; !ok {
				s := 0
				if count > 1 {
					s = first.unitOf(k) % count
				}
				if missing[s] == 0 {
					shards = append(shards, s)
				}
				missing[s]++
			}
		}
		slices.Sort(shards)
		var names []string
		for _, s := range shards {
			names = append(names, fmt.Sprintf("%d/%d (%d points)", s, max(count, 1), missing[s]))
		}
		return nil, fmt.Errorf("%d of %d points are missing: shards %s", first.Points-len(out.Rows), first.Points, strings.Join(names, ", "))
	}
	slices.SortFunc(out.Rows, func(a, b Row) int { return a.Point - b.Point })
	out.Events = Events(out)
	return out, nil
}
