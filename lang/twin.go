package lang

import (
	"fmt"
	"reflect"

	"github.com/alecthomas/participle/v2/lexer"
)

// CheckTwin parses every run of statements of src with both parsers, the participle
// grammar and its fast recursive-descent twin, and returns an error if they disagree:
// if one accepts a run the other rejects, or if they build different trees (positions
// included). Tests and the fuzz target call it; Parse relies on it holding.
func CheckTwin(filename string, src []byte) error {
	lx := lex(filename, src)
	for _, c := range split(lx.toks) {
		end := lx.toks[c.hi]
		eof := lexer.Token{Type: EOF, Pos: end.Pos}
		fast, fastOK := parseFast(lx.toks[c.lo:c.hi], eof, &arena{})
		sub := make([]lexer.Token, c.hi-c.lo+1)
		copy(sub, lx.toks[c.lo:c.hi])
		sub[len(sub)-1] = eof
		pl, err := lexer.Upgrade(&sliceLexer{toks: sub})
		if err != nil {
			return err
		}
		ch, perr := parser.ParseFromLexer(pl)
		slowOK := perr == nil
		at := lx.toks[c.lo].Pos
		switch {
		case fastOK && !slowOK:
			return fmt.Errorf("%s: the fast parser accepts what the grammar rejects (%v)", at, perr)
		case !fastOK && slowOK:
			return fmt.Errorf("%s: the fast parser rejects what the grammar accepts", at)
		case fastOK && !reflect.DeepEqual(fast, ch.Stmts):
			return fmt.Errorf("%s: the parsers build different trees", at)
		}
	}
	return nil
}
