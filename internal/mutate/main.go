// Command mutate is the semantic half of `make mutate`: where gremlins flips operators, this
// removes statements and calls, drops defers and lock pairs, makes conditions always true or
// always false, empties branches and cases, swaps same-typed arguments, returns nil for an
// error and raises limits, then runs the package's tests against each change. Its mutators
// follow go-mutesting's statement, branch and expression families (whose forks the module
// proxy here does not serve); it needs nothing beyond the standard library and go itself.
//
// Usage (from the module root):
//
//	go run ./internal/mutate [flags] ./facade [-- go test flags, e.g. -short]
//
// Each mutant is type-checked first (one that does not compile is SKIPPED, counted apart).
// Those that can be written as run-time switches are compiled into one test binary (schema.go),
// the others built one by one through `go test -c -overlay`; the tree is never written, and
// -workers mutants run at once. One unmutated run with a coverage profile comes first: a mutant
// in code no test ran is NOT COVERED and not run, and the test binary's time there, times
// -timeout-coefficient, bounds every mutant's run (TIMED OUT). Then each test runs alone under
// coverage: a mutant meets first the quick tests that ran its code (under half a second alone),
// then the others that ran it, then all the tests if it lives, unless -trust-coverage stops it
// there (a test that never reaches the mutated code cannot see it, short of state one test
// leaves to the next); each of these runs gets -timeout-coefficient times what its tests took
// alone. Mutants the package's testdata/mutants-equivalent.md explains (see equivalents) are EQUIVALENT: listed, not run,
// out of the score. The report has one line per mutant, in source order:
//
//	KILLED      #1a2b3c4d client.go:311:3 remove-call readBoundedInto: buf.Reset() → (removed)  [by TestX]
//
// then the figures by mutator. The same sources give the same mutants in the same order with
// the same ids, so a run can be cut by file (-files, -exclude-files) and an interrupted one
// picked up again (-resume: the mutants its report already decided are not run again). After
// tests are written, -rerun runs again the mutants an earlier report has as LIVED; when that
// report was made from the same code (its tests aside), its other lines are carried into the
// new report, which then holds every mutant again.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
)

type options struct {
	tags         string
	workers      int
	coefficient  float64
	minTimeout   time.Duration
	grace        time.Duration
	files        string
	excludeFiles string
	mutators     string
	equivalents  string
	out          string
	resume       bool
	rerun        string
	list         bool
	raceLocks    bool
	checkEquiv   bool
	selectTests  bool
	trustCover   bool
	schema       bool
}

