package lang

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// TestFastParserMatchesParticiple checks that the fast parser and the participle grammar
// agree, tree for tree, on every example, every diagnostic case and the benchmark model.
func TestFastParserMatchesParticiple(t *testing.T) {
	srcs := map[string][]byte{"bench": bnModel(300)}
	for _, dir := range []string{filepath.Join("..", "examples"), ptSpecExamplesDir, filepath.Join("testdata", "errors")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.mf"))
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			srcs[f] = src
		}
	}
	for _, c := range ptDiagCases {
		srcs[c.src] = []byte(c.src)
	}
	for name, src := range srcs {
		if err := CheckTwin(name, src); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestGrammarFieldsMatchAST checks that every statement form of the grammar has the same
// fields as its AST type, which fromGrammar copies by name: a field added to one and not
// the other would be lost, or panic, only on the runs participle parses.
func TestGrammarFieldsMatchAST(t *testing.T) {
	pairs := []struct{ grammar, ast any }{
		{gIdent{}, Ident{}}, {gLabel{}, Ident{}}, {gStatement{}, Statement{}}, {gModelDecl{}, ModelDecl{}},
		{gTimeDecl{}, TimeDecl{}}, {gScaleDecl{}, ScaleDecl{}}, {gParamDecl{}, ParamDecl{}},
		{gParamItem{}, ParamItem{}}, {gArrayLit{}, ArrayLit{}}, {gArrayElem{}, ArrayElem{}},
		{gSpeciesDecl{}, SpeciesDecl{}}, {gSpeciesItem{}, SpeciesItem{}}, {gEnvDecl{}, EnvDecl{}},
		{gDefDecl{}, DefDecl{}}, {gMeasureDecl{}, MeasureDecl{}}, {gAssumeDecl{}, AssumeDecl{}}, {gInitDecl{}, InitDecl{}},
		{gInitItem{}, InitItem{}}, {gInitFor{}, InitFor{}}, {gInitAssign{}, InitAssign{}},
		{gShape{}, Shape{}}, {gDim{}, Dim{}}, {gRange{}, Range{}}, {gBinders{}, Binders{}},
		{gBinder{}, Binder{}}, {gForStmt{}, ForStmt{}}, {gLoopBody{}, LoopBody{}},
		{gTransition{}, Transition{}}, {gChange{}, Change{}}, {gReaction{}, Reaction{}},
		{gSide{}, Side{}}, {gTerm{}, Term{}}, {gUpdate{}, Update{}}, {gAssign{}, Assign{}},
		{gRef{}, Ref{}}, {gIfExpr{}, IfExpr{}}, {gMatchExpr{}, MatchExpr{}}, {gArm{}, Arm{}},
		{gReduction{}, Reduction{}}, {gCall{}, Call{}},
	}
	names := func(v any) []string {
		t := reflect.TypeOf(v)
		out := make([]string, t.NumField())
		for i := range out {
			out[i] = t.Field(i).Name
		}
		return out
	}
	for _, p := range pairs {
		if g, a := names(p.grammar), names(p.ast); !reflect.DeepEqual(g, a) {
			t.Errorf("%T has fields %v, %T has %v", p.grammar, g, p.ast, a)
		}
	}
}
