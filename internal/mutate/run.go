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

// runner runs the package's tests against one mutant at a time, through an overlay: the
// tree is never written, and several mutants can be tested at once.
type runner struct {
	dir        string // where go runs (the module root)
	pattern    string // the package, as given on the command line
	importPath string
	tags       string
	testFlags  []string
	scratch    string
	timeout    time.Duration // the test binary's -timeout
	raceTime   time.Duration // the same under -race
	grace      time.Duration // on top, for compiling and linking
}

type result struct {
	status, detail string
	took           time.Duration
}

func (r *runner) args(extra ...string) []string {
	a := []string{"test", "-count=1", "-vet=off"}
	if r.tags != "" {
		a = append(a, "-tags", r.tags)
	}
	a = append(a, extra...)
	a = append(a, r.testFlags...)
	return append(a, r.pattern)
}

// baseline runs the tests on the unmutated package (with a coverage profile unless race) and
// returns the seconds the test binary took.
func (r *runner) baseline(race bool) (float64, coverage, error) {
	extra := []string{"-timeout", "30m"}
	prof := filepath.Join(r.scratch, "cover.out")
	if race {
		extra = append(extra, "-race")
	} else {
		extra = append(extra, "-covermode=set", "-coverprofile="+prof)
	}
	cmd := exec.Command("go", r.args(extra...)...)
	cmd.Dir = r.dir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return 0, nil, fmt.Errorf("the tests fail without any mutant (go %s): %v\n%s", strings.Join(cmd.Args[1:], " "), err, tail(out.String(), 40))
	}
	secs, ok := parseDuration(out.String(), r.importPath)
	if !ok {
		secs = time.Since(start).Seconds()
	}
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

// testRuns counts the mutants tested, for the tool's own tests.
var testRuns atomic.Int64

// run tests one mutant.
func (r *runner) run(m *mutant) result {
	testRuns.Add(1)
	dir := filepath.Join(r.scratch, m.id)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return result{status: skipped, detail: err.Error()}
	}
	defer os.RemoveAll(dir)
	file := filepath.Join(dir, m.file.name)
	overlay := filepath.Join(dir, "overlay.json")
	spec, _ := json.Marshal(map[string]map[string]string{"Replace": {m.file.path: file}})
	if err := os.WriteFile(file, m.src, 0o644); err != nil {
		return result{status: skipped, detail: err.Error()}
	}
	if err := os.WriteFile(overlay, spec, 0o644); err != nil {
		return result{status: skipped, detail: err.Error()}
	}
	limit := r.timeout
	extra := []string{"-overlay=" + overlay, "-failfast", "-ldflags=-s"}
	if m.race && r.raceTime > 0 {
		limit = r.raceTime
		extra = append(extra, "-race")
	}
	extra = append(extra, "-timeout", limit.String())
	ctx, cancel := context.WithTimeout(context.Background(), limit+r.grace)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", r.args(extra...)...)
	cmd.Dir = r.dir
	killGroup(cmd)
	cmd.WaitDelay = 10 * time.Second
	w := &watcher{}
	cmd.Stdout, cmd.Stderr = w, w
	start := time.Now()
	err := cmd.Run()
	w.flush()
	res := result{took: time.Since(start)}
	var exit *exec.ExitError
	switch {
	case ctx.Err() != nil:
		res.status, res.detail = timedOut, fmt.Sprintf("go test killed after %s", (limit+r.grace).Round(time.Second))
	case err == nil:
		res.status = lived
	case w.timeout != "":
		res.status, res.detail = timedOut, w.timeout
	case w.build != "":
		res.status, res.detail = skipped, "does not build: "+w.build
	case errors.As(err, &exit):
		res.status, res.detail = killed, w.reason()
	default:
		res.status, res.detail = skipped, err.Error() // go itself did not start
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
	case strings.HasPrefix(t, "secret scan:") && !strings.Contains(t, ", 0 leaks"),
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
