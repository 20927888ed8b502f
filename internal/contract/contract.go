// Package contract checks live HTTP traffic against spec/: every request a client sends and
// every response a server gives is validated with kin-openapi's openapi3filter. It wraps either
// side of a connection (an http.Handler or an http.RoundTripper) and records what does not
// conform, so a test can fail on it and a server can refuse it.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/sailkit/accessrequests/spec"
)

// BasePath is the path prefix of the beta's operations. The spec's server is the tenant's
// root: the beta's paths start with BasePath, the successor's (/access-requests/v1,
// /access-request-status/v1, ...) have no common prefix.
const BasePath = spec.BetaPrefix

// TokenPath is the OAuth2 token endpoint's path. The spec does not describe it (it is not part
// of the beta API), so traffic to it is passed through unchecked.
const TokenPath = "/oauth/token"

// routingHost stands in for whatever host the traffic was sent to, so one harness can check
// traffic to any test server while still insisting on the spec's paths.
const routingHost = "contract.invalid"

func init() {
	// kin-openapi's own date-time pattern accepts offsets such as +70:00 that Go's time package
	// (and so our decoder) rejects; hold responses to what a client can actually parse.
	openapi3.DefineStringFormatValidator("date-time", openapi3.NewCallbackValidator(func(s string) error {
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return fmt.Errorf("not an RFC 3339 date-time: %q", s)
		}
		return nil
	}))
}

// Load parses and validates the embedded spec, with example validation on, and points its
// server at the routing host so that any test server's traffic to either generation can be
// routed.
func Load(ctx context.Context) (*openapi3.T, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(spec.YAML)
	if err != nil {
		return nil, fmt.Errorf("contract: load spec: %w", err)
	}
	if err := doc.Validate(ctx, openapi3.EnableExamplesValidation()); err != nil {
		return nil, fmt.Errorf("contract: spec is not valid: %w", err)
	}
	doc.Servers = openapi3.Servers{{URL: "http://" + routingHost}}
	return doc, nil
}

// ErrNoRoute means a request matched no operation of the spec (wrong method or path, such as a
// beta path without the /beta prefix).
var ErrNoRoute = errors.New("no operation")

// Violation is one piece of traffic that broke the contract.
type Violation struct {
	Direction string // "request" or "response"
	Method    string // HTTP method of the request
	Path      string // URL path of the request
	Status    int    // the response's status; 0 for a request
	Err       error  // what the validator found
}

// Error reports where the violation happened and what was wrong.
func (v Violation) Error() string {
	if v.Status != 0 {
		return fmt.Sprintf("contract: %s %s %s %d: %v", v.Direction, v.Method, v.Path, v.Status, v.Err)
	}
	return fmt.Sprintf("contract: %s %s %s: %v", v.Direction, v.Method, v.Path, v.Err)
}

// Unwrap returns the validator's error.
func (v Violation) Unwrap() error { return v.Err }

// Harness validates traffic against the spec and records every violation. It is safe for
// concurrent use.
type Harness struct {
	router routers.Router

	mu         sync.Mutex
	violations []Violation
	checked    int
}

// New builds a harness from the embedded spec.
func New(ctx context.Context) (*Harness, error) {
	doc, err := Load(ctx)
	if err != nil {
		return nil, err
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: build router: %w", err)
	}
	return &Harness{router: router}, nil
}

// Violations returns a copy of every violation recorded so far.
func (h *Harness) Violations() []Violation {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]Violation(nil), h.violations...)
}

// Checked is the number of requests and responses validated so far, violations included.
func (h *Harness) Checked() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.checked
}

// Reset forgets what was recorded.
func (h *Harness) Reset() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.violations, h.checked = nil, 0
}

func (h *Harness) record(v *Violation) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.checked++
	if v != nil {
		h.violations = append(h.violations, *v)
	}
}

// authenticate accepts any request that carries a bearer token: the harness checks the shape
// of traffic, not who sent it, but a request without a token does break the contract.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	auth := in.RequestValidationInput.Request.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(auth, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return errors.New("no bearer token in the Authorization header")
	}
	return nil
}

// CheckRequest validates one request. Its body, if any, is read and replaced so the request
// can still be sent or served. It returns the route's input (nil when no route matched, which
// is itself a violation) for a later CheckResponse.
func (h *Harness) CheckRequest(req *http.Request) (*openapi3filter.RequestValidationInput, error) {
	in, err := h.validateRequest(req)
	if err != nil {
		v := &Violation{Direction: "request", Method: req.Method, Path: req.URL.Path, Err: err}
		h.record(v)
		return in, v
	}
	h.record(nil)
	return in, nil
}

// ValidateRequest validates one request without recording anything, for servers that refuse
// what does not conform. The body is read and replaced.
func (h *Harness) ValidateRequest(req *http.Request) error {
	_, err := h.validateRequest(req)
	return err
}

func (h *Harness) validateRequest(req *http.Request) (*openapi3filter.RequestValidationInput, error) {
	body, err := readAndRestore(&req.Body)
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	routed := req.Clone(req.Context())
	u := *req.URL
	u.Scheme, u.Host = "http", routingHost
	routed.URL = &u
	routed.Host = routingHost
	routed.Body = io.NopCloser(bytes.NewReader(body))
	route, pathParams, err := h.router.FindRoute(routed)
	if err != nil {
		return nil, fmt.Errorf("%w for %s %s: %v", ErrNoRoute, req.Method, req.URL.Path, err)
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    routed,
		PathParams: pathParams,
		Route:      route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: authenticate,
		},
	}
	if err := openapi3filter.ValidateRequest(req.Context(), in); err != nil {
		return in, err
	}
	return in, nil
}

