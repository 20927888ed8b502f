package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"sort"
	"strings"
)

// Mutant schemata: rather than one build per mutant (most of a mutant's cost: compiling the
// package and its tests and linking them takes seconds, the tests it meets often a fraction of
// one), the mutants that can be written as switches are compiled together into one test
// binary, each behind a check of the MUTATE_ACTIVE environment variable, so that a run of that
// binary with MUTATE_ACTIVE=n is mutant n and, with it unset, the package as written. A statement
// removed becomes `if !on(n) { statement }`, a condition `(on(n) || (c))`, an error returned
// `func() error { if on(n) { return nil }; return err }()`, and so on (see each mutator's
// schema). A mutant whose switch does not compile (a branch that ends its function, a constant
// where only a constant will do) is built on its own, as are constants and swaps of arguments
// that have effects (a switch evaluates both).

// The helper's names; the trailing underscore keeps them out of the way of the package's.
const (
	schemaOn     = "mutateOn_"
	schemaChoose = "mutateChoose_"
	schemaFile   = "zz_mutate_schema.go"
	schemaEnv    = "MUTATE_ACTIVE"
)

// schemaHelper is the file added to the package: which mutant is on, and a generic choice.
func schemaHelper(pkgName string) string {
	return fmt.Sprintf(`package %s

import (
	mutateos_ "os"
	mutatestrconv_ "strconv"
)

var mutateActive_, _ = mutatestrconv_.Atoi(mutateos_.Getenv(%q))

func %s(id int) bool { return id == mutateActive_ }

func %s[T any](on bool, x, y T) T {
	if on {
		return x
	}
	return y
}
`, pkgName, schemaEnv, schemaOn, schemaChoose)
}

// placed is one mutant's wrap with the switch that turns it on.
type placed struct {
	wrap
	on    string
	order int
}

// renderSchema writes a file with the switches of the mutants given (by schema id), or an
// error when two of them touch overlapping code that neither holds.
func renderSchema(src []byte, ms []*mutant) ([]byte, error) {
	var ws []placed
	for i, m := range ms {
		for _, w := range m.schema {
			ws = append(ws, placed{wrap: w, on: fmt.Sprintf("%s(%d)", schemaOn, m.schemaID), order: i})
		}
	}
	sort.SliceStable(ws, func(i, j int) bool {
		a, b := ws[i], ws[j]
		if a.start != b.start {
			return a.start < b.start
		}
		if a.end != b.end {
			return a.end > b.end
		}
		return a.order < b.order
	})
	var render func(ws []placed, start, end int) (string, error)
	render = func(ws []placed, start, end int) (string, error) {
		var b strings.Builder
		at := start
		for i := 0; i < len(ws); {
			w := ws[i]
			j := i + 1
			for j < len(ws) && ws[j].start < w.end {
				if ws[j].end > w.end {
					return "", fmt.Errorf("overlapping switches at bytes %d-%d and %d-%d", w.start, w.end, ws[j].start, ws[j].end)
				}
				j++
			}
			inner, err := render(ws[i+1:j], w.start, w.end)
			if err != nil {
				return "", err
			}
			b.Write(src[at:w.start])
			b.WriteString(w.fn(inner, w.on))
			at, i = w.end, j
		}
		b.Write(src[at:end])
		return b.String(), nil
	}
	out, err := render(ws, 0, len(src))
	return []byte(out), err
}

// schema decides which of ms go into the shared binary: each one's switches must compile on
// their own, then all of a file's together (a file whose set does not is split in halves
// until each part does). It sets each mutant's schemaID first (its place in ms, from 1) and
// returns the schema's files by name, its helper included, and the mutants it holds.
func (p *pkg) schema(ms []*mutant) (map[string][]byte, []*mutant) {
	byFile := map[*srcFile][]*mutant{}
	var files []*srcFile
	helper := schemaHelper(p.name)
	for i, m := range ms {
		m.schemaID = i + 1
		if m.schema == nil {
			continue
		}
		src, err := renderSchema(m.file.src, []*mutant{m})
		if err != nil || p.checkWith(map[*srcFile][]byte{m.file: src}, helper) != nil {
			continue
		}
		if byFile[m.file] == nil {
			files = append(files, m.file)
		}
		byFile[m.file] = append(byFile[m.file], m)
	}
	out := map[string][]byte{schemaFile: []byte(helper)}
	var in []*mutant
	for _, f := range files {
		var fits func(set []*mutant) []*mutant
		fits = func(set []*mutant) []*mutant {
			src, err := renderSchema(f.src, set)
			if err == nil && p.checkWith(map[*srcFile][]byte{f: src}, helper) == nil {
				return set
			}
			if len(set) == 1 {
				return nil
			}
			return append(fits(set[:len(set)/2]), fits(set[len(set)/2:])...)
		}
		set := fits(byFile[f])
		for len(set) > 0 { // halves that compile apart may still clash together
			src, err := renderSchema(f.src, set)
			if err == nil && p.checkWith(map[*srcFile][]byte{f: src}, helper) == nil {
				out[f.name] = src
				in = append(in, set...)
				break
			}
			set = set[:len(set)-1]
		}
	}
	return out, in
}

// checkWith type-checks the package with some files replaced and, when helper is set, that
// file added.
func (p *pkg) checkWith(replaced map[*srcFile][]byte, helper string) error {
	var files []*ast.File
	for _, g := range p.every {
		f := g.ast
		if src, ok := replaced[g]; ok {
			parsed, err := parser.ParseFile(p.fset, g.path, src, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			f = parsed
		}
		files = append(files, f)
	}
	if helper != "" {
		parsed, err := parser.ParseFile(p.fset, schemaFile, helper, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		files = append(files, parsed)
	}
	return p.checkFiles(files)
}
