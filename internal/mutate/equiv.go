package main

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
)

// equivalents are the mutants a package's testdata/mutants-equivalent.md explains. They are
// the list items of its section headed "## Semantic mutants…" (up to the next "## "): each
// item starts with the mutant's key in a code span, then the reason, on that line and any
// indented lines after it:
//
//   - `client.go remove-call Client.drain: resp.Body.Close() → (removed)`: why no test can tell.
//
// The key is a report line without its status, id, line:column and detail: file, mutator,
// function, and what the code was and became, then, when the function holds that change more
// than once, its number in source order (" #2"). A key names one mutant: a key without a number
// for a change made more than once is refused as ambiguous (each explanation is for one place,
// read on its own), listing the numbered keys to choose from.
type equivalents struct {
	path      string
	line      map[string]int // key -> line number in the file
	matched   map[string]bool
	ambiguous map[string][]*mutant // a listed key without a number -> the mutants it could name
}

const equivalentsHeading = "## semantic mutants"

// readEquivalents reads the section; a missing file is an empty list. An item without a
// reason is an error: an equivalent mutant is only excluded from the score when explained.
func readEquivalents(path string) (*equivalents, error) {
	e := &equivalents{path: path, line: map[string]int{}, matched: map[string]bool{}, ambiguous: map[string][]*mutant{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return e, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	in := false
	var problems []string
	pending := "" // a key whose reason has not been seen yet
	pendingLine := 0
	n := 0
	settle := func() {
		if pending != "" {
			problems = append(problems, fmt.Sprintf("%s:%d: %q has no reason", path, pendingLine, pending))
			pending = ""
		}
	}
	for sc.Scan() {
		n++
		text := sc.Text()
		if strings.HasPrefix(text, "## ") {
			settle()
			in = strings.HasPrefix(strings.ToLower(text), equivalentsHeading)
			continue
		}
		if !in {
			continue
		}
		trimmed := strings.TrimSpace(text)
		if !strings.HasPrefix(text, "- `") {
			if pending != "" && trimmed != "" && text != trimmed { // an indented continuation
				pending = ""
			}
			continue
		}
		settle()
		key, rest, ok := codeSpan(strings.TrimPrefix(text, "- "))
		if !ok {
			problems = append(problems, fmt.Sprintf("%s:%d: no closing backtick", path, n))
			continue
		}
		key = strings.Join(strings.Fields(key), " ")
		if prev, dup := e.line[key]; dup {
			problems = append(problems, fmt.Sprintf("%s:%d: %q is already listed on line %d", path, n, key, prev))
		}
		e.line[key] = n
		if strings.Trim(rest, " :—-.") == "" {
			pending, pendingLine = key, n
		}
	}
	settle()
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(problems) > 0 {
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	return e, nil
}

// codeSpan splits "`code` rest" (or "“code“ rest", for code holding a backtick).
func codeSpan(s string) (code, rest string, ok bool) {
	fence := "`"
	if strings.HasPrefix(s, "``") {
		fence = "``"
	}
	body := strings.TrimPrefix(s, fence)
	i := strings.Index(body, fence)
	if i < 0 {
		return "", "", false
	}
	return strings.TrimSpace(body[:i]), body[i+len(fence):], true
}

// explains reports whether m is listed, and notes that its entry is used. A listed key without
// the number m needs is noted as ambiguous (see ambiguity) and explains nothing.
func (e *equivalents) explains(m *mutant) bool {
	k := m.key()
	if _, ok := e.line[k]; ok {
		e.matched[k] = true
		return true
	}
	if b := m.baseKey(); m.twin > 0 {
		if _, ok := e.line[b]; ok {
			e.matched[b] = true
			e.ambiguous[b] = append(e.ambiguous[b], m)
		}
	}
	return false
}

// ambiguity is the error for the listed keys that name more than one mutant, with the
// numbered keys and lines of each; nil when there are none.
func (e *equivalents) ambiguity() error {
	var problems []string
	for b, ms := range e.ambiguous {
		var choices []string
		for _, m := range ms {
			choices = append(choices, fmt.Sprintf("`%s` (line %d)", m.key(), m.at.Line))
		}
		problems = append(problems, fmt.Sprintf("%s:%d: %q names %d mutants: list each one it explains by its number: %s",
			e.path, e.line[b], b, len(ms), strings.Join(choices, ", ")))
	}
	if len(problems) == 0 {
		return nil
	}
	sortStrings(problems)
	return errors.New(strings.Join(problems, "\n"))
}

// stale lists the entries no mutant matched, with their lines, among those whose file and
// mutator were in the run (in reports whether they were).
func (e *equivalents) stale(in func(file, mutator string) bool) []string {
	var out []string
	for k, n := range e.line {
		f := strings.Fields(k)
		if !e.matched[k] && len(f) > 1 && in(f[0], f[1]) {
			out = append(out, fmt.Sprintf("%s:%d: %s", e.path, n, k))
		}
	}
	sortStrings(out)
	return out
}
