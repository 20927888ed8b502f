package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Statuses, as gremlins spells them, and two of ours.
const (
	killed     = "KILLED"
	lived      = "LIVED"
	notCovered = "NOT COVERED"
	timedOut   = "TIMED OUT"
	skipped    = "SKIPPED"    // does not compile: never run, counted apart
	equivalent = "EQUIVALENT" // explained in the equivalents file: never run, out of the score
)

// runner tests one mutant at a time. The mutated file reaches the compiler through an
// overlay (`go test -c -overlay`), so the tree is never written and several mutants can be
// built at once; the test binary then runs in a scratch copy of the package directory (the
// rest of the module linked in beside it), so a mutant that makes a test write or delete
// files (a path swapped with a usage text) cannot touch the tree either. The package's files,
// tests and testdata included, are a snapshot taken when the run starts, so that editing
// them during a run of hours changes nothing in it (other packages are read as they are).
type runner struct {
	dir        string // the module root, where go runs
	pattern    string // the package, as given on the command line
	pkgDir     string // its directory
	importPath string
	tags       string
	testFlags  []string // go test's spelling (-short, -run=X)
	scratch    string
	snapshot   map[string]string // each .go file of the package -> its copy in the snapshot
	schemaBin  string            // the test binary holding the schema's mutants (schema.go)
	schemaRace string            // the same built with -race
	timeout    time.Duration     // the test binary's -test.timeout
	raceTime   time.Duration     // the same under -race
	grace      time.Duration     // for compiling and linking
}

type result struct {
	status, detail string
	took           time.Duration // wall time
	cpu            time.Duration // user and system time of go and the test binary, with their children
}

// cpuOf is the processor time an ended command and the children it waited for used.
func cpuOf(cmd *exec.Cmd) time.Duration {
	if ps := cmd.ProcessState; ps != nil {
		return ps.UserTime() + ps.SystemTime()
	}
	return 0
}

// errInterrupted ends a run cut short by a signal: its mutants are not reported.
var errInterrupted = errors.New("interrupted")

// snap copies the package directory into the scratch directory and notes its .go files;
// the non-test sources are written as they were read (p.every), so the mutants and the
// snapshot agree.
func (r *runner) snap(p *pkg) error {
	dir := filepath.Join(r.scratch, "snapshot")
	if err := os.CopyFS(dir, os.DirFS(r.pkgDir)); err != nil {
		return err
	}
	r.snapshot = map[string]string{}
	for _, f := range p.every {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.src, 0o644); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") {
			r.snapshot[filepath.Join(r.pkgDir, e.Name())] = filepath.Join(dir, e.Name())
		}
	}
	return nil
}

// overlay writes an overlay file in dir that replaces the package's files with the
// snapshot's, and then those of files (path -> the file to read instead).
func (r *runner) overlay(dir string, files map[string]string) (string, error) {
	replace := map[string]string{}
	for k, v := range r.snapshot {
		replace[k] = v
	}
	for k, v := range files {
		replace[k] = v
	}
	spec, err := json.Marshal(map[string]map[string]string{"Replace": replace})
	if err != nil {
		return "", err
	}
	path := filepath.Join(dir, "overlay.json")
	return path, os.WriteFile(path, spec, 0o644)
}

// build compiles the package's test binary into bin, through overlay, and says what the
// compiler said when it failed and how much processor time it took.
func (r *runner) build(ctx context.Context, bin, overlay string, extra ...string) (string, time.Duration, error) {
	args := []string{"test", "-c", "-o", bin, "-vet=off", "-overlay=" + overlay}
	if r.tags != "" {
		args = append(args, "-tags", r.tags)
	}
	args = append(append(args, extra...), r.pattern)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = r.dir
	killGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	w := &watcher{}
	cmd.Stdout, cmd.Stderr = w, w
	err := cmd.Run()
	w.flush()
	if err != nil && w.build == "" {
		w.build = err.Error()
	}
	return w.build, cpuOf(cmd), err
}

// testArgs spells the test flags given for go test as the test binary wants them.
func (r *runner) testArgs(extra ...string) []string {
	known := map[string]bool{"short": true, "run": true, "skip": true, "count": true, "failfast": true, "cpu": true,
		"parallel": true, "v": true, "timeout": true, "shuffle": true, "fullpath": true, "benchtime": true, "bench": true}
	out := append([]string{}, extra...)
	for _, a := range r.testFlags {
		name := strings.TrimLeft(a, "-")
		if base, _, _ := strings.Cut(name, "="); strings.HasPrefix(a, "-") && known[base] {
			a = "-test." + name
		}
		out = append(out, a)
	}
	return out
}

