package diag

import (
	"errors"
	"reflect"
	"testing"
)

func TestPosString(t *testing.T) {
	tests := []struct {
		pos         Pos
		str, short  string
		valid       bool
		description string
	}{
		{Pos{File: "m.mf", Line: 3, Col: 9}, "m.mf:3:9", "3:9", true, "full"},
		{Pos{Line: 12, Col: 1}, "12:1", "12:1", true, "no file"},
		{Pos{File: "m.mf"}, "m.mf", "0:0", false, "file only"},
		{Pos{}, "-", "0:0", false, "zero"},
		{Pos{File: "dir/a b.mf", Line: 1, Col: 1, Offset: 99}, "dir/a b.mf:1:1", "1:1", true, "offset not printed"},
		{Pos{File: "a\nb\x1b[31m.mf", Line: 2, Col: 5}, `"a\nb\x1b[31m.mf":2:5`, "2:5", true, "control characters quoted"},
		{Pos{File: "bad\r.mf"}, `"bad\r.mf"`, "0:0", false, "file only, quoted"},
		{Pos{File: "modèle β.mf", Line: 1, Col: 1}, "modèle β.mf:1:1", "1:1", true, "printable Unicode kept"},
	}
	for _, tt := range tests {
		t.Run(tt.description, func(t *testing.T) {
			if got := tt.pos.String(); got != tt.str {
				t.Errorf("String() = %q, want %q", got, tt.str)
			}
			if got := tt.pos.Short(); got != tt.short {
				t.Errorf("Short() = %q, want %q", got, tt.short)
			}
			if got := tt.pos.IsValid(); got != tt.valid {
				t.Errorf("IsValid() = %v, want %v", got, tt.valid)
			}
		})
	}
}

func TestPosBefore(t *testing.T) {
	tests := []struct {
		p, q Pos
		want bool
	}{
		{Pos{File: "a", Line: 1, Col: 5}, Pos{File: "a", Line: 2, Col: 1}, true},
		{Pos{File: "a", Line: 2, Col: 1}, Pos{File: "a", Line: 1, Col: 5}, false},
		{Pos{File: "a", Line: 2, Col: 3}, Pos{File: "a", Line: 2, Col: 4}, true},
		{Pos{File: "a", Line: 2, Col: 4}, Pos{File: "a", Line: 2, Col: 4}, false},
		{Pos{File: "b", Line: 1, Col: 1}, Pos{File: "a", Line: 9, Col: 9}, false},
		{Pos{File: "a", Line: 9, Col: 9}, Pos{File: "b", Line: 1, Col: 1}, true},
		{Pos{}, Pos{Line: 1, Col: 1}, true},
	}
	for _, tt := range tests {
		if got := tt.p.Before(tt.q); got != tt.want {
			t.Errorf("%v.Before(%v) = %v, want %v", tt.p, tt.q, got, tt.want)
		}
	}
}

