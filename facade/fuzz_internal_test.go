package facade

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
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
	op := doc.Paths.Find("/access-request-status").Get
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
// decodes: the client never fails a call the server made correctly.
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
		_, err := decodeJSON(response(200, "application/json", body), &out, nil)
		var value any
		if json.Unmarshal([]byte(body), &value) != nil {
			return
		}
		if schema.VisitJSON(value) == nil && err != nil {
			t.Fatalf("the spec accepts %q but the client does not: %v", body, err)
		}
	})
}

// FuzzAPIError: any error response becomes an *APIError with a bounded snippet, never a panic.
func FuzzAPIError(f *testing.F) {
	f.Add(400, "application/json", `{"detailCode":"400.1","trackingId":"t","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"bad"}]}`)
	f.Add(401, "application/json", `{"error":{"nested":["x"]}}`)
	f.Add(429, "application/json", `{"message":" Rate Limit Exceeded "}`)
	f.Add(502, "text/html", "<html><body>Bad gateway</body></html>")
	f.Add(500, "", "\xff\xfe\x00garbage")
	f.Fuzz(func(t *testing.T, status int, contentType, body string) {
		e := newAPIError("op", response(status, contentType, body), time.Now())
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