// workdir makes a fresh scratch copy of the package directory for worker n, under a root
// that links to everything else of the module (so "../spec" still resolves), and returns the
// copy's path.
func (r *runner) workdir(n int) (string, error) {
	rel, err := filepath.Rel(r.dir, r.pkgDir)
	if err != nil || strings.HasPrefix(rel, "..") {
		return "", fmt.Errorf("%s is not inside %s", r.pkgDir, r.dir)
	}
	root := filepath.Join(r.scratch, fmt.Sprintf("work%d", n))
	from, to := r.dir, root
	for _, part := range strings.Split(rel, string(filepath.Separator)) {
		if part == "." {
			break
		}
		if err := os.MkdirAll(to, 0o755); err != nil {
			return "", err
		}
		entries, err := os.ReadDir(from)
		if err != nil {
			return "", err
		}
		for _, e := range entries {
			link := filepath.Join(to, e.Name())
			if e.Name() == part {
				continue
			}
			if _, err := os.Lstat(link); err == nil {
				continue
			}
			if err := os.Symlink(filepath.Join(from, e.Name()), link); err != nil {
				return "", err
			}
		}
		from, to = filepath.Join(from, part), filepath.Join(to, part)
	}
	if err := os.RemoveAll(to); err != nil {
		return "", err
	}
	return to, os.CopyFS(to, os.DirFS(filepath.Join(r.scratch, "snapshot")))
}

// baseline builds and runs the tests of the unmutated package (with a coverage profile
// unless race) and returns the seconds the test binary took.
func (r *runner) baseline(ctx context.Context, race bool) (float64, coverage, error) {
	bin := filepath.Join(r.scratch, "baseline.test")
	prof := filepath.Join(r.scratch, "cover.out")
	extra := []string{"-covermode=set", "-cover"}
	args := r.testArgs("-test.timeout=30m", "-test.coverprofile="+prof)
	if race {
		extra, args = []string{"-race"}, r.testArgs("-test.timeout=30m")
	}
	overlay, err := r.overlay(r.scratch, nil)
	if err != nil {
		return 0, nil, err
	}
	if msg, _, err := r.build(ctx, bin, overlay, extra...); err != nil {
		if ctx.Err() != nil {
			return 0, nil, errInterrupted
		}
		return 0, nil, fmt.Errorf("the unmutated tests do not build: %s", msg)
	}
	dir, err := r.workdir(0)
	if err != nil {
		return 0, nil, err
	}
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	killGroup(cmd)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return 0, nil, errInterrupted
		}
		return 0, nil, fmt.Errorf("the tests fail without any mutant (%s %s): %v\n%s", r.pattern, strings.Join(args, " "), err, tail(out.String(), 40))
	}
	secs := time.Since(start).Seconds()
	if race {
		return secs, nil, nil
	}
	f, err := os.Open(prof)
	if err != nil {
		return 0, nil, err
	}
	defer f.Close()
	c, err := parseCoverage(f, r.importPath)
	return secs, c, err
}

// listTests names the package's top-level tests, examples and fuzz targets (their seeds run
// as tests), from the baseline's binary.
func (r *runner) listTests(ctx context.Context) ([]string, error) {
	dir, err := r.workdir(0)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(r.scratch, "baseline.test"), "-test.list", ".")
	cmd.Dir = dir
	out, err := cmd.Output()
	if err != nil {
		return nil, err
	}
	var names []string
	for _, l := range strings.Split(string(out), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, "Test") || strings.HasPrefix(l, "Example") || strings.HasPrefix(l, "Fuzz") {
			names = append(names, l)
		}
	}
	return names, nil
}

// coverTest runs test i alone on the baseline's binary, adds its profile to c and says how
// long it took (process start included: what running it alone costs a mutant).
func (r *runner) coverTest(ctx context.Context, c coverage, mu *sync.Mutex, names []string, i, n int) (time.Duration, error) {
	dir, err := r.workdir(n)
	if err != nil {
		return 0, err
	}
	prof := filepath.Join(r.scratch, fmt.Sprintf("cover-%d.out", i))
	defer os.Remove(prof)
	cmd := exec.CommandContext(ctx, filepath.Join(r.scratch, "baseline.test"),
		r.testArgs("-test.run=^"+names[i]+"$", "-test.coverprofile="+prof, "-test.timeout=30m")...)
	cmd.Dir = dir
	killGroup(cmd)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(start)
	if err != nil {
		if ctx.Err() != nil {
			return 0, errInterrupted
		}
		return 0, fmt.Errorf("%s alone fails (every mutant will run every test): %v\n%s", names[i], err, tail(string(out), 20))
	}
	f, err := os.Open(prof)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	mu.Lock()
	defer mu.Unlock()
	return took, c.addTest(i, f, r.importPath)
}

