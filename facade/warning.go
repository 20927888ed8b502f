package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Warning is a value in a response whose JSON shape or type is not the one the spec gives it
// (a string where an object belongs, a date that is not a date, ...). The call still
// succeeded: the rest of the item or response was decoded and kept, the field itself was left
// empty, and Raw holds the value exactly as the server sent it. Warnings come with each
// StatusPage, go to the handler set by WithWarningHandler, and are logged at warn level.
type Warning struct {
	Operation string          // the name in the spec of the call whose response carried the value
	Item      int             // index of the item in its page; -1 when the response is not a list
	Path      string          // JSON path within the item (or response), e.g. "requester.type"
	Raw       json.RawMessage // the value as the server sent it
	Problem   string          // what was expected, e.g. "got string, want object"
}

// String describes the warning on one line, without the raw value.
func (w Warning) String() string {
	return fmt.Sprintf("%s: %s: %s", w.Operation, w.at(), w.Problem)
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

// WithWarningHandler calls h with every Warning, for every call, in addition to the warn-level
// log line. Calls are serialised, but may come from the goroutines of a prefetching listing.
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
// for the call, naming how many values were set aside and where (indexes left out), so a page
// of 250 odd items is one line, not 250.
func (c *Client) warnAll(ctx context.Context, op string, warnings []Warning) {
	if len(warnings) == 0 {
		return
	}
	var paths []string
	for _, w := range warnings {
		p := anyIndex.ReplaceAllString(w.Path, "[]")
		if !slices.Contains(paths, p) {
			paths = append(paths, p)
		}
	}
	c.tr.log.WarnContext(ctx, "response values do not match the spec; they were set aside and the rest kept",
		"operation", op, "values", len(warnings), "paths", strings.Join(paths, ","), "first", warnings[0].String())
	if c.onWarning != nil {
		c.warnMu.Lock()
		defer c.warnMu.Unlock()
		for _, w := range warnings {
			c.onWarning(w)
		}
	}
}
