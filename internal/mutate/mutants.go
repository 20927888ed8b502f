package main

import (
	"fmt"
	"go/ast"
	"go/constant"
	"go/token"
	"go/types"
	"slices"
	"sort"
	"strings"
)

// The mutators, in the order a report lists them. Families as in go-mutesting: statements
// (remove-*, drop-*), branches (cond-*, empty-*) and expressions (the rest).
var mutators = []string{
	"remove-call", // a call statement removed
	"remove-stmt", // an assignment, ++/--, send or go statement removed
	"drop-defer",  // a defer removed
	"drop-lock",   // a Lock/RLock removed together with the Unlocks that pair with it
	"cond-true",   // an if, for or tagless-case condition made true
	"cond-false",  // the same condition made false
	"empty-if",    // an if's body emptied
	"empty-else",  // an else block emptied
	"empty-case",  // a case or select clause's body emptied
	"swap-args",   // two neighbouring arguments of identical type swapped
	"nil-error",   // a returned error replaced with nil
	"lift-limit",  // a 0 or 1 that bounds something (comparison, ±, slice bound, make/min/max) raised by one
	"lift-const",  // a numeric constant (declared, or a field of a literal) doubled
}

// edit replaces src[start:end] with text. When pad is set (statement positions only, where a
// newline cannot end an expression early) the text is followed by as many newlines as it
// takes to keep every later line where it was, so coverage and messages keep their lines.
type edit struct {
	start, end int
	text       string
	pad        bool
}

// wrap is a switch around the code in src[start:end]: given that code (with the switches of
// other mutants inside it already made) and on, an expression true when this mutant is the
// active one, it returns the code that does what the mutant does when on, and what the
// original does when not.
type wrap struct {
	start, end int
	fn         func(inner, on string) string
}

// unless runs a statement, a list of them or a block's contents only when the mutant is off.
func unless(inner, on string) string { return "if !" + on + " {" + inner + "}" }

// mutant is one change to one file of the package.
type mutant struct {
	file    *srcFile
	mutator string
	fn      string    // the enclosing function (Type.method, or the declared name)
	pos     token.Pos // where the report points
	at      token.Position
	anchors []token.Pos // what coverage must have run (see coverage.covered)
	anyUse  bool        // anchors are a constant's uses, not a chain
	before  string      // what the report shows of the code before and after
	after   string
	twin    int // its number among the mutants of one key (see numberTwins); 0 when alone
	edits   []edit
	tail    []string // declarations appended to the file to keep imports used
	race    bool     // run with -race (lock mutants: a dropped lock is a race)
	// schema is the same change as switches that the program flips at run time, to compile
	// many mutants into one binary (see schema.go); nil when it cannot be put that way.
	schema []wrap

	src      []byte // the mutated file, set by apply
	id       string
	schemaID int  // its switch in the schema (see schema.go): its place in the run's list, from 1
	inSchema bool // compiled into the schema's binary
}

// key is how the equivalents file names a mutant: stable while the code it changes is. When
// one function holds the same change more than once, each has its number in source order
// (" #2"), so that an explanation names the one it explains.
func (m *mutant) key() string {
	if m.twin > 0 {
		return fmt.Sprintf("%s #%d", m.baseKey(), m.twin)
	}
	return m.baseKey()
}

// baseKey is the key without the twin's number.
func (m *mutant) baseKey() string {
	return fmt.Sprintf("%s %s %s: %s → %s", m.file.name, m.mutator, m.fn, m.before, m.after)
}

// numberTwins numbers, in the order given (source order), the mutants that share a base key.
func numberTwins(ms []*mutant) {
	count := map[string]int{}
	for _, m := range ms {
		count[m.baseKey()]++
	}
	seen := map[string]int{}
	for _, m := range ms {
		if k := m.baseKey(); count[k] > 1 {
			seen[k]++
			m.twin = seen[k]
		}
	}
}

// srcFile is one non-test source file of the package under test.
type srcFile struct {
	name string // base name
	path string // absolute path
	src  []byte
	ast  *ast.File
}

