package lang

// Counts summarises a parsed file: declarations by kind and transitions as written
// (a loop body counts once, a reversible pair counts as two).
type Counts struct {
	Params, Species, Env, Lets, Observables, Regions, Measures, Transitions int
}

// Count tallies the declarations and transitions of f.
func Count(f *File) Counts {
	var c Counts
	for _, s := range f.Stmts {
		switch {
		case s.Param != nil:
			c.Params += len(s.Param.Items)
		case s.Species != nil:
			c.Species += len(s.Species.Items)
		case s.Env != nil:
			c.Env++
		case s.Def != nil && s.Def.Kind == "let":
			c.Lets++
		case s.Def != nil && s.Def.Kind == "observable":
			c.Observables++
		case s.Def != nil && s.Def.Kind == "region":
			c.Regions++
		case s.Measure != nil:
			c.Measures++
		case s.For != nil:
			c.Transitions += countLoop(s.For)
		case s.Transition != nil:
			c.Transitions += countTransition(s.Transition)
		}
	}
	return c
}

func countLoop(f *ForStmt) int {
	n := 0
	body := f.Block
	if f.Single != nil {
		body = []*LoopBody{f.Single}
	}
	for _, b := range body {
		if b.For != nil {
			n += countLoop(b.For)
		} else {
			n += countTransition(b.Transition)
		}
	}
	return n
}

func countTransition(t *Transition) int {
	if t.Change.Reaction != nil && t.Change.Reaction.Arrow == "<->" {
		return 2
	}
	return 1
}
