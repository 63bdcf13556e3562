package lang

import (
	"fmt"
	"reflect"

	"github.com/alecthomas/participle/v2/lexer"
)

// parseFastLimited is parseFast that reports an E106 limit instead of panicking.
func parseFastLimited(file string, toks []token, eof token) (stmts []*Statement, ok, limited bool) {
	defer func() {
		if r := recover(); r != nil {
			if _, is := r.(errLimit); !is {
				panic(r)
			}
			stmts, ok, limited = nil, false, true
		}
	}()
	stmts, ok = parseFast(file, toks, eof, &arena{}, nil)
	return stmts, ok, false
}

// CheckTwin parses every run of statements of src with both parsers, the participle
// grammar and its fast recursive-descent twin, and returns an error if they disagree:
// if one accepts a run the other rejects, or if they build different trees (positions
// included). Tests and the fuzz target call it; Parse relies on it holding.
func CheckTwin(filename string, src []byte) error {
	lx := lex(filename, src)
	for _, c := range split(lx.toks) {
		end := lx.toks[c.hi]
		eof := token{Type: EOF, Pos: end.Pos}
		fast, fastOK, limited := parseFastLimited(filename, lx.toks[c.lo:c.hi], eof)
		if limited {
			continue // E106: the grammar has no such limit, and participle would recurse as deep
		}
		sub := participleTokens(filename, append(lx.toks[c.lo:c.hi:c.hi], eof))
		pl, err := lexer.Upgrade(&sliceLexer{toks: sub})
		if err != nil {
			return err
		}
		ch, perr := parser.ParseFromLexer(pl)
		slowOK := perr == nil
		at := lx.toks[c.lo].Pos.In(filename)
		switch {
		case fastOK && !slowOK:
			return fmt.Errorf("%s: the fast parser accepts what the grammar rejects (%v)", at, perr)
		case !fastOK && slowOK:
			return fmt.Errorf("%s: the fast parser rejects what the grammar accepts", at)
		case fastOK && !reflect.DeepEqual(fast, fromGrammar(ch.Stmts)):
			return fmt.Errorf("%s: the parsers build different trees", at)
		}
	}
	return nil
}