func main() {
	var o options
	flag.StringVar(&o.tags, "tags", "", "build tags, for go list and go test")
	flag.IntVar(&o.workers, "workers", 2, "mutants tested at once")
	flag.Float64Var(&o.coefficient, "timeout-coefficient", 5, "a mutant's tests may take this many times the unmutated run")
	flag.DurationVar(&o.minTimeout, "min-timeout", 10*time.Second, "the least time a mutant's tests are given")
	flag.DurationVar(&o.grace, "build-timeout", 10*time.Minute, "time for compiling and linking, on top")
	flag.StringVar(&o.files, "files", "", "only mutate files whose base name matches this regexp")
	flag.StringVar(&o.excludeFiles, "exclude-files", "", "do not mutate files whose base name matches this regexp")
	flag.StringVar(&o.mutators, "mutators", "", "comma-separated mutators to apply (default all: "+strings.Join(mutators, ",")+")")
	flag.StringVar(&o.equivalents, "equivalents", "", "the equivalents file (default PACKAGE/testdata/mutants-equivalent.md)")
	flag.StringVar(&o.out, "out", "", "also write the report to this file")
	flag.BoolVar(&o.resume, "resume", false, "take the results -out already holds for these sources instead of running them again")
	flag.StringVar(&o.rerun, "rerun", "", "only test the mutants this earlier report has as LIVED (after writing tests)")
	flag.BoolVar(&o.list, "list", false, "list the mutants without running any test")
	flag.BoolVar(&o.raceLocks, "race-locks", true, "test drop-lock mutants with -race (a lock dropped is a race, seldom a failure)")
	flag.BoolVar(&o.checkEquiv, "check-equivalents", false, "test the mutants the equivalents file explains too, and report any killed")
	flag.BoolVar(&o.schema, "schema", true, "compile the mutants that can be written as run-time switches into one test binary (see schema.go)")
	flag.BoolVar(&o.selectTests, "select-tests", true, "run first only the tests that ran a mutant's code (from one coverage run per test), quick ones first, then all of them if it lives")
	flag.BoolVar(&o.trustCover, "trust-coverage", false, "with -select-tests, a mutant that lives through every test that ran its code is LIVED (all the tests are not run)")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: go run ./internal/mutate [flags] PACKAGE [-- go test flags]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() < 1 {
		flag.Usage()
		os.Exit(2)
	}
	args := flag.Args()
	pattern, testFlags := args[0], args[1:]
	if len(testFlags) > 0 && testFlags[0] == "--" {
		testFlags = testFlags[1:]
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	wd, err := os.Getwd()
	if err == nil {
		err = run(ctx, o, wd, pattern, testFlags, os.Stdout)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutate:", err)
		os.Exit(1)
	}
}

// entry is one mutant and what became of it.
type entry struct {
	m         *mutant
	explained bool    // listed in the equivalents file
	stages    []stage // the runs of its tests, in turn while it lives (none: all the tests at once)
	result
	line string // the report line, when taken from an earlier report
}

// run mutates the package at pattern, with go run in wd, and writes the report to stdout
// (and o.out).
// An interrupted run reports the mutants decided so far and leaves nothing behind.
func run(ctx context.Context, o options, wd, pattern string, testFlags []string, stdout io.Writer) error {
	var err error
	var include, exclude *regexp.Regexp
	if o.files != "" {
		if include, err = regexp.Compile(o.files); err != nil {
			return err
		}
	}
	if o.excludeFiles != "" {
		if exclude, err = regexp.Compile(o.excludeFiles); err != nil {
			return err
		}
	}
	var only map[string]bool
	if o.mutators != "" {
		only = map[string]bool{}
		for _, name := range strings.Split(o.mutators, ",") {
			if !contains(mutators, name) {
				return fmt.Errorf("no mutator %q (there are %s)", name, strings.Join(mutators, ", "))
			}
			only[name] = true
		}
	}
	p, err := load(wd, pattern, o.tags)
	if err != nil {
		return err
	}
	if o.equivalents == "" {
		o.equivalents = filepath.Join(p.dir, "testdata", "mutants-equivalent.md")
	}
	eq, err := readEquivalents(o.equivalents)
	if err != nil {
		return err
	}
	ms, broken := p.mutants(include, exclude, only)

	var earlier map[string]string
	if o.resume && o.out != "" {
		if earlier, err = readReport(o.out, p.digest, false); err != nil {
			return err
		}
	}
	var wanted, carried map[string]string
	if o.rerun != "" {
		if wanted, err = readReport(o.rerun, "", true); err != nil {
			return err
		}
		if code, err := reportCode(o.rerun); err != nil {
			return err
		} else if code == p.code {
			if carried, err = readReport(o.rerun, "", false); err != nil {
				return err
			}
		}
	}

	entries := make([]*entry, len(ms))
	var toRun []*entry
	nCarried := 0
	for i, m := range ms {
		entries[i] = &entry{m: m, explained: eq.explains(m)}
	}
	if err := eq.ambiguity(); err != nil {
		return err
	}
	for _, e := range entries {
		m := e.m
		switch {
		case wanted != nil && wanted[m.id] == "" && carried[m.id] != "":
			e.line = carried[m.id] // decided on this code: carried
			e.status = statusOf(e.line)
			nCarried++
		case wanted != nil && wanted[m.id] == "" && carried == nil:
			e.status = "" // not asked for: left out of the report
		case broken[m] != "":
			e.status, e.detail = skipped, "does not compile: "+broken[m]
		case e.explained && !o.checkEquiv:
			e.status = equivalent
		case earlier[m.id] != "":
			e.line = earlier[m.id]
			e.status = statusOf(e.line)
		case o.list:
			e.status = "MUTANT"
		default:
			toRun = append(toRun, e)
		}
	}

	var w io.Writer = stdout
	if o.out != "" {
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		f, err := os.Create(o.out)
		if err != nil {
			return err
		}
		defer f.Close()
		w = io.MultiWriter(stdout, f)
	}
	fmt.Fprintf(w, "# mutate %s (%s): %d mutants in %d files; code %s; sources %s\n", pattern, p.importPath, len(ms), len(p.files), p.code, p.digest)
	if carried != nil {
		fmt.Fprintf(w, "# %d results carried from %s, made from this code with other tests (a test added can only kill more; after one is removed or weakened, run everything), its LIVED ones run again\n",
			nCarried, o.rerun)
	}

	r := &runner{dir: wd, pattern: pattern, pkgDir: p.dir, importPath: p.importPath, tags: o.tags, testFlags: testFlags, grace: o.grace}
	start := time.Now()
	if len(toRun) > 0 {
		if r.scratch, err = os.MkdirTemp("", "mutate-"); err != nil {
			return err
		}
		defer os.RemoveAll(r.scratch)
		if err := r.snap(p); err != nil {
			return err
		}
		secs, cov, err := r.baseline(ctx, false)
		if err != nil {
			return err
		}
		r.timeout = max(o.minTimeout, time.Duration(o.coefficient*secs*float64(time.Second))).Round(time.Second)
		fmt.Fprintf(w, "# tests %s (tags %q): %.1fs unmutated (with coverage); each mutant gets %s\n",
			strings.Join(r.testArgs(), " "), o.tags, secs, r.timeout)
		runnable := toRun[:0]
		race := false
		for _, e := range toRun {
			if !cov.covered(p.fset, e.m.anchors, e.m.anyUse) {
				e.status = notCovered
				continue
			}
			runnable = append(runnable, e)
			race = race || (e.m.race && o.raceLocks)
		}
		toRun = runnable
		if o.selectTests && len(toRun) > 0 && !runFlag(testFlags) {
			if err := selectTests(ctx, r, cov, toRun, p, o, w); err != nil {
				return err
			}
		}
		if race {
			secs, _, err := r.baseline(ctx, true)
			if err != nil {
				return err
			}
			r.raceTime = max(o.minTimeout, time.Duration(o.coefficient*secs*float64(time.Second))).Round(time.Second)
			fmt.Fprintf(w, "# drop-lock mutants run with -race: %.1fs unmutated; each gets %s\n", secs, r.raceTime)
		}
		if o.schema && len(toRun) > 0 {
			if err := schema(ctx, r, p, toRun, race, w); err != nil {
				return err
			}
		}
	}

	// Test in parallel, report in order.
	done := make(map[*entry]chan struct{}, len(toRun))
	for _, e := range toRun {
		done[e] = make(chan struct{})
	}
	jobs := make(chan *entry)
	var wg sync.WaitGroup
	for n := range max(1, o.workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				e.result = r.run(ctx, e.m, n+1, e.stages)
				switch {
				case e.explained && e.status == lived:
					e.status = equivalent
				case e.explained && e.status == killed:
					e.detail = "listed as equivalent, yet " + e.detail
				}
				close(done[e])
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, e := range toRun {
			select {
			case jobs <- e:
			case <-ctx.Done():
				e.status = errInterrupted.Error()
				close(done[e])
			}
		}
	}()
	interrupted := false
	for _, e := range entries {
		if ch, ok := done[e]; ok {
			<-ch
		}
		if e.status == errInterrupted.Error() {
			interrupted = true
		}
		if e.status == "" || interrupted {
			continue
		}
		if e.line == "" {
			e.line = format(e)
		}
		fmt.Fprintln(w, e.line)
	}
	wg.Wait()
	if interrupted {
		return fmt.Errorf("%w: the report holds the mutants decided so far (-resume goes on from there)", errInterrupted)
	}
	summary(w, entries, time.Since(start), r.timeout, o.workers)
	if wanted == nil || carried != nil {
		in := func(file, mutator string) bool {
			return (include == nil || include.MatchString(file)) && (exclude == nil || !exclude.MatchString(file)) &&
				(only == nil || only[mutator])
		}
		for _, s := range eq.stale(in) {
			fmt.Fprintf(w, "# stale equivalent (no mutant matches it): %s\n", s)
		}
	}
	return nil
}

// schema compiles the mutants that can be switches into one binary (two with -race).
func schema(ctx context.Context, r *runner, p *pkg, entries []*entry, race bool, w io.Writer) error {
	start := time.Now()
	ms := make([]*mutant, len(entries))
	for i, e := range entries {
		ms[i] = e.m
	}
	files, in := p.schema(ms)
	raceIn := false
	for _, m := range in {
		raceIn = raceIn || m.race
	}
	planned := time.Since(start)
	cpu, err := r.buildSchema(ctx, files, race && raceIn)
	if ctx.Err() != nil {
		return errInterrupted
	}
	if err != nil {
		fmt.Fprintf(w, "# %v\n", err)
		return nil
	}
	for _, m := range in {
		m.inSchema = true
	}
	fmt.Fprintf(w, "# %d of %d mutants compiled as switches into one test binary (planned in %s, built in %s, %s cpu); the others are built one by one\n",
		len(in), len(ms), planned.Round(time.Second), (time.Since(start) - planned).Round(time.Second), cpu.Round(time.Second))
	return nil
}

// runFlag reports whether the go test flags choose tests themselves.
func runFlag(flags []string) bool {
	for _, f := range flags {
		if name := strings.TrimLeft(f, "-"); name == "run" || strings.HasPrefix(name, "run=") {
			return true
		}
	}
	return false
}

// quickTest is how long a test may take alone to be among those a mutant meets first.
const quickTest = 500 * time.Millisecond

// selectTests runs each test alone under coverage and plans each mutant's stages: the quick
// tests that ran its code, then all those that did, then (unless coverage is trusted) all the
// tests; a stage that would add nothing to the one before is left out. Each gets
// o.coefficient times what its tests took alone, o.minTimeout at least.
func selectTests(ctx context.Context, r *runner, cov coverage, entries []*entry, p *pkg, o options, w io.Writer) error {
	start := time.Now()
	names, err := r.listTests(ctx)
	if err != nil {
		return fmt.Errorf("listing the tests: %v", err)
	}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make([]error, len(names))
	took := make([]time.Duration, len(names))
	next := make(chan int)
	for n := range max(1, o.workers) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				took[i], errs[i] = r.coverTest(ctx, cov, &mu, names, i, n+1)
			}
		}()
	}
	for i := range names {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		if ctx.Err() != nil {
			return errInterrupted
		}
		return err
	}
	selected := 0
	for _, e := range entries {
		ids, ok := cov.testsFor(p.fset, e.m.anchors, e.m.anyUse)
		if !ok {
			continue
		}
		e.stages = planStages(ids, names, took, o)
		if len(e.stages[0].tests) > 0 {
			selected++
		}
	}
	then := "then all the tests if it lives"
	if o.trustCover {
		then = "and is LIVED if it lives through them (-trust-coverage: a test that never ran its code is not run)"
	}
	fmt.Fprintf(w, "# coverage of each of %d tests alone took %s; %d of %d mutants run first the quick tests (under %s alone) that ran their code, then the others that did, %s\n",
		len(names), time.Since(start).Round(time.Second), selected, len(entries), quickTest, then)
	return nil
}

