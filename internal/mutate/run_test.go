package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const tinySource = `package tiny

// Clamp returns n, at most limit.
func Clamp(n, limit int) int {
	if n > limit {
		return limit
	}
	return n
}

var calls int

// Double doubles n and counts the call; no test looks at the count.
func Double(n int) int {
	count()
	return 2 * n
}

func count() { calls++ }

// Spin counts to n.
func Spin(n int) int {
	i := 0
	for i < n {
		i++
	}
	return i
}

// Never is run by no test.
func Never(n int) int {
	if n > 0 {
		return 1
	}
	return 0
}
`

const tinyTest = `package tiny

import (
	"os"
	"testing"
)

func TestClamp(t *testing.T) {
	if Clamp(5, 3) != 3 || Clamp(1, 3) != 1 {
		t.Fatal("clamp")
	}
}

func TestDouble(t *testing.T) {
	if Double(2) != 4 {
		t.Fatal("double")
	}
}

func TestSpin(t *testing.T) {
	if Spin(3) != 3 {
		t.Fatal("spin")
	}
}

// A test that writes where it runs: the mutation run must keep that out of the tree.
func TestWritesBesideItself(t *testing.T) {
	if err := os.WriteFile("written-by-a-test.txt", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
}
`

const tinyEquivalents = "# Equivalent mutants\n\n## Operator mutants\n\n- `tiny.go` something gremlins said: not ours.\n\n" +
	"## Semantic mutants (internal/mutate)\n\n" +
	"- `tiny.go remove-stmt count: calls++ → (removed)`: no one reads\n  the count.\n" +
	"- `tiny.go remove-call Gone: gone() → (removed)`: a function since deleted.\n"

// tiny writes the package and returns the module root and the options of a run over it.
func tiny(t *testing.T) (string, options) {
	dir := module(t, map[string]string{
		"tiny/tiny.go":                        tinySource,
		"tiny/other.go":                       "package tiny\n\nfunc other() { count() }\n",
		"tiny/tiny_test.go":                   tinyTest,
		"tiny/testdata/mutants-equivalent.md": tinyEquivalents,
	})
	return dir, options{workers: 2, coefficient: 5, minTimeout: 3 * time.Second, grace: 5 * time.Minute,
		excludeFiles: "^other", mutators: "remove-call,remove-stmt,cond-true,cond-false", raceLocks: true, selectTests: true, schema: true,
		out: filepath.Join(dir, "mutation", "tiny.txt")}
}

// statuses maps each reported mutant (its key) to its status.
func statuses(report string) map[string]string {
	out := map[string]string{}
	line := regexp.MustCompile(`^(KILLED|LIVED|NOT COVERED|TIMED OUT|SKIPPED|EQUIVALENT)\s+#[0-9a-f]{8} (\S+?):\d+:\d+ (\S+) (.*?)(  \[.*\])?$`)
	for _, l := range strings.Split(report, "\n") {
		if m := line.FindStringSubmatch(l); m != nil {
			out[m[2]+" "+m[3]+" "+m[4]] = m[1]
		}
	}
	return out
}