// enumerator walks one file and collects its mutants.
type enumerator struct {
	self  *types.Package
	fset  *token.FileSet
	info  *types.Info
	file  *srcFile
	uses  map[types.Object][]token.Pos
	stack []ast.Node
	out   []*mutant
}

// enumerate lists the mutants of one file, in source order.
func enumerate(fset *token.FileSet, info *types.Info, f *srcFile, uses map[types.Object][]token.Pos) []*mutant {
	e := &enumerator{fset: fset, info: info, file: f, uses: uses}
	ast.Inspect(f.ast, func(n ast.Node) bool {
		if n == nil {
			e.stack = e.stack[:len(e.stack)-1]
			return true
		}
		e.visit(n)
		e.stack = append(e.stack, n)
		return true
	})
	order := map[string]int{}
	for i, name := range mutators {
		order[name] = i
	}
	sort.SliceStable(e.out, func(i, j int) bool {
		a, b := e.out[i], e.out[j]
		if a.pos != b.pos {
			return a.pos < b.pos
		}
		return order[a.mutator] < order[b.mutator]
	})
	return e.out
}

func (e *enumerator) off(p token.Pos) int { return e.fset.File(p).Offset(p) }

func (e *enumerator) text(n ast.Node) string {
	return string(e.file.src[e.off(n.Pos()):e.off(n.End())])
}

// parent is the node holding the one being visited.
func (e *enumerator) parent() ast.Node {
	if len(e.stack) == 0 {
		return nil
	}
	return e.stack[len(e.stack)-1]
}

// funcName names the declaration the visited node is in.
func (e *enumerator) funcName() string {
	for _, n := range e.stack {
		switch d := n.(type) {
		case *ast.FuncDecl:
			if d.Recv != nil && len(d.Recv.List) > 0 {
				t := d.Recv.List[0].Type
				if s, ok := t.(*ast.StarExpr); ok {
					t = s.X
				}
				if ix, ok := t.(*ast.IndexExpr); ok {
					t = ix.X
				}
				if ix, ok := t.(*ast.IndexListExpr); ok {
					t = ix.X
				}
				if id, ok := t.(*ast.Ident); ok {
					return id.Name + "." + d.Name.Name
				}
			}
			return d.Name.Name
		case *ast.GenDecl:
			for _, s := range d.Specs {
				switch s := s.(type) {
				case *ast.ValueSpec:
					if len(s.Names) > 0 {
						return s.Names[0].Name
					}
				case *ast.TypeSpec:
					return s.Name.Name
				}
			}
		}
	}
	return "-"
}

// signature is the type of the innermost function the visited node is in.
func (e *enumerator) signature() *types.Signature {
	for i := len(e.stack) - 1; i >= 0; i-- {
		switch f := e.stack[i].(type) {
		case *ast.FuncLit:
			if s, ok := e.info.TypeOf(f).(*types.Signature); ok {
				return s
			}
			return nil
		case *ast.FuncDecl:
			if obj, ok := e.info.Defs[f.Name].(*types.Func); ok {
				return obj.Type().(*types.Signature)
			}
			return nil
		}
	}
	return nil
}

// funcBody is the body of the innermost function declaration (not literal) the node is in.
func (e *enumerator) funcBody() *ast.BlockStmt {
	for i := len(e.stack) - 1; i >= 0; i-- {
		if f, ok := e.stack[i].(*ast.FuncDecl); ok {
			return f.Body
		}
	}
	return nil
}

// stmtAnchor is the innermost statement holding the visited node, as a coverage anchor.
func (e *enumerator) stmtAnchor() token.Pos {
	for i := len(e.stack) - 1; i >= 0; i-- {
		if s, ok := e.stack[i].(ast.Stmt); ok {
			if _, block := s.(*ast.BlockStmt); !block {
				return s.Pos()
			}
		}
	}
	return token.NoPos
}

func (e *enumerator) add(m *mutant) {
	m.file = e.file
	m.at = e.fset.Position(m.pos)
	if m.fn == "" {
		m.fn = e.funcName()
	}
	m.before, m.after = short(m.before), short(m.after)
	e.out = append(e.out, m)
}