func TestDiagnosticError(t *testing.T) {
	pos := Pos{File: "model.mf", Line: 12, Col: 5}
	tests := []struct {
		name string
		d    *Diagnostic
		want string
	}{
		{"error with hint", Errorf(pos, "E201", "did you mean 'beta' (param, 4:7)?", "unknown identifier '%s'", "bta"),
			"model.mf:12:5: error[E201]: unknown identifier 'bta'\n    hint: did you mean 'beta' (param, 4:7)?"},
		// Every diagnostic has a hint: a call site without one gets the catalogue's.
		{"error without hint", Errorf(pos, "E103", "", "unexpected '%s'", ")"),
			"model.mf:12:5: error[E103]: unexpected ')'\n    hint: mfc help E103 explains this diagnostic"},
		{"warning with a blank hint", Warnf(pos, "W101", " ", "unused parameter 'k'"),
			"model.mf:12:5: warning[W101]: unused parameter 'k'\n    hint: mfc help W101 explains this diagnostic"},
		{"warning", Warnf(pos, "W101", "rename it", "unused parameter 'k'"),
			"model.mf:12:5: warning[W101]: unused parameter 'k'\n    hint: rename it"},
		{"no file", Errorf(Pos{Line: 1, Col: 2}, "E101", "h", "m"), "1:2: error[E101]: m\n    hint: h"},
		{"no position", Errorf(Pos{File: "x.mf"}, "E100", "check the path", "cannot read file"),
			"x.mf: error[E100]: cannot read file\n    hint: check the path"},
		{"percent in arguments only", Errorf(pos, "E101", "100% sure", "unexpected character '%s'", "%"),
			"model.mf:12:5: error[E101]: unexpected character '%'\n    hint: 100% sure"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.d.Error(); got != tt.want {
				t.Errorf("Error() =\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
	if Errorf(pos, "E1", "", "m").Severity != Error || Warnf(pos, "W1", "", "m").Severity != Warning {
		t.Error("Errorf/Warnf severities wrong")
	}
	if Error.String() != "error" || Warning.String() != "warning" {
		t.Error("Severity.String wrong")
	}
}

// dl builds a diagnostic at file:line:col for the list tests.
func dl(file string, line, col int, code string, sev Severity) *Diagnostic {
	return &Diagnostic{Pos: Pos{File: file, Line: line, Col: col}, Severity: sev, Code: code, Msg: code + " msg", Hint: "hint"}
}

func listKeys(l List) []string {
	out := make([]string, len(l))
	for i, d := range l {
		out[i] = d.Pos.String() + " " + d.Code + " " + d.Msg
	}
	return out
}

func TestListSort(t *testing.T) {
	tests := []struct {
		name string
		in   List
		want []string
	}{
		{"empty", nil, []string{}},
		{"by line then column", List{dl("a", 3, 1, "E1", Error), dl("a", 1, 9, "E1", Error), dl("a", 1, 2, "E1", Error)},
			[]string{"a:1:2 E1 E1 msg", "a:1:9 E1 E1 msg", "a:3:1 E1 E1 msg"}},
		{"by file first", List{dl("b", 1, 1, "E1", Error), dl("a", 5, 5, "E1", Error)},
			[]string{"a:5:5 E1 E1 msg", "b:1:1 E1 E1 msg"}},
		{"same position by code", List{dl("a", 1, 1, "E301", Error), dl("a", 1, 1, "E201", Error)},
			[]string{"a:1:1 E201 E201 msg", "a:1:1 E301 E301 msg"}},
		{"stable for equal keys", func() List {
			x, y := dl("a", 2, 2, "E1", Error), dl("a", 2, 2, "E1", Error)
			x.Msg, y.Msg = "first", "second"
			return List{dl("a", 3, 3, "E1", Error), x, y}
		}(), []string{"a:2:2 E1 first", "a:2:2 E1 second", "a:3:3 E1 E1 msg"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.in.Sort()
			if got := listKeys(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Sort() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListDedup(t *testing.T) {
	first := dl("a", 2, 2, "E501", Error)
	first.Msg = "first instance"
	second := dl("a", 2, 2, "E501", Error)
	second.Msg = "second instance"
	tests := []struct {
		name string
		in   List
		want []string
	}{
		{"empty", List{}, []string{}},
		{"keeps first of code and position", List{dl("a", 5, 1, "E1", Error), first, second},
			[]string{"a:2:2 E501 first instance", "a:5:1 E1 E1 msg"}},
		{"different codes kept", List{dl("a", 1, 1, "E2", Error), dl("a", 1, 1, "E1", Error)},
			[]string{"a:1:1 E1 E1 msg", "a:1:1 E2 E2 msg"}},
		{"different columns kept", List{dl("a", 1, 2, "E1", Error), dl("a", 1, 1, "E1", Error), dl("a", 1, 2, "E1", Error)},
			[]string{"a:1:1 E1 E1 msg", "a:1:2 E1 E1 msg"}},
		{"different files kept", List{dl("b", 1, 1, "E1", Error), dl("a", 1, 1, "E1", Error)},
			[]string{"a:1:1 E1 E1 msg", "b:1:1 E1 E1 msg"}},
		{"offset ignored", List{{Pos: Pos{File: "a", Line: 1, Col: 1, Offset: 0}, Code: "E1", Msg: "x"},
			{Pos: Pos{File: "a", Line: 1, Col: 1, Offset: 7}, Code: "E1", Msg: "y"}},
			[]string{"a:1:1 E1 x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := tt.in
			l.Dedup()
			if got := listKeys(l); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Dedup() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestListErr(t *testing.T) {
	e := dl("m.mf", 1, 2, "E101", Error)
	w := dl("m.mf", 3, 4, "W101", Warning)
	tests := []struct {
		name      string
		l         List
		wantErr   bool
		errText   string
		hasErrors bool
		codes     []string
	}{
		{"nil", nil, false, "", false, []string{}},
		{"warnings only", List{w}, false, "", false, []string{"W101"}},
		{"one error", List{e}, true, "m.mf:1:2: error[E101]: E101 msg\n    hint: hint", true, []string{"E101"}},
		{"error and warning", List{e, w}, true,
			"m.mf:1:2: error[E101]: E101 msg\n    hint: hint\nm.mf:3:4: warning[W101]: W101 msg\n    hint: hint", true, []string{"E101", "W101"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.l.Err()
			if (err != nil) != tt.wantErr {
				t.Fatalf("Err() = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				if err.Error() != tt.errText {
					t.Errorf("Err().Error() =\n%s\nwant\n%s", err.Error(), tt.errText)
				}
				var l List
				if !errors.As(err, &l) || len(l) != len(tt.l) {
					t.Errorf("Err() does not unwrap to the List")
				}
			}
			if got := tt.l.HasErrors(); got != tt.hasErrors {
				t.Errorf("HasErrors() = %v", got)
			}
			if got := tt.l.Codes(); !reflect.DeepEqual(got, tt.codes) {
				t.Errorf("Codes() = %q, want %q", got, tt.codes)
			}
		})
	}
	mixed := List{w, e, w}
	if got := mixed.Errors(); len(got) != 1 || got[0] != e {
		t.Errorf("Errors() = %v", got)
	}
	if got := mixed.Warnings(); len(got) != 2 || got[0] != w || got[1] != w {
		t.Errorf("Warnings() = %v", got)
	}
	var l List
	l.Add(e)
	l.Append(List{w, w})
	if got := l.Codes(); !reflect.DeepEqual(got, []string{"E101", "W101", "W101"}) {
		t.Errorf("Add/Append gave %q", got)
	}
	if got := (List{}).Error(); got != "" {
		t.Errorf("empty List.Error() = %q", got)
	}
}

// TestDiagnosticErrorEscapes: a message or hint that carries a file name with control
// characters (E100) never reaches the terminal raw.
func TestDiagnosticErrorEscapes(t *testing.T) {
	d := Errorf(Pos{File: "x\x1b]0;t\a.mf"}, "E100", "check the path", "cannot read file: open x\x1b]0;t\a.mf: no such file\n")
	got := d.Error()
	want := `"x\x1b]0;t\a.mf": error[E100]: cannot read file: open x\x1b]0;t\a.mf: no such file\n` + "\n    hint: check the path"
	if got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestListDedupAllocations checks that Dedup keeps no table of what it has seen: a file of
// 400 000 unused parameters reports as many warnings, and must check within 2 s.
func TestListDedupAllocations(t *testing.T) {
	orig := make(List, 1000)
	for i := range orig {
		orig[i] = Warnf(Pos{File: "m.mf", Line: 1000 - i/2, Col: 1}, "W101", "", "w")
	}
	l := make(List, len(orig))
	allocs := testing.AllocsPerRun(10, func() {
		l = l[:len(orig)]
		copy(l, orig)
		l.Dedup()
	})
	if allocs > 2 || len(l) != 500 {
		t.Errorf("Dedup of 1000 warnings allocates %.0f times and keeps %d, want at most 2 and 500", allocs, len(l))
	}
}

// TestDiagnosticErrorAllocations checks that formatting a diagnostic costs few allocations:
// 'mfc check' prints one warning per unused parameter, 400 000 of them for a 10 MB file.
func TestDiagnosticErrorAllocations(t *testing.T) {
	d := Warnf(Pos{File: "m.mf", Line: 465521, Col: 7, Offset: 123}, "W101", "remove it, or use it", "param 'p465517' is never used")
	allocs := testing.AllocsPerRun(100, func() { _ = d.Error() })
	if allocs > 3 {
		t.Errorf("Error() allocates %.0f times, want at most 3", allocs)
	}
}