func TestRunOnATinyPackageKillsOneMutantAndLetsOneLive(t *testing.T) {
	dir, o := tiny(t)
	var out bytes.Buffer
	if err := run(context.Background(), o, dir, "./tiny", nil, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	report := out.String()
	t.Log(report)
	want := map[string]string{
		"tiny.go cond-true Clamp: n > limit → true":       killed,
		"tiny.go cond-false Clamp: n > limit → false":     killed,
		"tiny.go remove-call Double: count() → (removed)": lived,
		"tiny.go remove-stmt count: calls++ → (removed)":  equivalent,
		"tiny.go cond-true Spin: i < n → true":            timedOut,
		"tiny.go cond-false Spin: i < n → false":          killed,
		"tiny.go remove-stmt Spin: i++ → (removed)":       timedOut,
		"tiny.go cond-true Never: n > 0 → true":           notCovered,
		"tiny.go cond-false Never: n > 0 → false":         notCovered,
	}
	got := statuses(report)
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d mutants reported, want %d (other.go is excluded)", len(got), len(want))
	}
	for _, s := range []string{
		"killed 3, lived 1, timed out 2, not covered 2, skipped 0, equivalent 1 of 9 mutants",
		"score 83.3%",
		"[by TestClamp]",
		"# coverage of each of 4 tests alone took ",
		"# 6 of 6 mutants compiled as switches into one test binary",
		"s per run, whatever else the machine did",
		"; 6 of 6 mutants run first the quick tests (under 500ms alone) that ran their code, then the others that did, then all the tests if it lives",
		"# stale equivalent (no mutant matches it): " + filepath.Join(dir, "tiny", "testdata", "mutants-equivalent.md") + ":11: tiny.go remove-call Gone: gone() → (removed)",
	} {
		if !strings.Contains(report, s) {
			t.Errorf("the report lacks %q", s)
		}
	}
	saved, err := os.ReadFile(o.out)
	if err != nil || string(saved) != report {
		t.Errorf("-out holds %q (%v), not the report", saved, err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "tiny", "tiny.go")); string(b) != tinySource { // the tree is never written
		t.Errorf("tiny.go changed:\n%s", b)
	}
	if _, err := os.Stat(filepath.Join(dir, "tiny", "written-by-a-test.txt")); err == nil {
		t.Error("the tests ran in the tree: a file they write is there")
	}

	// Resumed over the same sources, nothing runs again and the lines are the same.
	o.resume = true
	before := testRuns.Load()
	var again bytes.Buffer
	if err := run(context.Background(), o, dir, "./tiny", nil, &again); err != nil {
		t.Fatal(err)
	}
	if n := testRuns.Load() - before; n != 0 {
		t.Errorf("a resumed run tested %d mutants again", n)
	}
	if g := statuses(again.String()); len(g) != len(want) {
		t.Errorf("resumed report has %d mutants, want %d:\n%s", len(g), len(want), again.String())
	} else {
		for k, v := range want {
			if g[k] != v {
				t.Errorf("resumed %s: %q, want %q", k, g[k], v)
			}
		}
	}

	// Once the sources change, the report cannot be resumed.
	if err := os.WriteFile(filepath.Join(dir, "tiny", "tiny_test.go"), []byte(tinyTest+"\n// changed\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), o, dir, "./tiny", nil, &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "other sources") {
		t.Errorf("resuming over changed sources: %v, want a refusal", err)
	}
}

func TestRerunTestsOnlyTheSurvivorsOfAReport(t *testing.T) {
	dir, o := tiny(t)
	p, err := load(dir, "./tiny", "")
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := p.mutants(regexp.MustCompile("^tiny"), nil, map[string]bool{"remove-call": true})
	if len(ms) != 1 {
		t.Fatalf("%d remove-call mutants, want 1", len(ms))
	}
	earlier := filepath.Join(dir, "earlier.txt")
	lines := "KILLED      #00000000 tiny.go:5:5 cond-true Clamp: n > limit → true\n" +
		"LIVED       #" + ms[0].id + " tiny.go:15:2 remove-call Double: count() → (removed)\n"
	var out bytes.Buffer
	if err := os.WriteFile(earlier, []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}
	o.rerun = earlier
	before := testRuns.Load()
	if err := run(context.Background(), o, dir, "./tiny", nil, &out); err != nil {
		t.Fatal(err)
	}
	if n := testRuns.Load() - before; n != 1 {
		t.Errorf("%d mutants tested, want the one survivor", n)
	}
	if got := statuses(out.String()); len(got) != 1 || got["tiny.go remove-call Double: count() → (removed)"] != lived {
		t.Errorf("report %v, want the survivor alone", got)
	}
}

// tinyRunner is a runner over the tiny package's snapshot and its mutants of one mutator.
func tinyRunner(t *testing.T, mutator string) (string, *runner, []*mutant) {
	dir, _ := tiny(t)
	p, err := load(dir, "./tiny", "")
	if err != nil {
		t.Fatal(err)
	}
	ms, _ := p.mutants(regexp.MustCompile("^tiny"), nil, map[string]bool{mutator: true})
	r := &runner{dir: dir, pattern: "./tiny", pkgDir: p.dir, importPath: p.importPath, scratch: t.TempDir(),
		timeout: 10 * time.Second, grace: 5 * time.Minute}
	if err := r.snap(p); err != nil {
		t.Fatal(err)
	}
	return dir, r, ms
}

// The package is read once: a test edited in the tree while a run goes on (for hours, on a
// real package) changes nothing in it.
func TestAnEditDuringARunChangesNothingInIt(t *testing.T) {
	dir, r, ms := tinyRunner(t, "remove-call")
	failing := strings.ReplaceAll(tinyTest, `t.Fatal("double")`, `t.Fatal("double")
	}
	if true {
		t.Fatal("edited")`)
	if err := os.WriteFile(filepath.Join(dir, "tiny", "tiny_test.go"), []byte(failing), 0o644); err != nil {
		t.Fatal(err)
	}
	if res := r.run(context.Background(), ms[0], 1, nil); res.status != lived {
		t.Errorf("%s: %s %s, want it to live as it did before the edit", ms[0].key(), res.status, res.detail)
	}
}

// A mutant compiled into the schema fares as it does built on its own.
func TestTheSchemaAndMutantsBuiltAloneAgree(t *testing.T) {
	dir, o := tiny(t)
	o.mutators = ""
	var apart, together bytes.Buffer
	o.schema = false
	if err := run(context.Background(), o, dir, "./tiny", nil, &apart); err != nil {
		t.Fatal(err)
	}
	o.schema = true
	if err := run(context.Background(), o, dir, "./tiny", nil, &together); err != nil {
		t.Fatal(err)
	}
	a, b := statuses(apart.String()), statuses(together.String())
	if len(a) < 10 || len(a) != len(b) {
		t.Fatalf("%d mutants apart, %d in the schema:\n%s\n%s", len(a), len(b), apart.String(), together.String())
	}
	for k, v := range a {
		if b[k] != v {
			t.Errorf("%s: %s built alone, %s in the schema", k, v, b[k])
		}
	}
	if !strings.Contains(together.String(), " mutants compiled as switches") {
		t.Errorf("no schema:\n%s", together.String())
	}
}

// A mutant that lives through the tests chosen for it is tried against all of them: choosing
// tests only saves time.
func TestAMutantThatLivesThroughTheChosenTestsMeetsThemAll(t *testing.T) {
	_, r, ms := tinyRunner(t, "cond-true")
	if ms[0].fn != "Clamp" {
		t.Fatalf("first mutant %s, want Clamp's", ms[0].key())
	}
	if res := r.run(context.Background(), ms[0], 1, []stage{{tests: []string{"TestDouble"}}, {}}); res.status != killed || res.detail != "by TestClamp" {
		t.Errorf("%s with TestDouble chosen: %s %s, want killed by TestClamp", ms[0].key(), res.status, res.detail)
	}
}

func TestAnInterruptedRunLeavesNothingBehind(t *testing.T) {
	dir, o := tiny(t)
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := run(ctx, o, dir, "./tiny", nil, &bytes.Buffer{})
	if !errors.Is(err, errInterrupted) {
		t.Errorf("err = %v, want an interruption", err)
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestEquivalentsFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "e.md")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(tinyEquivalents + "- ``x.go remove-call f: g(`a`) → (removed)``: a raw string in the key.\n")
	e, err := readEquivalents(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"tiny.go remove-stmt count: calls++ → (removed)", "tiny.go remove-call Gone: gone() → (removed)", "x.go remove-call f: g(`a`) → (removed)"} {
		if _, ok := e.line[k]; !ok {
			t.Errorf("%q not read; have %v", k, e.line)
		}
	}
	if len(e.line) != 3 {
		t.Errorf("read %d entries, want 3 (the operator section is not ours)", len(e.line))
	}
	for _, bad := range []struct{ text, want string }{
		{"## Semantic mutants\n\n- `a.go remove-call f: g() → (removed)`\n\nnext paragraph\n", "has no reason"},
		{"## Semantic mutants\n\n- `a.go remove-call f: g() → (removed)`:\n- `b.go x`: why\n", "has no reason"},
		{"## Semantic mutants\n\n- `a.go x`: why\n- `a.go  x`: again\n", "already listed"},
		{"## Semantic mutants\n\n- `a.go x: why\n", "no closing backtick"},
	} {
		write(bad.text)
		if _, err := readEquivalents(path); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.text, err, bad.want)
		}
	}
	write("## Semantic mutants\n\n- `a.go remove-call f: g() → (removed)`\n  the reason, on the next line.\n")
	if _, err := readEquivalents(path); err != nil {
		t.Errorf("a reason on an indented line: %v", err)
	}
	if e, err := readEquivalents(filepath.Join(t.TempDir(), "none.md")); err != nil || len(e.line) != 0 {
		t.Errorf("a missing file: %v, %v; want an empty list", e, err)
	}
}

