package facade_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/internal/contract"
)

// Recognisable credentials: TestMain fails the run if any of them shows up in anything the
// suite saw the client hand to its caller (see scan), here or from the fake tenant's.
const (
	testClientID = "client-id-7d1f"
	testSecret   = "s3cr3t-SECRET-value-9a8b"
	tokenPrefix  = "tok-SENSITIVE-"
)

// secrets are what the scan looks for: this suite's secret and tokens, and the fake's.
var secrets = []string{testSecret, tokenPrefix, fake.DefaultClientSecret, "fake-token-"}

// scan collects, as text, everything a caller of the library could print: error strings and
// every exported field of every error down each error's chain, hook payloads, warnings, and
// log lines.
type scan struct {
	mu    sync.Mutex
	lines []string
}

// seen is the suite's scan, checked by TestMain.
var seen scan

func (s *scan) add(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lines = append(s.lines, line)
}

// addValue adds every text v holds, each line labelled with what it came from: an error's
// Error() and, down its chain (Unwrap, also to several errors), every exported field; a
// struct's exported fields; strings, byte slices (a Warning's Raw), elements of slices and
// maps, what pointers and interfaces point to. Numbers and times cannot hold a secret.
func (s *scan) addValue(label string, v any) {
	visited := map[uintptr]bool{}
	var walk func(path string, v reflect.Value, depth int)
	walk = func(path string, v reflect.Value, depth int) {
		if !v.IsValid() || depth > 12 {
			return
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface, reflect.Map, reflect.Slice:
			if v.IsNil() {
				return
			}
		}
		if v.Kind() == reflect.Pointer {
			if visited[v.Pointer()] {
				return
			}
			visited[v.Pointer()] = true
		}
		if v.CanInterface() {
			if err, ok := v.Interface().(error); ok {
				s.add(path + ".Error(): " + err.Error())
				switch u := err.(type) {
				case interface{ Unwrap() error }:
					walk(path+".Unwrap()", reflect.ValueOf(u.Unwrap()), depth+1)
				case interface{ Unwrap() []error }:
					for i, e := range u.Unwrap() {
						walk(fmt.Sprintf("%s.Unwrap()[%d]", path, i), reflect.ValueOf(e), depth+1)
					}
				}
			}
		}
		switch v.Kind() {
		case reflect.Pointer, reflect.Interface:
			walk(path, v.Elem(), depth+1)
		case reflect.String:
			s.add(path + ": " + v.String())
		case reflect.Slice, reflect.Array:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				s.add(path + ": " + string(v.Bytes()))
				return
			}
			for i := range v.Len() {
				walk(fmt.Sprintf("%s[%d]", path, i), v.Index(i), depth+1)
			}
		case reflect.Map:
			for _, k := range v.MapKeys() {
				walk(path+"[key]", k, depth+1)
				walk(fmt.Sprintf("%s[%v]", path, k), v.MapIndex(k), depth+1)
			}
		case reflect.Struct:
			for i := range v.NumField() {
				if f := v.Type().Field(i); f.IsExported() {
					walk(path+"."+f.Name, v.Field(i), depth+1)
				}
			}
		}
	}
	walk(label, reflect.ValueOf(v), 0)
}

// leaks are the lines holding a secret, each with the secret it holds.
func (s *scan) leaks() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, line := range s.lines {
		for _, secret := range secrets {
			if strings.Contains(line, secret) {
				out = append(out, fmt.Sprintf("%q appears in: %s", secret, line))
			}
		}
	}
	return out
}

func (s *scan) size() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.lines)
}

func remember(s string) { seen.add(s) }

// noteErr records err for the scan (its text and every field down its chain) and returns it.
func noteErr(err error) error {
	if err != nil {
		seen.addValue("error", err)
	}
	return err
}

// scanned are the options that hand the scan what a caller's hooks and warning handler would
// see. A test that sets its own hooks or handler feeds the scan from them (recorder.hooks).
func scanned() []facade.Option {
	return []facade.Option{
		facade.WithHooks(facade.Hooks{
			Attempt:       func(_ context.Context, a facade.Attempt) { seen.addValue("hook Attempt", a) },
			OperationDone: func(_ context.Context, op facade.Operation) { seen.addValue("hook Operation", op) },
		}),
		facade.WithWarningHandler(func(w facade.Warning) { seen.addValue("warning", w) }),
	}
}

// logWriter feeds slog output into the scan and lets a test read its own lines.
type logWriter struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (w *logWriter) Write(p []byte) (int, error) {
	remember(string(p))
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}

func (w *logWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		// No goroutine may outlive its call: iterators, prefetch, retries and token fetches.
		if err := goleak.Find(); err != nil {
			fmt.Fprintf(os.Stderr, "goroutine leak: %v\n", err)
			code = 1
		}
	}
	leaks := seen.leaks()
	for _, l := range leaks {
		fmt.Fprintf(os.Stderr, "secret scan: %s\n", l)
	}
	if code == 0 && len(leaks) > 0 {
		code = 1
	}
	fmt.Fprintf(os.Stderr, "secret scan: %d error strings and fields, hook payloads, warnings and log lines checked, %d leaks\n", seen.size(), len(leaks))
	os.Exit(code)
}

