package sweep

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"sync"

	"github.com/mfcproject/mfc/runtime/analysis"
)

// Header describes a sweep: what runs at each point, over which plan, and which shard of
// it a result holds.
type Header struct {
	// Analysis is the registered analysis run at each point; Args are the arguments that
	// fix everything else (model, overrides, the analysis's flags), recorded so that parts
	// of different sweeps are never merged.
	Analysis string   `json:"analysis"`
	Args     []string `json:"args,omitempty"`
	Plan
	// Points is the number of points of the whole plan.
	Points int `json:"points"`
	// Shard is the slice held ("" for the whole sweep).
	Shard string `json:"shard,omitempty"`
	// fingerprint is the fingerprint read from a file whose plan is not recorded (CSV);
	// names and naxes the names and number of its axes.
	fingerprint string
	names       []string
	naxes       int
	line        int
}

// Fingerprint identifies the sweep (analysis, arguments, plan) independently of the
// shard: 12 hex digits of a SHA-256.
func (h *Header) Fingerprint() string {
	if h.fingerprint != "" {
		return h.fingerprint
	}
	b, _ := json.Marshal(struct {
		A string
		R []string
		P Plan
	}{h.Analysis, h.Args, h.Plan})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:6])
}

// Row is the result at one point: the report's numbers by key, or the error of the run.
type Row struct {
	Point  int        `json:"point"`
	Params []float64  `json:"params"`
	Keys   []string   `json:"keys,omitempty"`
	Values []*float64 `json:"values,omitempty"` // nil: the report has no value there (null)
	Error  string     `json:"error,omitempty"`
}

// Eval runs the analysis at one point, given the values of the plan's axes in order. Under
// Plan.Continue, prev is the last row before it on the same line that did not fail (nil
// for the first), to start from; otherwise it is nil.
type Eval func(ctx context.Context, params []float64, prev *Row) (analysis.Report, error)

// Settings control Run.
type Settings struct {
	Header
	// Workers is the number of points computed at once; 0 means GOMAXPROCS.
	Workers int
	// Done are rows already computed (a journal or an earlier output): their points are
	// not run again. Rows of points outside the shard are ignored.
	Done []Row
	// Journal, if not nil, receives each row as it is computed (JSON lines, see
	// OpenJournal), so that an interrupted sweep can resume.
	Journal *Journal
	// Progress, if not nil, is called after each point with the points done and the
	// points of the shard.
	Progress func(done, total int64)
}

// Result is the outcome of a sweep or of a shard of one: its header, its rows by
// increasing point, and the stability changes seen along its lines (Events).
type Result struct {
	Header
	Rows   []Row
	Events []Event
}

// Failed returns the number of rows with an error.
func (r *Result) Failed() int {
	n := 0
	for _, row := range r.Rows {
		if row.Error != "" {
			n++
		}
	}
	return n
}