func TestCoverageLookup(t *testing.T) {
	c, err := parseCoverage(strings.NewReader("mode: set\nexample.com/m/p/a.go:3.20,5.2 1 1\nexample.com/m/p/a.go:5.2,7.3 1 0\nexample.com/m/q/a.go:1.1,9.1 1 1\n"), "example.com/m/p")
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		line, col int
		hit, in   bool
	}{{3, 20, true, true}, {4, 1, true, true}, {5, 1, true, true}, {5, 2, false, true}, {6, 9, false, true}, {8, 1, false, false}, {3, 19, false, false}} {
		if hit, in := c.lookup("a.go", tc.line, tc.col); hit != tc.hit || in != tc.in {
			t.Errorf("%d.%d: hit %v in %v, want %v %v", tc.line, tc.col, hit, in, tc.hit, tc.in)
		}
	}
	for i, prof := range []string{"example.com/m/p/a.go:3.20,5.2 1 1\nexample.com/m/p/a.go:5.2,7.3 1 0\n", "example.com/m/p/a.go:3.20,5.2 1 1\nexample.com/m/p/a.go:5.2,7.3 1 1\n"} {
		if err := c.addTest(i, strings.NewReader("mode: set\n"+prof), "example.com/m/p"); err != nil {
			t.Fatal(err)
		}
	}
	if got := c["a.go"][0].tests; len(got) != 2 {
		t.Errorf("block 1 ran in tests %v, want both", got)
	}
	if got := c["a.go"][1].tests; len(got) != 1 || got[0] != 1 {
		t.Errorf("block 2 ran in tests %v, want the second", got)
	}
	if s, ok := parseDuration("ok  \texample.com/m/p\t6.472s\tcoverage: 80.0% of statements\n", "example.com/m/p"); !ok || s != 6.472 {
		t.Errorf("duration %v %v", s, ok)
	}
}

