package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// Warning is something a call's response said that the caller should know although the call
// succeeded. Its Kind says which:
//
//   - WarningShape: a value in a response whose JSON shape or type is not the one the spec gives
//     it (a string where an object belongs, a date that is not a date, ...). The rest of the item
//     or response was decoded and kept, the field itself was left empty (an element of a list or
//     a map left out), and Raw holds the value as the server sent it, its first MaxWarningRaw
//     bytes when it is longer. These come with each StatusPage, go to the handler set by
//     WithWarningHandler, and are logged at warn level (one line per call). One call keeps at
//     most MaxWarnings of them: past that, values are counted, and the call's last Warning is a
//     summary whose Omitted says how many more there were (its Path and Raw are empty).
//   - WarningDeprecated: the operation answered X-Deprecated: true. It is reported once per
//     operation per client, to the handler and as one warn-level log line, so a program learns
//     from its own logs, long before the vendor turns the operation off, that it must move.
//     Item is -1, and Path and Raw are empty.
type Warning struct {
	Kind      WarningKind     // what is reported
	Operation string          // the name in the spec of the call whose response carried the value
	Item      int             // index of the item in its page; -1 when the response is not a list
	Path      string          // JSON path within the item (or response), e.g. "requester.type"
	Raw       json.RawMessage // the value as the server sent it (cut to MaxWarningRaw bytes)
	Truncated bool            // Raw holds only the first MaxWarningRaw bytes of the value
	Problem   string          // what was expected, e.g. "got string, want object"
	Omitted   int             // for a summary: how many more values of the call did not match, not kept
}

// WarningKind says what a Warning reports.
type WarningKind string

// Kinds of Warning.
const (
	WarningShape      WarningKind = "shape"      // a value of another shape than the spec's, set aside
	WarningDeprecated WarningKind = "deprecated" // the operation is deprecated (X-Deprecated: true)
)

// String describes the warning on one line, without the raw value.
func (w Warning) String() string {
	if w.Omitted > 0 || w.Kind == WarningDeprecated {
		return fmt.Sprintf("%s: %s", w.Operation, w.Problem)
	}
	return fmt.Sprintf("%s: %s: %s", w.Operation, w.at(), w.Problem)
}

// values is how many values the warning stands for: one, or a summary's count.
func (w Warning) values() int {
	if w.Omitted > 0 {
		return w.Omitted
	}
	return 1
}

// at is where the value was: "item [3].requester.type", "requester.type", or "item [3]".
func (w Warning) at() string {
	switch {
	case w.Item < 0:
		return w.Path
	case w.Path == "":
		return "item [" + strconv.Itoa(w.Item) + "]"
	}
	return "item [" + strconv.Itoa(w.Item) + "]." + w.Path
}

// WithWarningHandler calls h with every Warning, for every call (a WarningDeprecated once per
// operation), in addition to the warn-level log line. Calls are serialised, but may come from
// the goroutines of a prefetching listing.
func WithWarningHandler(h func(Warning)) Option {
	return func(o *options) error {
		if h == nil {
			return errors.New("WithWarningHandler: handler is nil")
		}
		o.onWarning = h
		return nil
	}
}

// warnAll hands each warning of one call to the caller's handler and logs one warn-level line
// for the call, naming how many values were set aside and where (indexes left out; at most
// maxLoggedPaths paths), so a page of 250 odd items is one line, not 250.
func (c *Client) warnAll(ctx context.Context, op string, warnings []Warning) {
	if len(warnings) == 0 {
		return
	}
	values := 0
	var paths pathSet
	for _, w := range warnings {
		values += w.values()
		if w.Omitted == 0 {
			paths.add(w.Path)
		}
	}
	c.tr.log.WarnContext(ctx, "response values do not match the spec; they were set aside and the rest kept",
		"operation", op, "values", values, "paths", paths.String(), "first", warnings[0].String())
	if c.onWarning != nil {
		c.warnMu.Lock()
		defer c.warnMu.Unlock()
		for _, w := range warnings {
			c.onWarning(w)
		}
	}
}

// maxLoggedPaths is the most paths a warn-level line names.
const maxLoggedPaths = 20

// pathSet collects the distinct paths of warnings, indexes left out ("approvalIds[]"), in the
// order first seen: in time linear in the paths added, however many are distinct.
type pathSet struct {
	seen  map[string]bool
	order []string
}

func (s *pathSet) add(path string) {
	p := generalPath(path)
	if s.seen[p] {
		return
	}
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	s.seen[p] = true
	s.order = append(s.order, p)
}

// String lists the paths, the first maxLoggedPaths of them, and how many more there were.
func (s *pathSet) String() string {
	if len(s.order) <= maxLoggedPaths {
		return strings.Join(s.order, ",")
	}
	return strings.Join(s.order[:maxLoggedPaths], ",") + fmt.Sprintf(",… %d more", len(s.order)-maxLoggedPaths)
}

// generalPath is a warning's path with every index left out: "approvalDetails[3].comment"
// becomes "approvalDetails[].comment", so the warnings of many items group by field.
func generalPath(path string) string {
	if !strings.Contains(path, "[") {
		return path
	}
	b := make([]byte, 0, len(path))
	for i := 0; i < len(path); i++ {
		b = append(b, path[i])
		if path[i] != '[' {
			continue
		}
		j := i + 1
		for j < len(path) && path[j] >= '0' && path[j] <= '9' {
			j++
		}
		if j > i+1 && j < len(path) && path[j] == ']' {
			i = j - 1 // the digits are left out; the ']' comes next
		}
	}
	return string(b)
}

// deprecatedHeader is the response header the vendor sends, as "true", on a deprecated
// operation's answers.
const deprecatedHeader = "X-Deprecated"

// isDeprecated reports whether a response says its operation is deprecated.
func isDeprecated(h http.Header) bool {
	return strings.EqualFold(strings.TrimSpace(h.Get(deprecatedHeader)), "true")
}

// reportDeprecated reports, the first time this client sees it, that op is deprecated: one
// WarningDeprecated to the handler and one warn-level log line. Later answers of op (from any
// goroutine) report nothing more; Operation.Deprecated still says it for each call.
func (c *Client) reportDeprecated(ctx context.Context, op string) {
	if _, seen := c.deprecated.LoadOrStore(op, struct{}{}); seen {
		return
	}
	problem := "the vendor has deprecated this operation (X-Deprecated: true); it keeps working for two years after the deprecation, then is turned off"
	if use := c.successorOf(op); use != "" {
		problem += "; use " + use
	}
	c.tr.log.WarnContext(ctx, "accessrequests: deprecated operation", "operation", op, "api", string(c.api), "problem", problem)
	if c.onWarning != nil {
		c.warnMu.Lock()
		defer c.warnMu.Unlock()
		c.onWarning(Warning{Kind: WarningDeprecated, Operation: op, Item: -1, Problem: problem})
	}
}

// successorOf names what replaces a deprecated operation of the client's generation, or "".
func (c *Client) successorOf(op string) string {
	for _, e := range c.urls {
		if e.op == op {
			return e.successor
		}
	}
	return ""
}
