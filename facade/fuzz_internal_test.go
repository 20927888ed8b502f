package facade

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/sailkit/accessrequests/internal/contract"
)

// statusListSchema is the spec's schema of a listAccessRequestStatus 200 body.
func statusListSchema(f *testing.F) *openapi3.Schema {
	f.Helper()
	doc, err := contract.Load(context.Background())
	if err != nil {
		f.Fatal(err)
	}
	op := doc.Paths.Find(contract.BasePath + "/access-request-status").Get
	return op.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
}

func response(status int, contentType, body string) *http.Response {
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

// FuzzDecodeStatus: decoding any body never panics, and a body the spec calls valid always
// decodes, without a warning: the client never fails or doubts a call the server made correctly.
func FuzzDecodeStatus(f *testing.F) {
	schema := statusListSchema(f)
	f.Add(`[{"id":"a","state":"EXECUTING","created":"2026-01-02T03:04:05Z","cancelable":true}]`)
	f.Add(`[{"attributesHash":2843118224,"clientMetadata":{"k":"v"},"errorMessages":[[{"text":"x","localeOrigin":null}]]}]`)
	f.Add(`[]`)
	f.Add(`null`)
	f.Add(`[{"created":"2026-01-02T03:04:05+70:00"}]`)
	f.Add(`[{"state":"SOMETHING_NEW","type":null,"sodViolationContext":null}]`)
	f.Fuzz(func(t *testing.T, body string) {
		var out []Status
		warnings, err := decodeJSON(response(200, "application/json", body), &out, readOptions{decodeOptions: decodeOptions{critical: statusIdentity}})
		// The same body checked first, as a large one is: the same result.
		defer func(size int) { checkedBody = size }(checkedBody)
		checkedBody = 0
		var checked []Status
		checkedWarnings, checkedErr := decodeJSON(response(200, "application/json", body), &checked, readOptions{decodeOptions: decodeOptions{critical: statusIdentity}})
		swell := checkedErr != nil && strings.Contains(checkedErr.Error(), "times its size") // small bodies are not held to it
		if !swell && ((err == nil) != (checkedErr == nil) || !reflect.DeepEqual(out, checked) || !reflect.DeepEqual(warnings, checkedWarnings)) {
			t.Fatalf("checked first: %v, %v; not: %v, %v", checkedWarnings, checkedErr, warnings, err)
		}
		var value any
		if json.Unmarshal([]byte(body), &value) != nil {
			return
		}
		if schema.VisitJSON(value) == nil && (err != nil || len(warnings) > 0) {
			t.Fatalf("the spec accepts %q but the client does not: %v %v", body, err, warnings)
		}
	})
}

// FuzzInformationalField: whatever value sits in any informational field of a status, at any
// depth, a page still yields every item with its ids and state.
func FuzzInformationalField(f *testing.F) {
	paths := informationalPaths(reflect.TypeFor[Status](), "", 0)
	f.Add(uint(0), `"text"`)
	f.Add(uint(7), `[1,{"a":null}]`)
	f.Add(uint(31), `{"nested":{"deep":[true]}}`)
	f.Add(uint(99), `12345678901234567890123e400`)
	f.Add(uint(3), `not json at all`)
	f.Fuzz(func(t *testing.T, which uint, value string) {
		path := paths[which%uint(len(paths))]
		var v any = value // not JSON: served as a string
		if json.Valid([]byte(value)) {
			v = json.RawMessage(value)
		}
		page := []map[string]any{}
		for i := range 3 {
			item := map[string]any{"accessRequestId": fmt.Sprintf("ar-%d", i), "accountActivityItemId": fmt.Sprintf("aa-%d", i),
				"id": fmt.Sprintf("role-%d", i), "state": "EXECUTING"}
			if i == 1 {
				setPath(item, strings.Split(path, "."), v)
			}
			page = append(page, item)
		}
		body, err := json.Marshal(page)
		if err != nil {
			return // a value json cannot hold
		}
		var out []Status
		if _, err := decodeBody(body, &out, decodeOptions{critical: statusIdentity}); err != nil {
			t.Fatalf("%s = %s failed the page: %v", path, value, err)
		}
		if len(out) != 3 {
			t.Fatalf("%s = %s: %d items, want 3", path, value, len(out))
		}
		for i, s := range out {
			if s.AccessRequestID != fmt.Sprintf("ar-%d", i) || s.AccountActivityItemID != fmt.Sprintf("aa-%d", i) ||
				s.ID != fmt.Sprintf("role-%d", i) || s.State != StateExecuting {
				t.Fatalf("%s = %s: item %d lost its identity: %+v", path, value, i, s)
			}
		}
	})
}

// informationalPaths lists the JSON paths of every field of t that is not a status's identity,
// nested objects included ("[]" marks a list), down to a few levels.
func informationalPaths(t reflect.Type, prefix string, depth int) []string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || t == timeType || depth > 4 {
		return nil
	}
	var out []string
	for name, i := range fieldsOf(t).byName {
		if prefix == "" && slices.Contains(statusIdentity, name) {
			continue
		}
		p := join(prefix, name)
		ft := t.Field(i).Type
		for ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		if ft.Kind() == reflect.Slice {
			ft = ft.Elem()
			out = append(out, p)
			p += "[]"
		}
		out = append(out, p)
		out = append(out, informationalPaths(ft, p, depth+1)...)
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// setPath puts v at a path of setPath's making, creating objects (and one-element lists for
// "[]") on the way.
func setPath(m map[string]any, path []string, v any) {
	name, list := strings.CutSuffix(path[0], "[]")
	if len(path) == 1 {
		if list {
			v = []any{v}
		}
		m[name] = v
		return
	}
	child := map[string]any{}
	if list {
		m[name] = []any{child}
	} else {
		m[name] = child
	}
	setPath(child, path[1:], v)
}

// FuzzAPIError: any error response becomes an *APIError with a bounded snippet, never a panic.
func FuzzAPIError(f *testing.F) {
	f.Add(400, "application/json", `{"detailCode":"400.1","trackingId":"t","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"bad"}]}`)
	f.Add(401, "application/json", `{"error":{"nested":["x"]}}`)
	f.Add(429, "application/json", `{"message":" Rate Limit Exceeded "}`)
	f.Add(502, "text/html", "<html><body>Bad gateway</body></html>")
	f.Add(500, "", "\xff\xfe\x00garbage")
	f.Fuzz(func(t *testing.T, status int, contentType, body string) {
		e := newAPIError("op", response(status, contentType, body), time.Now(), newScrubber("", "").scrub)
		if e.StatusCode != status {
			t.Fatalf("status %d became %d", status, e.StatusCode)
		}
		if len(e.Body) > maxSnippet+len("…") {
			t.Fatalf("snippet of %d bytes", len(e.Body))
		}
		_ = e.Error()
	})
}

// FuzzRetryAfter: any header value parses to a wait between zero and a year, or is refused.
func FuzzRetryAfter(f *testing.F) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, s := range []string{"0", "120", "-1", "Mon, 01 Jun 2026 12:00:30 GMT", "31536000000", "1e9", " 7 ", "soon"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		d, ok := parseRetryAfter(v, now)
		if !ok {
			if d != 0 {
				t.Fatalf("refused %q but returned %s", v, d)
			}
			return
		}
		if d < 0 || d > 365*24*time.Hour {
			t.Fatalf("%q gave %s", v, d)
		}
	})
}
