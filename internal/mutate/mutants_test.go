package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// module writes a module example.com/m holding files (path -> content) and returns its root.
func module(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	files["go.mod"] = "module example.com/m\n\ngo 1.25\n"
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// mutantsOf loads package p of a module holding one file and lists its mutants (of the
// mutators named, or all), each with its compile error if it has one.
func mutantsOf(t *testing.T, src string, only ...string) ([]*mutant, map[*mutant]string) {
	t.Helper()
	_, ms, broken := loadMutants(t, src, only...)
	return ms, broken
}

// loadMutants is mutantsOf with the package too.
func loadMutants(t *testing.T, src string, only ...string) (*pkg, []*mutant, map[*mutant]string) {
	t.Helper()
	dir := module(t, map[string]string{"p/p.go": src})
	p, err := load(dir, "./p", "")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]bool
	if len(only) > 0 {
		want = map[string]bool{}
		for _, m := range only {
			want[m] = true
		}
	}
	ms, broken := p.mutants(nil, nil, want)
	return p, ms, broken
}

func keys(ms []*mutant) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.key()
	}
	return out
}

func TestEachMutatorOnSmallSources(t *testing.T) {
	for _, tc := range []struct {
		name, mutator, src string
		want               []string // keys, in order
		contains           []string // in the first mutant's source
	}{
		{
			name: "a call statement is removed, its variables stay used", mutator: "remove-call",
			src:      "package p\n\nfunc f(n int) int {\n\tm := n\n\tg(m)\n\treturn n\n}\n\nfunc g(int) {}\n",
			want:     []string{"p.go remove-call f: g(m) → (removed)"},
			contains: []string{"\t_ = m\n\treturn n"},
		},
		{
			name: "assignments, ++, sends and go statements are removed; := is not", mutator: "remove-stmt",
			src: "package p\n\nfunc f(ch chan int) (n int) {\n\tx := 1\n\tn = x\n\tn++\n\tch <- n\n\tgo close(ch)\n\t_ = x\n\treturn\n}\n",
			want: []string{"p.go remove-stmt f: n = x → (removed)", "p.go remove-stmt f: n++ → (removed)",
				"p.go remove-stmt f: ch <- n → (removed)", "p.go remove-stmt f: go close(ch) → (removed)"},
		},
		{
			name: "a defer is dropped", mutator: "drop-defer",
			src:  "package p\n\nimport \"os\"\n\nfunc f(file *os.File) {\n\tdefer file.Close()\n}\n",
			want: []string{"p.go drop-defer f: defer file.Close() → (removed)"},
		},
		{
			name: "a lock goes with each unlock after it up to its next lock", mutator: "drop-lock",
			src: `package p

import "sync"

type s struct {
	mu sync.Mutex
	rw sync.RWMutex
	n  int
}

func (x *s) f(ok bool) int {
	x.mu.Lock()
	if ok {
		x.mu.Unlock()
		return 0
	}
	x.n++
	x.mu.Unlock()
	x.mu.Lock()
	defer x.mu.Unlock()
	x.rw.RLock()
	defer x.rw.RUnlock()
	return x.n
}
`,
			want: []string{"p.go drop-lock s.f: x.mu.Lock() (and 2 Unlock) → (removed)",
				"p.go drop-lock s.f: x.mu.Lock() (and 1 Unlock) → (removed)",
				"p.go drop-lock s.f: x.rw.RLock() (and 1 RUnlock) → (removed)"},
			contains: []string{"\n\tif ok {\n\t\t\n\t\treturn 0", "\tx.n++\n\t\n\tx.mu.Lock()\n\tdefer x.mu.Unlock()"},
		},
		{
			name: "if, for and tagless-case conditions become true and false", mutator: "cond-true,cond-false",
			src: `package p

func f(a, b int) int {
	for i := 0; i < a; i++ {
		b++
	}
	if err := g(); err != nil {
		return 1
	}
	switch {
	case a > b,
		a == 0:
		return 2
	}
	switch a {
	case 1:
		return 3
	}
	return b
}

func g() error { return nil }
`,
			want: []string{"p.go cond-true f: i < a → true", "p.go cond-false f: i < a → false",
				"p.go cond-true f: err != nil → true", "p.go cond-false f: err != nil → false",
				"p.go cond-true f: case a > b, a == 0 → case true", "p.go cond-false f: case a > b, a == 0 → case false"},
			contains: []string{"if err := g(); true || (err != nil) {", "case true || (a > b) ||\n\t\t(a == 0):"},
		},
		{
			name: "bodies of if, else and case are emptied; an if without else only when its condition calls", mutator: "empty-if,empty-else,empty-case",
			src: `package p

func f(a int) (n int) {
	if a > 0 {
		n = 1
	}
	if g(a) {
		n = 2
	}
	if a > 1 {
		n = 3
	} else {
		n = 4
	}
	switch a {
	case 5:
		n = 5
		fallthrough
	case 6:
		n++
	}
	return n
}

func g(a int) bool { return a > 2 }
`,
			want: []string{"p.go empty-if f: { n = 2 } → {}", "p.go empty-if f: { n = 3 } → {}", "p.go empty-else f: { n = 4 } → {}",
				"p.go empty-case f: n = 5 → (nothing)", "p.go empty-case f: n++ → (nothing)"},
		},
		{
			name: "neighbouring arguments of identical type are swapped, functional options are not", mutator: "swap-args",
			src: `package p

import "strings"

type option func(*int)

func with(n int) option { return func(p *int) { *p = n } }

func build(name, kind string, opts ...option) int { return len(opts) }

func f(s, old, repl string, n int) string {
	_ = min(n, 3)
	_ = string(rune(n))
	_ = build(s, old, with(1), with(2))
	return strings.Replace(s, old, repl, n)
}
`,
			want: []string{"p.go swap-args f: build(s, old, …) → build(old, s, …)",
				"p.go swap-args f: strings.Replace(s, old, …) → strings.Replace(old, s, …)",
				"p.go swap-args f: strings.Replace(…, old, repl, …) → strings.Replace(…, repl, old, …)"},
		},
		{
			name: "a returned error becomes nil, what it named stays used", mutator: "nil-error",
			src: `package p

import (
	"errors"
	"fmt"
)

func f(n int) (int, error) {
	if n < 0 {
		return 0, fmt.Errorf("negative %d", n)
	}
	g := func() error { return errors.New("x") }
	return n, g()
}
`,
			want: []string{"p.go nil-error f: return fmt.Errorf(\"negative %d\", n) → return nil",
				"p.go nil-error f: return errors.New(\"x\") → return nil", "p.go nil-error f: return g() → return nil"},
			contains: []string{"_ = n; return 0, nil", "var _ = fmt."},
		},
		{
			name: "a 0 or 1 bounding something is raised by one", mutator: "lift-limit",
			src: `package p

func f(b []byte, n int) []byte {
	if len(b) > 0 && n+1 < 10 {
		b = b[1:]
	}
	_ = b[0]
	return make([]byte, 0, n)
}
`,
			want: []string{"p.go lift-limit f: len(b) > 0 → len(b) > 1", "p.go lift-limit f: n+1 → n+2",
				"p.go lift-limit f: b[1:] → b[2:]", "p.go lift-limit f: make([]byte, 0, n) → make([]byte, 1, n)"},
		},
		{
			name: "numeric constants and literal fields are doubled; iota, zero and named kinds are not", mutator: "lift-const",
			src: `package p

import "time"

type kind int

const (
	maxBody      = 16 << 10
	zero         = 0
	first   kind = iota
	wait         = 60 * time.Second
	name         = "x"
	other   kind = 3
)

type policy struct{ Attempts int; Name string }

func f() (policy, int, time.Duration) { return policy{Attempts: 4, Name: name}, maxBody + zero, wait }

var _ = first + other
`,
			want: []string{"maxBody = 16 << 10 → maxBody = 2 * (16 << 10)", "wait = 60 * time.Second → wait = 2 * (60 * time.Second)",
				"p.go lift-const f: Attempts: 4 → Attempts: 2 * (4)"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, ms, broken := loadMutants(t, tc.src, strings.Split(tc.mutator, ",")...)
			got := keys(ms)
			for i := range got {
				if i < len(tc.want) && !strings.HasPrefix(tc.want[i], "p.go ") {
					got[i] = got[i][strings.Index(got[i], ": ")+2:] // a constant's key starts with its name
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("mutants:\n got %q\nwant %q", got, tc.want)
			}
			for m, err := range broken {
				t.Errorf("%s does not compile: %s\n%s", m.key(), err, m.src)
			}
			// Every mutant that has switches compiles into the schema with all the others.
			_, in := p.schema(ms)
			for _, m := range ms {
				if m.schema != nil && broken[m] == "" && !slices.Contains(in, m) {
					src, err := renderSchema(m.file.src, []*mutant{m})
					t.Errorf("%s is not in the schema (%v, %v):\n%s", m.key(), err, p.checkWith(map[*srcFile][]byte{m.file: src}, schemaHelper(p.name)), src)
				}
			}
			for _, want := range tc.contains {
				found := false
				for _, m := range ms {
					found = found || strings.Contains(string(m.src), want)
				}
				if !found {
					t.Errorf("no mutant's source holds %q; first:\n%s", want, ms[0].src)
				}
			}
		})
	}
}

func TestAMutantThatCannotCompileIsToldApart(t *testing.T) {
	ms, broken := mutantsOf(t, `package p

func f(a int) int {
	switch {
	case a > 0:
		return 1
	default:
		return 2
	}
}
`, "empty-case")
	if len(ms) != 2 || len(broken) != 2 {
		t.Fatalf("got %d mutants, %d broken; want 2 and 2", len(ms), len(broken))
	}
	for _, err := range broken {
		if !strings.Contains(err, "missing return") {
			t.Errorf("reason %q, want the compiler's", err)
		}
	}
}

func TestMutantsKeepLinesAndAreTheSameEveryTime(t *testing.T) {
	src := "package p\n\nfunc f(a []int) (n int) {\n\tfor _, x := range a {\n\t\tn += g(x,\n\t\t\t1)\n\t}\n\treturn n\n}\n\nfunc g(a, b int) int { return a + b }\n"
	first, _ := mutantsOf(t, src)
	again, _ := mutantsOf(t, src)
	if !slices.Equal(keys(first), keys(again)) {
		t.Fatalf("two listings differ:\n%q\n%q", keys(first), keys(again))
	}
	lines := strings.Count(src, "\n")
	for i, m := range first {
		if m.id != again[i].id {
			t.Errorf("%s: id %s then %s", m.key(), m.id, again[i].id)
		}
		if m.mutator == "remove-stmt" && strings.Count(string(m.src), "\n") != lines {
			t.Errorf("%s moved lines:\n%s", m.key(), m.src)
		}
	}
}

// The same change made twice in one function gives two keys, numbered in source order, and an
// equivalents item names one of them: the other is still run. An item without the number is
// refused as ambiguous, with both numbered keys and their lines.
func TestTwinsAreNumberedAndNamedOneByOne(t *testing.T) {
	src := "package p\n\nimport \"strconv\"\n\nfunc F(a, b string) (int, error) {\n\tx, err := strconv.Atoi(a)\n\tif err != nil {\n\t\treturn 0, err\n\t}\n\ty, err := strconv.Atoi(b)\n\tif err != nil {\n\t\treturn 0, err\n\t}\n\treturn x + y, nil\n}\n"
	ms, _ := mutantsOf(t, src, "cond-false")
	if got, want := keys(ms), []string{"p.go cond-false F: err != nil → false #1", "p.go cond-false F: err != nil → false #2"}; !slices.Equal(got, want) {
		t.Fatalf("keys %q, want %q", got, want)
	}
	path := filepath.Join(t.TempDir(), "e.md")
	write := func(s string) *equivalents {
		t.Helper()
		if err := os.WriteFile(path, []byte("## Semantic mutants\n\n"+s), 0o644); err != nil {
			t.Fatal(err)
		}
		e, err := readEquivalents(path)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	e := write("- `p.go cond-false F: err != nil → false #2`: the second is never set.\n")
	if e.explains(ms[0]) || !e.explains(ms[1]) {
		t.Errorf("#2 listed: explains #1 %v, #2 %v; want only #2", e.explains(ms[0]), e.explains(ms[1]))
	}
	if err := e.ambiguity(); err != nil {
		t.Errorf("a numbered key: %v", err)
	}
	e = write("- `p.go cond-false F: err != nil → false`: both, unnumbered.\n")
	if e.explains(ms[0]) || e.explains(ms[1]) {
		t.Error("an unnumbered key explained a twin")
	}
	err := e.ambiguity()
	for _, s := range []string{"names 2 mutants", "`p.go cond-false F: err != nil → false #1` (line 7)", "`p.go cond-false F: err != nil → false #2` (line 11)"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("an unnumbered key for twins: %v, want it to say %q", err, s)
		}
	}
}