func (e *enumerator) visit(n ast.Node) {
	switch n := n.(type) {
	case *ast.BlockStmt:
		e.statements(n.List)
	case *ast.CaseClause:
		e.statements(n.Body)
		e.emptyClause(n.Colon, n.Body)
	case *ast.CommClause:
		e.statements(n.Body)
		e.emptyClause(n.Colon, n.Body)
	case *ast.IfStmt:
		e.conditions(n.Cond, n.Cond.Pos(), n.Pos())
		if len(n.Body.List) > 0 && (n.Else != nil || e.effects(n.Cond)) {
			e.emptyBlock("empty-if", n.Body) // else the same program as cond-false
		}
		if b, ok := n.Else.(*ast.BlockStmt); ok && len(b.List) > 0 {
			e.emptyBlock("empty-else", b)
		}
	case *ast.ForStmt:
		if n.Cond != nil {
			e.conditions(n.Cond, n.Cond.Pos(), n.Pos())
		}
	case *ast.SwitchStmt:
		if n.Tag == nil {
			for _, c := range n.Body.List {
				if cc := c.(*ast.CaseClause); len(cc.List) > 0 {
					e.caseConditions(n, cc)
				}
			}
		}
	case *ast.CallExpr:
		e.swapArgs(n)
	case *ast.ReturnStmt:
		e.nilError(n)
	case *ast.BasicLit:
		e.liftLimit(n)
	case *ast.GenDecl:
		if n.Tok == token.CONST {
			e.liftConsts(n)
		}
	case *ast.KeyValueExpr:
		if _, ok := e.parent().(*ast.CompositeLit); ok {
			e.liftField(n)
		}
	}
}

// statements yields the removal mutants of one statement list.
func (e *enumerator) statements(list []ast.Stmt) {
	for _, s := range list {
		switch s := s.(type) {
		case *ast.ExprStmt:
			call, ok := s.X.(*ast.CallExpr)
			if !ok {
				e.remove("remove-stmt", s) // a lone receive
				continue
			}
			switch kind, recv := e.lockCall(call); kind {
			case "Lock", "RLock":
				e.dropLock(s, kind, recv)
			case "Unlock", "RUnlock": // removed with the Lock they pair with
			default:
				e.remove("remove-call", s)
			}
		case *ast.DeferStmt:
			if kind, _ := e.lockCall(s.Call); kind == "Unlock" || kind == "RUnlock" {
				continue
			}
			e.remove("drop-defer", s)
		case *ast.AssignStmt:
			if s.Tok == token.DEFINE || allBlank(s.Lhs) {
				continue
			}
			e.remove("remove-stmt", s)
		case *ast.IncDecStmt, *ast.SendStmt, *ast.GoStmt:
			e.remove("remove-stmt", s)
		}
	}
}

func allBlank(exprs []ast.Expr) bool {
	for _, x := range exprs {
		if id, ok := x.(*ast.Ident); !ok || id.Name != "_" {
			return false
		}
	}
	return true
}

// remove yields a mutant that deletes s.
func (e *enumerator) remove(mutator string, s ast.Stmt) {
	ed, tail := e.deletion(s.Pos(), s.End(), s)
	e.add(&mutant{mutator: mutator, pos: s.Pos(), anchors: []token.Pos{s.Pos()},
		before: e.text(s), after: "(removed)", edits: []edit{ed}, tail: tail,
		schema: []wrap{{start: ed.start, end: ed.end, fn: unless}}})
}