// testRuns counts the mutants tested, for the tool's own tests.
var testRuns atomic.Int64

// stage is one run of a mutant's tests: those named (nil: all of them) within limit (0: the
// time the whole suite gets).
type stage struct {
	tests []string
	limit time.Duration
}

// run tests one mutant in worker n's scratch directory, stage after stage while it lives (no
// stage: all the tests at once). The stages selectTests plans end with all the tests unless
// coverage is trusted, so that selecting tests can only save time, never let a mutant live.
func (r *runner) run(ctx context.Context, m *mutant, n int, stages []stage) result {
	testRuns.Add(1)
	start := time.Now()
	dir := filepath.Join(r.scratch, m.id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{status: skipped, detail: err.Error()}
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, m.file.name)
	if err := os.WriteFile(file, m.src, 0o644); err != nil {
		return result{status: skipped, detail: err.Error()}
	}
	var extra []string
	if m.race && r.raceTime > 0 {
		extra = []string{"-race"}
	}
	if bin := r.schemaFor(m); bin != "" { // built already: only the tests to run
		res := r.stages(ctx, bin, fmt.Sprintf("%s=%d", schemaEnv, m.schemaID), n, m, stages)
		res.took = time.Since(start)
		return res
	}
	overlay, err := r.overlay(dir, map[string]string{m.file.path: file})
	if err != nil {
		return result{status: skipped, detail: err.Error()}
	}
	bin := filepath.Join(dir, "mutant.test")
	buildCtx, cancelBuild := context.WithTimeout(ctx, r.grace)
	msg, cpu, err := r.build(buildCtx, bin, overlay, append(extra, "-ldflags=-s")...)
	late := buildCtx.Err() != nil
	cancelBuild()
	switch {
	case ctx.Err() != nil:
		return result{status: errInterrupted.Error()}
	case late:
		return result{status: timedOut, detail: fmt.Sprintf("the build took over %s", r.grace), took: time.Since(start), cpu: cpu}
	case err != nil:
		return result{status: skipped, detail: "does not build: " + msg, took: time.Since(start), cpu: cpu}
	}
	res := r.stages(ctx, bin, "", n, m, stages)
	res.took, res.cpu = time.Since(start), res.cpu+cpu
	return res
}

// stages runs a built mutant's stages in turn until one does not let it live. A stage's limit
// is the whole suite's at most; under -race (the durations stages are planned by are not)
// every stage gets the race run's.
func (r *runner) stages(ctx context.Context, bin, env string, n int, m *mutant, stages []stage) result {
	if len(stages) == 0 {
		stages = []stage{{}}
	}
	var res result
	var cpu time.Duration
	for _, st := range stages {
		limit := r.timeout
		if st.limit > 0 && st.limit < limit {
			limit = st.limit
		}
		if m.race && r.raceTime > 0 {
			limit = r.raceTime
		}
		res = r.test(ctx, bin, env, n, limit, st.tests)
		cpu += res.cpu
		if res.status != lived {
			break
		}
	}
	res.cpu = cpu
	return res
}

// schemaFor is the schema binary that holds m, or "" when m is built on its own.
func (r *runner) schemaFor(m *mutant) string {
	switch {
	case m.schemaID == 0 || !m.inSchema:
		return ""
	case m.race && r.raceTime > 0:
		return r.schemaRace
	}
	return r.schemaBin
}

// buildSchema writes the schema's files and builds its test binary, and one with -race when
// race is set. On failure no mutant is taken from it (each is then built on its own).
func (r *runner) buildSchema(ctx context.Context, files map[string][]byte, race bool) (time.Duration, error) {
	dir := filepath.Join(r.scratch, "schema")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	replace := map[string]string{}
	for name, src := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, src, 0o644); err != nil {
			return 0, err
		}
		replace[filepath.Join(r.pkgDir, name)] = path
	}
	overlay, err := r.overlay(dir, replace)
	if err != nil {
		return 0, err
	}
	var total time.Duration
	for _, v := range []struct {
		bin   *string
		flags []string
		want  bool
	}{{&r.schemaBin, []string{"-ldflags=-s"}, true}, {&r.schemaRace, []string{"-ldflags=-s", "-race"}, race}} {
		if !v.want {
			continue
		}
		bin := filepath.Join(dir, "schema"+strings.Join(v.flags, "")+".test")
		msg, cpu, err := r.build(ctx, bin, overlay, v.flags...)
		total += cpu
		if err != nil {
			r.schemaBin, r.schemaRace = "", ""
			return total, fmt.Errorf("the schema does not build (every mutant is built on its own): %s", msg)
		}
		*v.bin = bin
	}
	return total, nil
}

