package main

import (
	"bufio"
	"fmt"
	"go/token"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// block is one basic block of a coverage profile.
type block struct {
	startLine, startCol, endLine, endCol int
	count                                int
	tests                                []int // which tests ran it, by index (per-test coverage)
}

func (b block) holds(line, col int) bool {
	if line < b.startLine || line > b.endLine {
		return false
	}
	if line == b.startLine && col < b.startCol {
		return false
	}
	return line != b.endLine || col < b.endCol
}

// coverage is a profile's blocks by file base name.
type coverage map[string][]block

// parseCoverage reads a `go test -coverprofile` file, keeping the blocks of files in importPath.
func parseCoverage(r io.Reader, importPath string) (coverage, error) {
	c := coverage{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "mode:") || line == "" {
			continue
		}
		// name.go:12.5,14.2 3 1
		file, rest, ok := strings.Cut(line, ":")
		var b block
		var stmts int
		if !ok {
			return nil, fmt.Errorf("coverage profile: %q", line)
		}
		if _, err := fmt.Sscanf(rest, "%d.%d,%d.%d %d %d", &b.startLine, &b.startCol, &b.endLine, &b.endCol, &stmts, &b.count); err != nil {
			return nil, fmt.Errorf("coverage profile: %q: %v", line, err)
		}
		if path.Dir(file) != importPath {
			continue
		}
		name := path.Base(file)
		c[name] = append(c[name], b)
	}
	return c, sc.Err()
}

// covered tells whether a test ran the code of a mutant. For a chain of anchors (the node,
// then the statement holding it), the first that lies in a block of the profile decides: no
// block holds a case clause's expressions, hence the later anchors. For the uses of a
// constant (anyUse), one use that ran is enough, and the mutant is not covered only when
// every use lies in a block that never ran. When nothing can be told, the answer is yes:
// run it.
func (c coverage) covered(fset *token.FileSet, anchors []token.Pos, anyUse bool) bool {
	if c == nil {
		return true
	}
	if anyUse && len(anchors) == 0 {
		return false // a constant nothing uses
	}
	for _, a := range anchors {
		if !a.IsValid() {
			continue
		}
		pos := fset.Position(a)
		hit, in := c.lookup(path.Base(pos.Filename), pos.Line, pos.Column)
		switch {
		case anyUse && hit:
			return true
		case anyUse && !in:
			return true // a use no block holds (another constant, a case expression)
		case !anyUse && in:
			return hit
		}
	}
	return !anyUse
}

// addTest marks the blocks a profile of test i alone ran (blocks are matched by position:
// the instrumentation is the same binary's).
func (c coverage) addTest(i int, r io.Reader, importPath string) error {
	one, err := parseCoverage(r, importPath)
	if err != nil {
		return err
	}
	for name, blocks := range one {
		at := map[[4]int]int{}
		for j, b := range c[name] {
			at[[4]int{b.startLine, b.startCol, b.endLine, b.endCol}] = j
		}
		for _, b := range blocks {
			if j, ok := at[[4]int{b.startLine, b.startCol, b.endLine, b.endCol}]; ok && b.count > 0 {
				c[name][j].tests = append(c[name][j].tests, i)
			}
		}
	}
	return nil
}

// testsFor are the tests that ran a mutant's code, by the same anchors as covered, or ok
// false when that cannot be told (then every test runs): an anchor no block holds, or code
// that ran with no test to show for it (package initialisation, TestMain).
func (c coverage) testsFor(fset *token.FileSet, anchors []token.Pos, anyUse bool) (tests []int, ok bool) {
	seen := map[int]bool{}
	add := func(name string, line, col int) bool {
		in := false
		for _, b := range c[name] {
			if b.holds(line, col) {
				in = true
				for _, t := range b.tests {
					if !seen[t] {
						seen[t] = true
						tests = append(tests, t)
					}
				}
			}
		}
		return in
	}
	for _, a := range anchors {
		if !a.IsValid() {
			continue
		}
		pos := fset.Position(a)
		in := add(path.Base(pos.Filename), pos.Line, pos.Column)
		if anyUse && !in {
			return nil, false
		}
		if !anyUse && in {
			break
		}
	}
	sort.Ints(tests)
	return tests, len(tests) > 0
}

// lookup says whether (line, col) lies in some block of the file and whether one such block ran.
func (c coverage) lookup(name string, line, col int) (hit, in bool) {
	for _, b := range c[name] {
		if b.holds(line, col) {
			in = true
			if b.count > 0 {
				return true, true
			}
		}
	}
	return false, in
}

// parseDuration reads the seconds go test prints after "ok  \tpkg\t".
func parseDuration(out, importPath string) (float64, bool) {
	for _, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if len(f) >= 3 && f[0] == "ok" && f[1] == importPath && strings.HasSuffix(f[2], "s") {
			if s, err := strconv.ParseFloat(strings.TrimSuffix(f[2], "s"), 64); err == nil {
				return s, true
			}
		}
	}
	return 0, false
}