// planStages plans the stages of a mutant whose code the tests ids ran (see selectTests).
func planStages(ids []int, names []string, took []time.Duration, o options) []stage {
	var stages []stage
	add := func(ids []int, all bool) {
		if len(ids) == 0 || (len(stages) > 0 && len(ids) == len(stages[len(stages)-1].tests)) {
			return // a stage holds the one before: the same tests when it is no longer
		}
		st := stage{}
		if !all {
			var sum time.Duration
			for _, id := range ids {
				st.tests = append(st.tests, names[id])
				sum += took[id]
			}
			st.limit = max(o.minTimeout, time.Duration(o.coefficient*float64(sum))).Round(time.Second)
		}
		stages = append(stages, st)
	}
	var quick []int
	for _, id := range ids {
		if took[id] < quickTest {
			quick = append(quick, id)
		}
	}
	add(quick, false)
	add(ids, false)
	if !o.trustCover && len(ids) < len(names) {
		every := make([]int, len(names))
		for i := range every {
			every[i] = i
		}
		add(every, true)
	}
	return stages
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// format is a mutant's report line.
func format(e *entry) string {
	line := fmt.Sprintf("%-11s #%s %s:%d:%d %s %s: %s → %s", e.status, e.m.id, e.m.file.name, e.m.at.Line, e.m.at.Column, e.m.mutator, e.m.fn, e.m.before, e.m.after)
	if e.m.twin > 0 {
		line += fmt.Sprintf(" #%d", e.m.twin)
	}
	if e.detail != "" {
		line += "  [" + e.detail + "]"
	}
	return line
}

var reportLine = regexp.MustCompile(`^(KILLED|LIVED|NOT COVERED|TIMED OUT|SKIPPED|EQUIVALENT)\s+#([0-9a-f]{8}) `)

func statusOf(line string) string {
	if m := reportLine.FindStringSubmatch(line); m != nil {
		return m[1]
	}
	return ""
}

// readReport takes the lines of an earlier report by mutant id: every decided one for
// -resume (which needs the same sources, digest), or the LIVED ones for -rerun.
func readReport(path, digest string, livedOnly bool) (map[string]string, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !livedOnly {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first && digest != "" {
			first = false
			if !strings.HasSuffix(line, "; sources "+digest) {
				return nil, fmt.Errorf("%s was made from other sources (or is not a report of this tool): run without -resume", path)
			}
		}
		m := reportLine.FindStringSubmatch(line)
		if m == nil || m[1] == equivalent || m[1] == notCovered {
			continue // recomputed every time
		}
		if livedOnly && m[1] != lived {
			continue
		}
		out[m[2]] = line
	}
	return out, sc.Err()
}

// reportCode is the code digest in the first line of an earlier report ("" when it has none).
func reportCode(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	first, _ := bufio.NewReader(f).ReadString('\n')
	if _, rest, ok := strings.Cut(first, "; code "); ok {
		code, _, _ := strings.Cut(rest, ";")
		return strings.TrimSpace(code), nil
	}
	return "", nil
}

// summary writes the figures by mutator and in all.
func summary(w io.Writer, entries []*entry, took, timeout time.Duration, workers int) {
	statuses := []string{killed, lived, timedOut, notCovered, skipped, equivalent}
	counts := map[string]map[string]int{}
	runs, runTime, cpuTime := map[string]int{}, map[string]time.Duration{}, map[string]time.Duration{}
	for _, e := range entries {
		if e.status == "" {
			continue
		}
		for _, k := range []string{e.m.mutator, "all"} {
			if counts[k] == nil {
				counts[k] = map[string]int{}
			}
			counts[k][e.status]++
			counts[k]["mutants"]++
			if e.took > 0 {
				runs[k]++
				runTime[k] += e.took
				cpuTime[k] += e.cpu
			}
		}
	}
	fmt.Fprintf(w, "\n# %-12s %7s %7s %6s %9s %11s %8s %10s %7s %7s %7s\n", "mutator", "mutants", "killed", "lived", "timed out", "not covered", "skipped", "equivalent", "score", "s/run", "cpu/run")
	for _, k := range append(append([]string{}, mutators...), "all") {
		c := counts[k]
		if c == nil {
			continue
		}
		per, cpu := "-", "-"
		if runs[k] > 0 {
			per = fmt.Sprintf("%.1f", runTime[k].Seconds()/float64(runs[k]))
			cpu = fmt.Sprintf("%.1f", cpuTime[k].Seconds()/float64(runs[k]))
		}
		fmt.Fprintf(w, "# %-12s %7d %7d %6d %9d %11d %8d %10d %7s %7s %7s\n", k, c["mutants"], c[killed], c[lived], c[timedOut], c[notCovered], c[skipped], c[equivalent], score(c), per, cpu)
	}
	c := counts["all"]
	if c == nil {
		c = map[string]int{}
	}
	parts := []string{}
	for _, s := range statuses {
		parts = append(parts, fmt.Sprintf("%s %d", strings.ToLower(s), c[s]))
	}
	fmt.Fprintf(w, "%s of %d mutants\n", strings.Join(parts, ", "), c["mutants"])
	fmt.Fprintf(w, "score %s: (killed + timed out) / (killed + timed out + lived); equivalents, not covered and skipped left out\n", score(c))
	if runs["all"] > 0 {
		fmt.Fprintf(w, "time %s for %d runs with %d workers: %.1fs per run, %.1fs of wall time per mutant run; timeout %s\n",
			took.Round(time.Second), runs["all"], workers, runTime["all"].Seconds()/float64(runs["all"]),
			took.Seconds()/float64(runs["all"]), timeout)
		fmt.Fprintf(w, "cpu %s for the runs (go and the test binaries, their children included): %.1fs per run, whatever else the machine did\n",
			cpuTime["all"].Round(time.Second), cpuTime["all"].Seconds()/float64(runs["all"]))
	}
}

func score(c map[string]int) string {
	decided := c[killed] + c[timedOut] + c[lived]
	if decided == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f%%", 100*float64(c[killed]+c[timedOut])/float64(decided))
}

func sortStrings(s []string) { sort.Strings(s) }