// env is one test's tenant: a token endpoint and the API of one generation (under /beta, or
// the successor's paths), behind the contract harness, on a loopback server.
type env struct {
	t        *testing.T
	api      facade.API // the generation its clients speak and its handlers serve
	srv      *httptest.Server
	mux      *http.ServeMux
	harness  *contract.Harness
	strict   bool
	calls    atomic.Int64 // API requests received
	tokens   atomic.Int64 // token requests received
	logs     *logWriter
	clock    *fakeClock
	tokenTTL time.Duration

	mu         sync.Mutex
	tokenReply func(n int64, w http.ResponseWriter) bool // optional override of the token endpoint
}

// fakeClock is the time the client sees; waits advance it instead of sleeping.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	waits []time.Duration
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.waits = append(c.waits, d)
	c.now = c.now.Add(d)
	return nil
}

func (c *fakeClock) Waits() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.waits...)
}

// newEnv is a beta tenant: the tests of what only the beta has, and the tests written before
// the successor, which run on the beta unless they say otherwise.
func newEnv(t *testing.T) *env { return newEnvFor(t, facade.APIBeta) }

// forEachAPI runs test once per generation, as a subtest named after it: the promises both
// generations keep are tested on both.
func forEachAPI(t *testing.T, test func(t *testing.T, api facade.API)) {
	for _, api := range facade.APIs() {
		t.Run(string(api), func(t *testing.T) { test(t, api) })
	}
}

// newEnvFor is a tenant of generation api.
func newEnvFor(t *testing.T, api facade.API) *env {
	t.Helper()
	return newEnvOver(t, api, false)
}

// newTLSEnvFor is a tenant of generation api served over TLS with HTTP/2, as the vendor serves
// its API; the env's clients trust its certificate.
func newTLSEnvFor(t *testing.T, api facade.API) *env {
	t.Helper()
	return newEnvOver(t, api, true)
}

func newEnvOver(t *testing.T, api facade.API, tls bool) *env {
	t.Helper()
	h, err := contract.New(context.Background())
	require.NoError(t, err)
	e := &env{t: t, api: api, mux: http.NewServeMux(), harness: h, strict: true, logs: &logWriter{},
		clock: &fakeClock{now: time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)}, tokenTTL: time.Hour}
	root := http.NewServeMux()
	root.HandleFunc("POST /oauth/token", e.serveToken)
	served := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.calls.Add(1)
		e.mux.ServeHTTP(w, r)
	})
	checked := h.Handler(served)
	apiHandler := func(w http.ResponseWriter, r *http.Request) {
		if e.isStrict() {
			checked.ServeHTTP(w, r)
			return
		}
		served.ServeHTTP(w, r) // hostile servers stream; the harness would buffer them whole
	}
	for _, prefix := range []string{"/beta/", "/access-requests/", "/access-request-status/", "/access-request-administration/", "/access-request-config/"} {
		root.HandleFunc(prefix, apiHandler)
	}
	e.srv = httptest.NewUnstartedServer(root)
	if tls {
		e.srv.EnableHTTP2 = true
		e.srv.StartTLS()
	} else {
		e.srv.Start()
	}
	t.Cleanup(func() {
		e.srv.Close()
		if e.isStrict() {
			for _, v := range h.Violations() {
				t.Errorf("contract violation: %v", v)
			}
		}
	})
	return e
}

// lax lets a test send traffic the spec does not allow (hostile servers); the harness is
// taken out of the path.
func (e *env) lax() *env {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.strict = false
	return e
}

func (e *env) isStrict() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.strict
}