// deletion replaces [from, to) with a statement that still uses every local variable and
// import the deleted code used, so that deleting it never leaves one unused (a compile error
// in Go, not a behaviour).
func (e *enumerator) deletion(from, to token.Pos, nodes ...ast.Node) (edit, []string) {
	var vars []string
	seen := map[string]bool{}
	pkgs := map[string]string{}
	var pkgOrder []string
	for _, n := range nodes {
		ast.Inspect(n, func(n ast.Node) bool {
			switch x := n.(type) {
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok {
					if pn, ok := e.info.Uses[id].(*types.PkgName); ok {
						if _, done := pkgs[id.Name]; !done {
							if decl := keepAlive(id.Name, pn.Imported(), e.info.Uses[x.Sel]); decl != "" {
								pkgs[id.Name] = decl
								pkgOrder = append(pkgOrder, id.Name)
							}
						}
						return false
					}
				}
			case *ast.Ident:
				v, ok := e.info.Uses[x].(*types.Var)
				if !ok || v.IsField() || v.Parent() == nil || v.Parent() == v.Pkg().Scope() || v.Parent() == types.Universe {
					return true
				}
				if v.Pos() >= from && v.Pos() < to { // declared inside what goes
					return true
				}
				if !seen[x.Name] {
					seen[x.Name] = true
					vars = append(vars, x.Name)
				}
			}
			return true
		})
	}
	text := ""
	if len(vars) > 0 {
		text = strings.Repeat("_, ", len(vars)-1) + "_ = " + strings.Join(vars, ", ")
	}
	var tail []string
	for _, p := range pkgOrder {
		tail = append(tail, pkgs[p])
	}
	return edit{start: e.off(from), end: e.off(to), text: text, pad: true}, tail
}

// keepAlive is a package-level declaration that uses an import: through the symbol the
// deleted code used when that can stand alone, else through the first exported one of the
// package that can (a generic function or type cannot without its type arguments).
func keepAlive(local string, imported *types.Package, used types.Object) string {
	if decl := useOf(local, used); decl != "" {
		return decl
	}
	for _, name := range imported.Scope().Names() {
		if obj := imported.Scope().Lookup(name); obj.Exported() {
			if decl := useOf(local, obj); decl != "" {
				return decl
			}
		}
	}
	return ""
}

func useOf(pkg string, obj types.Object) string {
	switch o := obj.(type) {
	case *types.Func:
		if sig, ok := o.Type().(*types.Signature); ok && sig.TypeParams().Len() == 0 {
			return fmt.Sprintf("var _ = %s.%s", pkg, o.Name())
		}
	case *types.Var:
		return fmt.Sprintf("var _ = &%s.%s", pkg, o.Name())
	case *types.Const:
		return fmt.Sprintf("const _ = %s.%s", pkg, o.Name())
	case *types.TypeName:
		if named, ok := o.Type().(*types.Named); ok && named.TypeParams().Len() > 0 {
			return ""
		}
		if _, alias := o.Type().(*types.Alias); alias {
			return ""
		}
		if i, ok := o.Type().Underlying().(*types.Interface); ok && !i.IsMethodSet() {
			return "" // a constraint
		}
		return fmt.Sprintf("var _ *%s.%s", pkg, o.Name())
	}
	return ""
}

// lockCall reports whether call is a sync Lock/Unlock/RLock/RUnlock method call, which one,
// and the text of its receiver.
func (e *enumerator) lockCall(call *ast.CallExpr) (string, string) {
	sel, ok := call.Fun.(*ast.SelectorExpr)
	if !ok {
		return "", ""
	}
	s := e.info.Selections[sel]
	if s == nil || s.Obj().Pkg() == nil || s.Obj().Pkg().Path() != "sync" {
		return "", ""
	}
	switch name := s.Obj().Name(); name {
	case "Lock", "Unlock", "RLock", "RUnlock":
		return name, e.text(sel.X)
	}
	return "", ""
}

// dropLock yields a mutant that removes a Lock and every Unlock of the same lock after it in
// the function, up to its next Lock: the section runs unguarded, which only a race (or a
// broken invariant) shows. Removing one call of a pair alone would only deadlock or panic.
func (e *enumerator) dropLock(s *ast.ExprStmt, kind, recv string) {
	body := e.funcBody()
	if body == nil {
		return
	}
	unlock := "Unlock"
	if kind == "RLock" {
		unlock = "RUnlock"
	}
	ed, tail := e.deletion(s.Pos(), s.End(), s)
	edits := []edit{ed}
	stop := false
	ast.Inspect(body, func(n ast.Node) bool {
		if stop || n == nil || n.End() <= s.End() {
			return !stop
		}
		var call *ast.CallExpr
		switch x := n.(type) {
		case *ast.ExprStmt:
			call, _ = x.X.(*ast.CallExpr)
		case *ast.DeferStmt:
			call = x.Call
		}
		if call == nil || n.Pos() < s.End() {
			return true
		}
		k, r := e.lockCall(call)
		switch {
		case r != recv:
		case k == kind:
			stop = true
		case k == unlock:
			edits = append(edits, edit{start: e.off(n.Pos()), end: e.off(n.End()), pad: true})
		}
		return false
	})
	var schema []wrap
	for _, ed := range edits {
		schema = append(schema, wrap{start: ed.start, end: ed.end, fn: unless})
	}
	e.add(&mutant{mutator: "drop-lock", pos: s.Pos(), anchors: []token.Pos{s.Pos()},
		before: e.text(s) + fmt.Sprintf(" (and %d %s)", len(edits)-1, unlock), after: "(removed)",
		edits: edits, tail: tail, race: true, schema: schema})
}