// test runs a built mutant's tests (the named ones, or all when tests is nil), with env
// added to the environment when it is set.
func (r *runner) test(ctx context.Context, bin, env string, n int, limit time.Duration, tests []string) result {
	work, err := r.workdir(n)
	if err != nil {
		return result{status: skipped, detail: err.Error()}
	}
	runCtx, cancelRun := context.WithTimeout(ctx, limit+time.Minute)
	defer cancelRun()
	args := []string{"-test.failfast", "-test.timeout=" + limit.String()}
	if tests != nil {
		args = append(args, "-test.run=^("+strings.Join(tests, "|")+")$")
	}
	cmd := exec.CommandContext(runCtx, bin, r.testArgs(args...)...)
	cmd.Dir = work
	if env != "" {
		cmd.Env = append(os.Environ(), env)
	}
	killGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	w := &watcher{}
	cmd.Stdout, cmd.Stderr = w, w
	err = cmd.Run()
	w.flush()
	res := result{cpu: cpuOf(cmd)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.status = errInterrupted.Error()
	case runCtx.Err() != nil:
		res.status, res.detail = timedOut, fmt.Sprintf("killed after %s", limit+time.Minute)
	case err == nil:
		res.status = lived
	case w.timeout != "":
		res.status, res.detail = timedOut, w.timeout
	case errors.As(err, &exit):
		res.status, res.detail = killed, w.reason()
	default:
		res.status, res.detail = skipped, err.Error() // the binary did not start
	}
	return res
}

// watcher reads go test's output line by line and keeps what tells how a run ended: the
// output itself can be megabytes (a timed-out binary prints every goroutine).
type watcher struct {
	mu        sync.Mutex
	partial   []byte
	failed    string // the first failing test
	panicked  string // the first panic or fatal error
	timeout   string
	build     string
	other     string // the first line naming TestMain's own checks
	running   bool   // the line before was "running tests:"
	compiling bool   // the line before was the "# package" header of compiler messages
}

func (w *watcher) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.partial = append(w.partial, p...)
	for {
		i := bytes.IndexByte(w.partial, '\n')
		if i < 0 {
			break
		}
		w.line(string(w.partial[:i]))
		w.partial = w.partial[i+1:]
	}
	if len(w.partial) > 1<<16 {
		w.partial = w.partial[:0]
	}
	return len(p), nil
}

func (w *watcher) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.partial) > 0 {
		w.line(string(w.partial))
		w.partial = nil
	}
}

func (w *watcher) line(s string) {
	t := strings.TrimSpace(s)
	switch {
	case w.running:
		w.running = false
		w.timeout += " in " + strings.Fields(t + " ?")[0]
	case strings.HasPrefix(t, "panic: test timed out after"):
		if w.timeout == "" {
			w.timeout = strings.TrimPrefix(t, "panic: ")
		}
	case t == "running tests:":
		w.running = w.timeout != ""
	case strings.HasPrefix(t, "--- FAIL: "):
		if w.failed == "" {
			w.failed = strings.Fields(strings.TrimPrefix(t, "--- FAIL: "))[0]
		}
	case strings.HasPrefix(t, "panic: "), strings.HasPrefix(t, "fatal error: "):
		if w.panicked == "" {
			w.panicked = t
		}
	case strings.HasSuffix(t, "[build failed]"), strings.HasSuffix(t, "[setup failed]"):
		if w.build == "" {
			w.build = t
		}
	case strings.HasPrefix(s, "# "):
		w.compiling = true // the compiler's messages follow
	case w.compiling:
		w.compiling = false
		if w.build == "" {
			w.build = t
		}
	case strings.HasPrefix(t, "secret scan:") && !strings.Contains(t, " checked"),
		strings.HasPrefix(t, "goroutine leak"), strings.HasPrefix(t, "WARNING: DATA RACE"):
		if w.other == "" {
			w.other = t
		}
	}
}

// reason says what killed a mutant.
func (w *watcher) reason() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	parts := []string{}
	if w.failed != "" {
		parts = append(parts, "by "+w.failed)
	}
	if w.panicked != "" {
		parts = append(parts, short(w.panicked))
	}
	if w.other != "" {
		parts = append(parts, short(w.other))
	}
	if len(parts) == 0 {
		return "the test binary failed"
	}
	return strings.Join(parts, "; ")
}

// tail is the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