// The stages a mutant meets: the quick tests that ran its code, then the rest of those, then
// all the tests unless coverage is trusted; a stage that adds nothing is left out, and each
// gets the coefficient times what its tests took alone, the minimum at least.
func TestPlanStages(t *testing.T) {
	names := []string{"TestA", "TestB", "TestC", "TestD"}
	took := []time.Duration{100 * time.Millisecond, 2 * time.Second, 300 * time.Millisecond, 10 * time.Second}
	o := options{coefficient: 5, minTimeout: time.Second}
	for _, tc := range []struct {
		name  string
		ids   []int
		trust bool
		want  []stage
	}{
		{"quick, slow, all", []int{0, 1}, false, []stage{{[]string{"TestA"}, time.Second}, {[]string{"TestA", "TestB"}, 11 * time.Second}, {nil, 0}}},
		{"trusted: no run of all", []int{0, 1}, true, []stage{{[]string{"TestA"}, time.Second}, {[]string{"TestA", "TestB"}, 11 * time.Second}}},
		{"only quick ones", []int{0, 2}, false, []stage{{[]string{"TestA", "TestC"}, 2 * time.Second}, {nil, 0}}},
		{"no quick one", []int{3}, true, []stage{{[]string{"TestD"}, 50 * time.Second}}},
		{"every test ran it", []int{0, 1, 2, 3}, false, []stage{{[]string{"TestA", "TestC"}, 2 * time.Second}, {names, 62 * time.Second}}},
	} {
		o.trustCover = tc.trust
		got := planStages(tc.ids, names, took, o)
		if len(got) != len(tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		for i := range got {
			if strings.Join(got[i].tests, ",") != strings.Join(tc.want[i].tests, ",") || (got[i].tests == nil) != (tc.want[i].tests == nil) || got[i].limit != tc.want[i].limit {
				t.Errorf("%s: stage %d is %v, want %v", tc.name, i, got[i], tc.want[i])
			}
		}
	}
}

// A stage's limit bounds its run, not the whole suite's: a mutant that loops in the one test
// that runs its code times out after that test's share.
func TestAStageTimesOutAfterItsOwnLimit(t *testing.T) {
	_, r, ms := tinyRunner(t, "cond-true")
	var spin *mutant
	for _, m := range ms {
		if m.fn == "Spin" {
			spin = m
		}
	}
	if spin == nil {
		t.Fatal("no cond-true mutant of Spin")
	}
	r.timeout = time.Minute
	res := r.run(context.Background(), spin, 1, []stage{{tests: []string{"TestSpin"}, limit: 2 * time.Second}})
	if res.status != timedOut || !strings.Contains(res.detail, "2s") || res.took > 30*time.Second {
		t.Errorf("%s: %s %q after %s, want timed out after 2s", spin.key(), res.status, res.detail, res.took)
	}
}

// With -trust-coverage the statuses are the same on the tiny package (no test there sees code
// it does not run), and the report says how it was made.
func TestTrustingCoverage(t *testing.T) {
	dir, o := tiny(t)
	o.trustCover = true
	var out bytes.Buffer
	if err := run(context.Background(), o, dir, "./tiny", nil, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	got := statuses(out.String())
	if got["tiny.go remove-call Double: count() → (removed)"] != lived || got["tiny.go cond-true Clamp: n > limit → true"] != killed {
		t.Errorf("statuses %v", got)
	}
	if !strings.Contains(out.String(), "and is LIVED if it lives through them (-trust-coverage") {
		t.Errorf("the report does not say coverage was trusted:\n%s", out.String())
	}
}

// -rerun over a report made from the same code carries its decided lines into the new report,
// which holds every mutant again; once the code differs, only the survivors are reported.
func TestRerunCarriesTheReportOfTheSameCode(t *testing.T) {
	dir, o := tiny(t)
	var first bytes.Buffer
	if err := run(context.Background(), o, dir, "./tiny", nil, &first); err != nil {
		t.Fatalf("%v\n%s", err, first.String())
	}
	all := statuses(first.String())
	// A test that kills the survivor, written since.
	killer := tinyTest + "\nfunc TestCount(t *testing.T) {\n\tcalls = 0\n\tDouble(1)\n\tif calls != 1 {\n\t\tt.Fatal(\"count\")\n\t}\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "tiny", "tiny_test.go"), []byte(killer), 0o644); err != nil {
		t.Fatal(err)
	}
	o.rerun, o.out = o.out, filepath.Join(dir, "mutation", "again.txt")
	before := testRuns.Load()
	var again bytes.Buffer
	if err := run(context.Background(), o, dir, "./tiny", nil, &again); err != nil {
		t.Fatalf("%v\n%s", err, again.String())
	}
	if n := testRuns.Load() - before; n != 1 {
		t.Errorf("%d mutants tested, want the one survivor", n)
	}
	got := statuses(again.String())
	if len(got) != len(all) {
		t.Errorf("%d mutants in the report, want %d:\n%s", len(got), len(all), again.String())
	}
	for k, v := range all {
		want := v
		if k == "tiny.go remove-call Double: count() → (removed)" {
			want = killed
		}
		if got[k] != want {
			t.Errorf("%s: %q, want %q", k, got[k], want)
		}
	}
	if !strings.Contains(again.String(), "# 5 results carried from "+o.rerun) { // 3 killed, 2 timed out; equivalents and not covered are worked out again
		t.Errorf("the report does not say what it carried:\n%s", again.String())
	}

	// Once the code differs (here a file the run does not mutate: the mutants are the same),
	// nothing is carried.
	if err := os.WriteFile(filepath.Join(dir, "tiny", "other.go"), []byte("package tiny\n\nfunc other() { count(); count() }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o.rerun, o.out = filepath.Join(dir, "mutation", "tiny.txt"), ""
	var changed bytes.Buffer
	if err := run(context.Background(), o, dir, "./tiny", nil, &changed); err != nil {
		t.Fatal(err)
	}
	if got := statuses(changed.String()); len(got) != 1 || strings.Contains(changed.String(), "results carried") {
		t.Errorf("over other code, %d mutants reported, want the survivor alone:\n%s", len(got), changed.String())
	}
}