// conditions yields cond-true and cond-false for one condition. The condition is kept behind
// a short circuit (`true || (c)`, `false && (c)`): the same value, never evaluated, and every
// variable it names is still used.
func (e *enumerator) conditions(cond ast.Expr, anchors ...token.Pos) {
	text := e.text(cond)
	start, end := e.off(cond.Pos()), e.off(cond.End())
	e.add(&mutant{mutator: "cond-true", pos: cond.Pos(), anchors: anchors, before: text, after: "true",
		edits:  []edit{{start: start, end: end, text: "true || (" + text + ")"}},
		schema: []wrap{{start: start, end: end, fn: always}}})
	e.add(&mutant{mutator: "cond-false", pos: cond.Pos(), anchors: anchors, before: text, after: "false",
		edits:  []edit{{start: start, end: end, text: "false && (" + text + ")"}},
		schema: []wrap{{start: start, end: end, fn: never}}})
}

// always and never are a condition's switches: true or false when on, else what it was.
func always(inner, on string) string { return "(" + on + " || (" + inner + "))" }

func never(inner, on string) string { return "(!" + on + " && (" + inner + "))" }

// caseConditions does the same for the expressions of a tagless switch's case clause (any of
// which selects it).
func (e *enumerator) caseConditions(sw *ast.SwitchStmt, cc *ast.CaseClause) {
	first, last := cc.List[0], cc.List[len(cc.List)-1]
	var b strings.Builder
	for i, x := range cc.List {
		if i > 0 { // keep the white space between, turning the comma into an or
			between := string(e.file.src[e.off(cc.List[i-1].End()):e.off(x.Pos())])
			b.WriteString(") ||" + strings.Replace(between, ",", "", 1) + "(")
		}
		b.WriteString(e.text(x))
	}
	joined := b.String()
	whole := string(e.file.src[e.off(first.Pos()):e.off(last.End())])
	// As switches: the first expression true selects the clause; all false leave it.
	var falses []wrap
	for _, x := range cc.List {
		falses = append(falses, wrap{start: e.off(x.Pos()), end: e.off(x.End()), fn: never})
	}
	for _, v := range []struct {
		name, op string
		schema   []wrap
	}{
		{"cond-true", "true || (", []wrap{{start: e.off(first.Pos()), end: e.off(first.End()), fn: always}}},
		{"cond-false", "false && (", falses},
	} {
		e.add(&mutant{mutator: v.name, pos: first.Pos(), anchors: []token.Pos{first.Pos(), sw.Pos()},
			before: "case " + whole, after: "case " + strings.Fields(v.op)[0],
			edits:  []edit{{start: e.off(first.Pos()), end: e.off(last.End()), text: v.op + joined + ")"}},
			schema: v.schema})
	}
}

// effects reports whether evaluating x can do something (call a function, receive), so that
// skipping a branch is not the same as never evaluating its condition.
func (e *enumerator) effects(x ast.Expr) bool {
	found := false
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if e.info.Types[n.Fun].IsType() {
				return true
			}
			if id, ok := ast.Unparen(n.Fun).(*ast.Ident); ok {
				if b, ok := e.info.Uses[id].(*types.Builtin); ok && (b.Name() == "len" || b.Name() == "cap") {
					return true
				}
			}
			found = true
		case *ast.UnaryExpr:
			found = found || n.Op == token.ARROW
		}
		return !found
	})
	return found
}