// CheckResponse validates a response to a request that CheckRequest routed. Undocumented
// status codes are violations. The body is passed as bytes because it has already been read.
func (h *Harness) CheckResponse(ctx context.Context, in *openapi3filter.RequestValidationInput, status int, header http.Header, body []byte) error {
	if in == nil {
		return nil // the request already failed to route; that was recorded
	}
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in,
		Status:                 status,
		Header:                 header,
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true,
			MultiError:            true,
		},
	}
	out.SetBodyBytes(body)
	err := openapi3filter.ValidateResponse(ctx, out)
	if err == nil {
		err = undeclaredProperties(in.Route.Operation, status, body)
	}
	if err != nil {
		v := &Violation{Direction: "response", Method: in.Request.Method, Path: in.Request.URL.Path, Status: status, Err: err}
		h.record(v)
		return v
	}
	h.record(nil)
	return nil
}

// undeclaredProperties is stricter than openapi3filter, which lets any object carry properties
// its schema does not name: a server that renames a property ("accessRequestID") would pass, and
// Go's case-insensitive decoding would even hide it. Objects whose schema lists properties and
// allows no additional ones must not carry others.
func undeclaredProperties(op *openapi3.Operation, status int, body []byte) error {
	resp := op.Responses.Status(status)
	if resp == nil || resp.Value == nil || len(body) == 0 {
		return nil
	}
	mt := resp.Value.Content.Get("application/json")
	if mt == nil || mt.Schema == nil {
		return nil
	}
	var value any
	if err := json.Unmarshal(body, &value); err != nil {
		return nil // not JSON: the validator has said so already
	}
	var found []string
	walkUndeclared(mt.Schema.Value, value, "", &found)
	if len(found) > 0 {
		sort.Strings(found)
		return fmt.Errorf("undeclared properties in the response: %s", strings.Join(found, ", "))
	}
	return nil
}

func walkUndeclared(s *openapi3.Schema, v any, path string, found *[]string) {
	if s == nil {
		return
	}
	switch v := v.(type) {
	case []any:
		if s.Items != nil {
			for i, x := range v {
				walkUndeclared(s.Items.Value, x, fmt.Sprintf("%s[%d]", path, i), found)
			}
		}
	case map[string]any:
		props := map[string]*openapi3.Schema{}
		for name, p := range s.Properties {
			props[name] = p.Value
		}
		for _, sub := range s.AllOf {
			for name, p := range sub.Value.Properties {
				props[name] = p.Value
			}
		}
		var extra *openapi3.Schema
		if s.AdditionalProperties.Schema != nil {
			extra = s.AdditionalProperties.Schema.Value
		}
		open := len(props) == 0 || extra != nil || (s.AdditionalProperties.Has != nil && *s.AdditionalProperties.Has)
		for k, x := range v {
			switch p, ok := props[k]; {
			case ok:
				walkUndeclared(p, x, path+"."+k, found)
			case extra != nil:
				walkUndeclared(extra, x, path+"."+k, found)
			case !open:
				*found = append(*found, strings.TrimPrefix(path+"."+k, "."))
			}
		}
	}
}

// Handler wraps a server: each request is validated before it reaches next, and each response
// next writes is buffered and validated before it is sent on unchanged. Violations are only
// recorded, so the wrapped server's own behaviour stays visible to the test.
func (h *Harness) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		in, _ := h.CheckRequest(r)
		rec := &recorder{header: http.Header{}, w: w}
		next.ServeHTTP(rec, r)
		if rec.unwrapped && rec.status == 0 {
			return // the handler took over the connection (to drop it): nothing to check or send
		}
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		_ = h.CheckResponse(r.Context(), in, rec.status, rec.header, rec.body.Bytes())
		for k, vs := range rec.header {
			w.Header()[k] = vs
		}
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

// RoundTripper wraps a client's transport: each request is validated before it is sent and
// each response after it arrives (its body is read and replaced). Violations are recorded;
// traffic passes through unchanged.
func (h *Harness) RoundTripper(next http.RoundTripper) http.RoundTripper {
	if next == nil {
		next = http.DefaultTransport
	}
	return roundTripFunc(func(req *http.Request) (*http.Response, error) {
		if strings.HasSuffix(req.URL.Path, TokenPath) {
			return next.RoundTrip(req)
		}
		in, _ := h.CheckRequest(req)
		resp, err := next.RoundTrip(req)
		if err != nil {
			return resp, err
		}
		body, rerr := readAndRestore(&resp.Body)
		if rerr != nil {
			return resp, nil // a broken body is the client's to handle, not a contract matter
		}
		_ = h.CheckResponse(req.Context(), in, resp.StatusCode, resp.Header, body)
		return resp, nil
	})
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// recorder buffers a handler's response so it can be validated before it is sent. Unwrap lets a
// handler reach the real connection (to hijack it when simulating a dropped connection).
type recorder struct {
	w         http.ResponseWriter
	unwrapped bool
	header    http.Header
	status    int
	body      bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

// Unwrap returns the real ResponseWriter, for http.ResponseController.
func (r *recorder) Unwrap() http.ResponseWriter { r.unwrapped = true; return r.w }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}

// readAndRestore reads a body fully and puts an equivalent reader back in its place.
func readAndRestore(body *io.ReadCloser) ([]byte, error) {
	if *body == nil || *body == http.NoBody {
		return nil, nil
	}
	data, err := io.ReadAll(*body)
	_ = (*body).Close()
	*body = io.NopCloser(bytes.NewReader(data))
	return data, err
}

// ServerURL joins a test server's root URL with the beta's base path.
func ServerURL(root string) (string, error) {
	u, err := url.Parse(root)
	if err != nil {
		return "", err
	}
	u.Path = strings.TrimSuffix(u.Path, "/") + BasePath
	return u.String(), nil
}