// Run computes the rows of the points of s.Shard that s.Done does not hold, s.Workers at a
// time, and returns them with s.Done's. A point whose Eval fails gets a row with the error
// (the sweep goes on); ctx ends the sweep with its error, the rows finished so far being
// in the journal.
func Run(ctx context.Context, s *Settings, eval Eval) (*Result, error) {
	if err := s.Plan.Check(); err != nil {
		return nil, err
	}
	h := s.Header
	h.Points = s.Plan.Len()
	shard, err := shardOf(h.Shard)
	if err != nil {
		return nil, err
	}
	done := map[int]Row{}
	for _, r := range s.Done {
		if r.Point >= 0 && r.Point < h.Points && shard.Owns(s.Plan.unit(r.Point)) {
			done[r.Point] = r
		}
	}
	// The work: single points, or under Continue whole lines in order (the points of a
	// line already done are skipped but still serve as the previous point).
	var todo [][]int
	total := 0
	line := s.Plan.lineLen()
	for k := 0; k < h.Points; k++ {
		if !shard.Owns(s.Plan.unit(k)) {
			continue
		}
		total++
		switch {
		case s.Plan.Continue && k%line == 0:
			todo = append(todo, []int{k})
		case s.Plan.Continue:
			todo[len(todo)-1] = append(todo[len(todo)-1], k)
		default:
			if _, ok := done[k]; !ok {
				todo = append(todo, []int{k})
			}
		}
	}
	workers := s.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = min(workers, max(len(todo), 1))
	var (
		mu      sync.Mutex
		count   = int64(len(done))
		next    = 0
		jrnlErr error
		wg      sync.WaitGroup
	)
	if s.Progress != nil {
		s.Progress(count, int64(total))
	}
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				if next >= len(todo) || ctx.Err() != nil || jrnlErr != nil {
					mu.Unlock()
					return
				}
				unit := todo[next]
				next++
				mu.Unlock()
				var prev *Row
				for _, k := range unit {
					mu.Lock()
					old, ok := done[k]
					mu.Unlock()
					if ok {
						if old.Error == "" {
							prev = &old
						}
						continue
					}
					params := s.Plan.Point(k)
					row := Row{Point: k, Params: params}
					var from *Row
					if s.Plan.Continue {
						from = prev
					}
					rep, err := eval(ctx, params, from)
					if err == nil {
						row.Keys, row.Values, err = analysis.Flatten(rep)
					}
					if err != nil {
						if ctx.Err() != nil {
							return // interrupted: not a result of the point
						}
						row.Error = err.Error()
					}
					mu.Lock()
					done[k] = row
					count++
					if s.Journal != nil && jrnlErr == nil {
						jrnlErr = s.Journal.Append(row)
					}
					if s.Progress != nil {
						s.Progress(count, int64(total))
					}
					mu.Unlock()
					if row.Error == "" {
						prev = &row
					}
				}
			}
		}()
	}
	wg.Wait()
	if jrnlErr != nil {
		return nil, fmt.Errorf("sweep: writing the journal: %w", jrnlErr)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("sweep stopped after %d of %d points: %w", count, total, err)
	}
	res := &Result{Header: h}
	for _, r := range done {
		res.Rows = append(res.Rows, r)
	}
	slices.SortFunc(res.Rows, func(a, b Row) int { return a.Point - b.Point })
	res.Events = Events(res)
	return res, nil
}

func shardOf(s string) (Shard, error) {
	if s == "" {
		return Shard{}, nil
	}
	return ParseShard(s)
}

// Journal is the append-only record of a running sweep: a first line naming the sweep
// (its fingerprint and shard), then one JSON line per computed point. A line cut short by
// a crash is ignored when the journal is read back.
type Journal struct {
	f *os.File
	w *bufio.Writer
}

type journalHead struct {
	Journal     int    `json:"mfc_sweep_journal"`
	Fingerprint string `json:"fingerprint"`
	Shard       string `json:"shard,omitempty"`
}

// OpenJournal opens the journal at path for the sweep h, creating it if needed, and
// returns the rows it already holds. A journal of another sweep (or shard) is an error.
func OpenJournal(path string, h *Header) (*Journal, []Row, error) {
	head := journalHead{Journal: 1, Fingerprint: h.Fingerprint(), Shard: h.Shard}
	var rows []Row
	data, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
	case err != nil:
		return nil, nil, err
	default:
		lines := bytes.Split(data, []byte("\n"))
		var got journalHead
		if json.Unmarshal(lines[0], &got) != nil || got.Journal != 1 {
			return nil, nil, fmt.Errorf("%s is not a sweep journal: remove it or write the output elsewhere", path)
		}
		if got != head {
			return nil, nil, fmt.Errorf("%s is the journal of another sweep (or shard): remove it to start this one", path)
		}
		for _, l := range lines[1:] {
			var r Row
			if len(bytes.TrimSpace(l)) == 0 || json.Unmarshal(l, &r) != nil {
				continue // a line cut short by a crash
			}
			rows = append(rows, r)
		}
		// Drop a cut line: rewrite complete lines only.
		if len(data) > 0 && data[len(data)-1] != '\n' {
			if i := bytes.LastIndexByte(data, '\n'); i >= 0 {
				if err := os.Truncate(path, int64(i+1)); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, nil, err
	}
	j := &Journal{f: f, w: bufio.NewWriter(f)}
	if len(data) == 0 {
		b, _ := json.Marshal(head)
		if err := j.line(b); err != nil {
			f.Close()
			return nil, nil, err
		}
	}
	return j, rows, nil
}

func (j *Journal) line(b []byte) error {
	j.w.Write(b)
	j.w.WriteByte('\n')
	return j.w.Flush()
}

// Append records a row.
func (j *Journal) Append(r Row) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	return j.line(b)
}

// Close closes the journal file.
func (j *Journal) Close() error { return j.f.Close() }

var _ io.Closer = (*Journal)(nil)