// emptyBlock yields a mutant that empties a block.
func (e *enumerator) emptyBlock(mutator string, b *ast.BlockStmt) {
	ed, tail := e.deletion(b.Lbrace+1, b.Rbrace, b)
	ed.text = " " + ed.text + " "
	e.add(&mutant{mutator: mutator, pos: b.Lbrace, anchors: []token.Pos{b.List[0].Pos()},
		before: e.text(b), after: "{}", edits: []edit{ed}, tail: tail,
		schema: []wrap{{start: ed.start, end: ed.end, fn: unless}}})
}

// emptyClause yields a mutant that empties a case or select clause (a final fallthrough stays).
func (e *enumerator) emptyClause(colon token.Pos, body []ast.Stmt) {
	if len(body) == 0 {
		return
	}
	last := body[len(body)-1]
	if br, ok := last.(*ast.BranchStmt); ok && br.Tok == token.FALLTHROUGH {
		body = body[:len(body)-1]
		if len(body) == 0 {
			return
		}
	}
	from, to := body[0].Pos(), body[len(body)-1].End()
	nodes := make([]ast.Node, len(body))
	for i, s := range body {
		nodes[i] = s
	}
	ed, tail := e.deletion(from, to, nodes...)
	e.add(&mutant{mutator: "empty-case", pos: from, anchors: []token.Pos{from},
		before: string(e.file.src[e.off(from):e.off(to)]), after: "(nothing)", edits: []edit{ed}, tail: tail,
		schema: []wrap{{start: ed.start, end: ed.end, fn: unless}}})
}

// swapArgs yields a mutant for each pair of neighbouring arguments of identical type.
func (e *enumerator) swapArgs(call *ast.CallExpr) {
	if len(call.Args) < 2 || e.info.Types[call.Fun].IsType() {
		return
	}
	name := e.text(call.Fun)
	if id, ok := ast.Unparen(call.Fun).(*ast.Ident); ok {
		if b, ok := e.info.Uses[id].(*types.Builtin); ok && b.Name() != "copy" {
			return // min, max, append, complex...: order does not matter or cannot change
		}
	}
	// Functional options (a variadic list of funcs) are applied in turn to a settings struct,
	// so two of them swapped is the same call: leave them be.
	options := -1
	if sig, ok := e.info.TypeOf(call.Fun).Underlying().(*types.Signature); ok && sig.Variadic() {
		last := sig.Params().At(sig.Params().Len() - 1).Type().(*types.Slice).Elem()
		if _, fn := last.Underlying().(*types.Signature); fn {
			options = sig.Params().Len() - 1
		}
	}
	for i := 0; i+1 < len(call.Args); i++ {
		a, b := call.Args[i], call.Args[i+1]
		if call.Ellipsis.IsValid() && i+1 == len(call.Args)-1 || options >= 0 && i >= options {
			break
		}
		ta, tb := e.info.TypeOf(a), e.info.TypeOf(b)
		ea, eb := e.text(a), e.text(b)
		if ta == nil || tb == nil || !types.Identical(ta, tb) || ea == eb {
			continue
		}
		pre, post := "", ""
		if i > 0 {
			pre = "…, "
		}
		if i+2 < len(call.Args) {
			post = ", …"
		}
		// As switches each argument is chosen from the two, both evaluated: only where that
		// has no effect.
		var schema []wrap
		if !e.effects(a) && !e.effects(b) {
			schema = []wrap{
				{start: e.off(a.Pos()), end: e.off(a.End()), fn: func(inner, on string) string { return choose(on, eb, inner) }},
				{start: e.off(b.Pos()), end: e.off(b.End()), fn: func(inner, on string) string { return choose(on, ea, inner) }},
			}
		}
		e.add(&mutant{mutator: "swap-args", pos: a.Pos(), anchors: []token.Pos{call.Pos(), e.stmtAnchor()},
			before: fmt.Sprintf("%s(%s%s, %s%s)", name, pre, ea, eb, post),
			after:  fmt.Sprintf("%s(%s%s, %s%s)", name, pre, eb, ea, post),
			edits: []edit{{start: e.off(a.Pos()), end: e.off(a.End()), text: eb},
				{start: e.off(b.Pos()), end: e.off(b.End()), text: ea}},
			schema: schema})
	}
}

