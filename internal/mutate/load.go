package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// pkg is the package under test, type-checked from its sources and its dependencies' export
// data (what `go list -export` built), so that each mutant can be type-checked in a few
// milliseconds instead of compiled.
type pkg struct {
	dir, importPath, name string
	goVersion             string
	files                 []*srcFile
	fset                  *token.FileSet
	info                  *types.Info
	conf                  *types.Config
	every                 []*srcFile // every source file, generated ones included
	digest                string     // of every source and test file: a resumed report must match it
	code                  string     // of the non-test sources alone: -rerun carries a report made from the same code
}

type listed struct {
	Dir, ImportPath, Name string
	GoFiles               []string
	TestGoFiles           []string
	XTestGoFiles          []string
	ImportMap             map[string]string
	Module                *struct{ GoVersion string }
}

// goList runs `go list` in dir and returns its standard output.
func goList(dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("go", append([]string{"list"}, args...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return out, nil
}

var generated = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// load lists, parses and type-checks the package at pattern (run from dir, the module root).
func load(dir, pattern, tags string) (*pkg, error) {
	tagArgs := []string{}
	if tags != "" {
		tagArgs = []string{"-tags", tags}
	}
	out, err := goList(dir, append(tagArgs, "-json", pattern)...)
	if err != nil {
		return nil, err
	}
	var l listed
	if err := json.Unmarshal(out, &l); err != nil {
		return nil, fmt.Errorf("go list %s: %v", pattern, err)
	}
	// os and strconv: the schema's helper imports them (see schema.go).
	out, err = goList(dir, append(tagArgs, "-export", "-deps", "-f", "{{.ImportPath}}\t{{.Export}}", pattern, "os", "strconv")...)
	if err != nil {
		return nil, err
	}
	exports := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if path, file, ok := strings.Cut(sc.Text(), "\t"); ok && file != "" {
			exports[path] = file
		}
	}
	p := &pkg{dir: l.Dir, importPath: l.ImportPath, name: l.Name, fset: token.NewFileSet()}
	if l.Module != nil && l.Module.GoVersion != "" {
		p.goVersion = "go" + l.Module.GoVersion
	}
	sum := sha256.New()
	var asts []*ast.File
	for _, name := range slices.Sorted(slices.Values(l.GoFiles)) {
		path := filepath.Join(l.Dir, name)
		src, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(src))
		sum.Write(src)
		f, err := parser.ParseFile(p.fset, path, src, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		asts = append(asts, f)
		sf := &srcFile{name: name, path: path, src: src, ast: f}
		p.every = append(p.every, sf)
		if !generated.Match(src) { // a generated file is type-checked, never mutated
			p.files = append(p.files, sf)
		}
	}
	p.code = hex.EncodeToString(sum.Sum(nil))[:16]
	for _, name := range slices.Sorted(slices.Values(append(slices.Clone(l.TestGoFiles), l.XTestGoFiles...))) {
		src, err := os.ReadFile(filepath.Join(l.Dir, name))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(sum, "%s\x00%d\x00", name, len(src))
		sum.Write(src)
	}
	p.digest = hex.EncodeToString(sum.Sum(nil))[:16]
	imp := importer.ForCompiler(p.fset, "gc", func(path string) (io.ReadCloser, error) {
		if mapped, ok := l.ImportMap[path]; ok {
			path = mapped
		}
		file, ok := exports[path]
		if !ok {
			return nil, fmt.Errorf("no export data for %s", path)
		}
		return os.Open(file)
	})
	p.conf = &types.Config{Importer: imp, GoVersion: p.goVersion}
	p.info = &types.Info{
		Types:      map[ast.Expr]types.TypeAndValue{},
		Defs:       map[*ast.Ident]types.Object{},
		Uses:       map[*ast.Ident]types.Object{},
		Selections: map[*ast.SelectorExpr]*types.Selection{},
	}
	if _, err := p.conf.Check(l.ImportPath, p.fset, asts, p.info); err != nil {
		return nil, fmt.Errorf("type-checking %s: %v", pattern, err)
	}
	return p, nil
}

// mutants lists every mutant of the package's files whose base names match (when include is
// set) and do not match exclude, in file order, each type-checked: one that does not
// compile comes back with its reason and is never run.
func (p *pkg) mutants(include, exclude *regexp.Regexp, only map[string]bool) ([]*mutant, map[*mutant]string) {
	uses := map[types.Object][]token.Pos{}
	for id, obj := range p.info.Uses {
		uses[obj] = append(uses[obj], id.Pos())
	}
	for _, list := range uses {
		slices.Sort(list)
	}
	var all []*mutant
	broken := map[*mutant]string{}
	for _, f := range p.files {
		if (include != nil && !include.MatchString(f.name)) || (exclude != nil && exclude.MatchString(f.name)) {
			continue
		}
		seen := map[string]bool{string(f.src): true}
		for _, m := range enumerate(p.fset, p.info, f, uses) {
			if only != nil && !only[m.mutator] {
				continue
			}
			m.src = m.apply()
			if seen[string(m.src)] {
				continue // the same program as the original or as an earlier mutant
			}
			seen[string(m.src)] = true
			sum := sha256.Sum256(append([]byte(f.name+"\x00"), m.src...))
			m.id = hex.EncodeToString(sum[:4])
			if err := p.check(f, m.src); err != nil {
				broken[m] = err.Error()
			}
			all = append(all, m)
		}
	}
	numberTwins(all)
	return all, broken
}

// check type-checks the package with one file replaced.
func (p *pkg) check(f *srcFile, src []byte) error {
	return p.checkWith(map[*srcFile][]byte{f: src}, "")
}

// checkFiles type-checks files as the package and returns the first error, with its place.
func (p *pkg) checkFiles(files []*ast.File) error {
	var first error
	conf := *p.conf
	conf.Error = func(err error) {
		if first == nil {
			first = err
		}
	}
	_, _ = conf.Check(p.importPath, p.fset, files, nil)
	var te types.Error
	if errors.As(first, &te) {
		pos := te.Fset.Position(te.Pos)
		return fmt.Errorf("%s:%d:%d: %s", filepath.Base(pos.Filename), pos.Line, pos.Column, te.Msg)
	}
	return first
}