func (e *env) serveToken(w http.ResponseWriter, r *http.Request) {
	n := e.tokens.Add(1)
	e.mu.Lock()
	override := e.tokenReply
	e.mu.Unlock()
	if override != nil && override(n, w) {
		return
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("client_secret") != testSecret || r.PostForm.Get("client_id") != testClientID {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"invalid_client","error_description":"bad credentials"}`)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": fmt.Sprintf("%s%d", tokenPrefix, n), "token_type": "bearer",
		"expires_in": int(e.tokenTTL / time.Second),
	})
}

// client makes a facade client of this env's generation; extra options come last.
func (e *env) client(opts ...facade.Option) *facade.Client {
	e.t.Helper()
	base := []facade.Option{
		facade.WithAPI(e.api),
		facade.WithBaseURL(e.srv.URL),
		facade.WithClientCredentials(testClientID, testSecret),
		facade.WithHTTPClient(e.srv.Client()),
		facade.WithLogger(slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))),
		facade.WithClock(e.clock.Now, e.clock.Sleep),
	}
	c, err := facade.New(append(append(base, scanned()...), opts...)...)
	require.NoError(e.t, err)
	return c
}

// handle serves pattern with h. A path is written as the beta's without /beta (as the tests
// written before the successor wrote it) and served at the env's generation's path (see
// path); a successor's path (/access-requests/v1/...) is served as it is.
func (e *env) handle(pattern string, h http.HandlerFunc) {
	method, path, _ := strings.Cut(pattern, " ")
	e.mux.HandleFunc(method+" "+e.path(path), h)
}

// successorPaths are the successor's paths of the operations both generations have, by the
// beta's path without /beta.
var successorPaths = map[string]string{
	"/access-requests":        "/access-requests/v1",
	"/access-requests/cancel": "/access-requests/v1/cancel",
	"/access-requests/close":  "/access-requests/v1/close",
	"/access-request-status":  "/access-request-status/v1",
	"/access-request-config":  "/access-request-config/v2", // the successor's configuration: see configBody
}

// path is where the env's generation serves the operation at path, written as the beta's
// without /beta; a path already the successor's stays as it is.
func (e *env) path(path string) string {
	if e.api == facade.APIBeta {
		return "/beta" + path
	}
	if v1, ok := successorPaths[path]; ok {
		return v1
	}
	return path
}

// wirePath is where generation api serves the operation at path, written as the beta's
// without /beta (as env.path), for a fake's Count, Faults and Received.
func wirePath(api facade.API, path string) string { return (&env{api: api}).path(path) }

// op is the name in the spec of the env's generation's operation named by the beta's name: the
// successor's shared operations add V1.
func (e *env) op(beta string) string {
	if e.api == facade.APIV1 {
		return beta + "V1"
	}
	return beta
}

// sequence answers each request with the next reply, repeating the last one.
func sequence(replies ...http.HandlerFunc) http.HandlerFunc {
	var n atomic.Int64
	return func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		if i >= len(replies) {
			i = len(replies) - 1
		}
		replies[i](w, r)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func reply(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		if w.Header().Get("Content-Type") == "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// dropAfterRead reads the whole request, then kills the connection without answering: the
// server may have acted, and the client cannot know.
func dropAfterRead(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

const configJSON = `{"approvalsMustBeExternal":false,"autoApprovalEnabled":true,"reauthorizationEnabled":false,
"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":false,"allowRequestOnBehalfOfEmployeeByManager":true},
"approvalReminderAndEscalationConfig":{"daysUntilEscalation":2,"daysBetweenReminders":1,"maxReminders":3,"fallbackApproverRef":null},
"entitlementRequestConfig":{"allowEntitlementRequest":true,"requestCommentsRequired":false,"deniedCommentsRequired":false,"grantRequestApprovalSchemes":"sourceOwner"}}`

// configV2JSON is a configuration in the successor's shape.
const configV2JSON = `{"approvalsMustBeExternal":false,"reauthorizationEnabled":true,"govGroupVisibilityEnabled":false,
"machineIdentityAccessRequestEnabled":true,
"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":false,"allowRequestOnBehalfOfEmployeeByManager":true,
"allowRequestOnBehalfOfForMachineIdentity":true,"allowRequestForMachineByOwner":false},
"entitlementRequestConfig":{"accessRequestConfig":{"approvalSchemes":[{"approverType":"GOVERNANCE_GROUP","approverId":"e3eab852-8315-467f-9de7-70eda97f63c8"}],
"requestCommentRequired":true,"denialCommentRequired":false,"reauthorizationRequired":false,"requireEndDate":true,
"maxPermittedAccessDuration":{"value":5,"timeUnit":"DAYS"}},
"revocationRequestConfig":{"approvalSchemes":[{"approverType":"MANAGER"}]}}}`

// configBody is a configuration in the shape of the env's generation.
func (e *env) configBody() string {
	if e.api == facade.APIV1 {
		return configV2JSON
	}
	return configJSON
}

// getConfig reads the configuration of c's generation (GetConfig, or GetConfigV2 on a v1
// client), for tests of what both generations promise around it.
func getConfig(ctx context.Context, c *facade.Client) error {
	if c.API() == facade.APIV1 {
		_, err := c.GetConfigV2(ctx)
		return err
	}
	_, err := c.GetConfig(ctx)
	return err
}

// setConfig writes an empty configuration of c's generation (SetConfig, or SetConfigV2).
func setConfig(ctx context.Context, c *facade.Client) error {
	if c.API() == facade.APIV1 {
		_, err := c.SetConfigV2(ctx, facade.ConfigV2{})
		return err
	}
	_, err := c.SetConfig(ctx, facade.Config{})
	return err
}

const createdJSON = `{"newRequests":[{"requestedFor":"id-1","requestedItemsDetails":[{"type":"ROLE","id":"role-1"}],"attributesHash":2843118224,"accessRequestIds":["ar-1"]}],"existingRequests":[]}`

const errorJSON = `{"detailCode":"400.1 Bad Request Content","trackingId":"track-42","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"requestedItems is invalid"}],"causes":[{"locale":"en-US","localeOrigin":null,"text":"item role-9 does not exist"}]}`

// debugLogger logs at debug level into the secret scan.
func debugLogger() *slog.Logger {
	return slog.New(slog.NewTextHandler(&logWriter{}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}