// choose is x when on, else y (the helper schema.go adds to the package).
func choose(on, x, y string) string { return schemaChoose + "(" + on + ", " + x + ", " + y + ")" }

// nilError yields a mutant that returns nil in place of a function's error result.
func (e *enumerator) nilError(r *ast.ReturnStmt) {
	sig := e.signature()
	if sig == nil || sig.Results().Len() == 0 || len(r.Results) != sig.Results().Len() {
		return
	}
	last := sig.Results().At(sig.Results().Len() - 1)
	if !types.Identical(last.Type(), types.Universe.Lookup("error").Type()) {
		return
	}
	x := r.Results[len(r.Results)-1]
	if id, ok := x.(*ast.Ident); ok && id.Name == "nil" {
		return
	}
	// What the error named stays used, in a statement put before the return.
	keep, tail := e.deletion(x.Pos(), x.End(), x)
	edits := []edit{{start: e.off(x.Pos()), end: e.off(x.End()), text: "nil"}}
	if keep.text != "" {
		edits = append(edits, edit{start: e.off(r.Pos()), end: e.off(r.Pos()), text: keep.text + "; "})
	}
	e.add(&mutant{mutator: "nil-error", pos: x.Pos(), anchors: []token.Pos{r.Pos()},
		before: "return " + e.text(x), after: "return nil", edits: edits, tail: tail,
		schema: []wrap{{start: e.off(x.Pos()), end: e.off(x.End()), fn: func(inner, on string) string {
			return "func() error { if " + on + " { return nil }; return " + inner + " }()"
		}}}})
}

// liftLimit yields a mutant that raises a literal 0 or 1 bounding something by one.
func (e *enumerator) liftLimit(lit *ast.BasicLit) {
	if lit.Kind != token.INT || (lit.Value != "0" && lit.Value != "1") {
		return
	}
	var shown ast.Node
	switch p := e.parent().(type) {
	case *ast.BinaryExpr:
		switch p.Op {
		case token.LSS, token.LEQ, token.GTR, token.GEQ, token.EQL, token.NEQ, token.ADD, token.SUB:
			shown = p
		}
	case *ast.SliceExpr:
		if ast.Expr(lit) != p.X {
			shown = p
		}
	case *ast.CallExpr:
		if id, ok := ast.Unparen(p.Fun).(*ast.Ident); ok {
			if b, ok := e.info.Uses[id].(*types.Builtin); ok && slices.Contains([]string{"make", "min", "max"}, b.Name()) {
				shown = p
			}
		}
	}
	if shown == nil {
		return
	}
	lifted := "1"
	if lit.Value == "1" {
		lifted = "2"
	}
	whole := e.text(shown)
	at := e.off(lit.Pos()) - e.off(shown.Pos())
	var schema []wrap // the literal's type, spelled as this file can, chooses the instance
	if t := e.typeName(e.info.TypeOf(lit)); t != "" {
		schema = []wrap{{start: e.off(lit.Pos()), end: e.off(lit.End()), fn: func(inner, on string) string {
			return schemaChoose + "[" + t + "](" + on + ", " + lifted + ", " + inner + ")"
		}}}
	}
	e.add(&mutant{mutator: "lift-limit", pos: lit.Pos(), anchors: []token.Pos{lit.Pos(), e.stmtAnchor()},
		before: whole, after: whole[:at] + lifted + whole[at+len(lit.Value):],
		edits: []edit{{start: e.off(lit.Pos()), end: e.off(lit.End()), text: lifted}}, schema: schema})
}

// typeName spells t as this file can (its package's own names bare, others through the
// file's imports), or "" when it cannot: an untyped constant, a package not imported here.
func (e *enumerator) typeName(t types.Type) string {
	if b, ok := t.(*types.Basic); t == nil || ok && b.Info()&types.IsUntyped != 0 {
		return ""
	}
	ok := true
	name := types.TypeString(t, func(p *types.Package) string {
		if p == e.pkg() {
			return ""
		}
		for _, imp := range e.file.ast.Imports {
			if strings.Trim(imp.Path.Value, `"`) != p.Path() {
				continue
			}
			if imp.Name != nil {
				return imp.Name.Name
			}
			return p.Name()
		}
		ok = false
		return ""
	})
	if !ok {
		return ""
	}
	return name
}

// pkg is the package being mutated.
func (e *enumerator) pkg() *types.Package {
	if e.self == nil {
		for _, obj := range e.info.Defs {
			if obj != nil && obj.Pkg() != nil {
				e.self = obj.Pkg()
				break
			}
		}
	}
	return e.self
}

// liftable reports whether x is a non-zero numeric constant of a plain number type or
// time.Duration, written without iota.
func (e *enumerator) liftable(x ast.Expr, t types.Type) bool {
	tv, ok := e.info.Types[x]
	if !ok || tv.Value == nil || (tv.Value.Kind() != constant.Int && tv.Value.Kind() != constant.Float) || constant.Sign(tv.Value) == 0 {
		return false
	}
	iota := false
	ast.Inspect(x, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && id.Name == "iota" {
			iota = true
		}
		return !iota
	})
	if iota || t == nil {
		return false
	}
	if named, ok := t.(*types.Named); ok {
		obj := named.Obj()
		return obj.Pkg() != nil && obj.Pkg().Path() == "time" && obj.Name() == "Duration"
	}
	b, ok := t.(*types.Basic)
	return ok && b.Info()&types.IsNumeric != 0
}

// liftConsts yields a mutant that doubles each numeric constant of a declaration.
func (e *enumerator) liftConsts(d *ast.GenDecl) {
	for _, s := range d.Specs {
		vs := s.(*ast.ValueSpec)
		if len(vs.Values) != len(vs.Names) {
			continue
		}
		for i, v := range vs.Values {
			obj := e.info.Defs[vs.Names[i]]
			if obj == nil || !e.liftable(v, obj.Type()) {
				continue
			}
			text := e.text(v)
			e.add(&mutant{mutator: "lift-const", fn: vs.Names[i].Name, pos: v.Pos(), anchors: e.uses[obj], anyUse: true,
				before: vs.Names[i].Name + " = " + text, after: vs.Names[i].Name + " = 2 * (" + text + ")",
				edits: []edit{{start: e.off(v.Pos()), end: e.off(v.End()), text: "2 * (" + text + ")"}}})
		}
	}
}

// liftField doubles a numeric constant given to a field in a composite literal.
func (e *enumerator) liftField(kv *ast.KeyValueExpr) {
	key, ok := kv.Key.(*ast.Ident)
	if !ok || !e.liftable(kv.Value, e.info.TypeOf(kv.Value)) {
		return
	}
	text := e.text(kv.Value)
	e.add(&mutant{mutator: "lift-const", pos: kv.Value.Pos(), anchors: []token.Pos{kv.Pos(), e.stmtAnchor()},
		before: key.Name + ": " + text, after: key.Name + ": 2 * (" + text + ")",
		edits: []edit{{start: e.off(kv.Value.Pos()), end: e.off(kv.Value.End()), text: "2 * (" + text + ")"}}})
}

// short is a one-line, bounded rendering of code for the report.
func short(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > 72 {
		s = string(r[:71]) + "…"
	}
	return s
}

// apply returns the file with the mutant's edits made.
func (m *mutant) apply() []byte {
	src := m.file.src
	edits := slices.Clone(m.edits)
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	var b strings.Builder
	at := 0
	for _, ed := range edits {
		b.Write(src[at:ed.start])
		b.WriteString(ed.text)
		if ed.pad {
			if n := strings.Count(string(src[ed.start:ed.end]), "\n") - strings.Count(ed.text, "\n"); n > 0 {
				b.WriteString(strings.Repeat("\n", n))
			}
		}
		at = ed.end
	}
	b.Write(src[at:])
	for _, t := range m.tail {
		b.WriteString("\n" + t + "\n")
	}
	return []byte(b.String())
}
