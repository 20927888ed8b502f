package main

// The commands on the successor (--api v1, the default), against an httptest tenant behind the
// contract harness, which validates both directions of the successor's traffic and lets a test
// answer as it needs (a refused chunk, a deprecated operation); and the choice of generation
// itself.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/internal/contract"
)

// successor is a tenant serving the successor's paths a test handles, with a token endpoint,
// behind the contract harness.
type successor struct {
	t     *testing.T
	mux   *http.ServeMux
	mu    sync.Mutex
	seen  []string // "METHOD path" of every API request
	allow string   // a violation containing this is expected (a setting the spec lacks, on purpose)
}

// successorTenant starts one and points the SAIL_* variables at it, with ACCESSREQ_API unset:
// the commands speak the default generation, the successor.
func successorTenant(t *testing.T) *successor {
	t.Helper()
	isolate(t)
	t.Setenv(envAPI, "")
	h, err := contract.New(context.Background())
	require.NoError(t, err)
	s := &successor{t: t, mux: http.NewServeMux()}
	root := http.NewServeMux()
	root.HandleFunc("POST /oauth/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"successor-token-0123456789","token_type":"bearer","expires_in":749}`)
	})
	checked := h.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.Path)
		s.mu.Unlock()
		s.mux.ServeHTTP(w, r)
	}))
	root.Handle("/", checked)
	srv := httptest.NewServer(root)
	t.Cleanup(func() {
		srv.Close()
		for _, v := range h.Violations() {
			if s.allow == "" || !strings.Contains(v.Error(), s.allow) {
				t.Errorf("contract violation: %v", v)
			}
		}
	})
	t.Setenv(facade.EnvBaseURL, srv.URL)
	t.Setenv(facade.EnvClientID, "successor-client")
	t.Setenv(facade.EnvClientSecret, "successor-secret-0123456789")
	return s
}

func (s *successor) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

func answer(status int, body string, headers ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// The generation comes from --api, else $ACCESSREQ_API, else the library's default (v1); a value
// that names none is refused with exit 2, naming where it came from; env show says which.
func TestTheAPIFlagAndVariableChooseTheGeneration(t *testing.T) {
	isolate(t)
	dry := func(args ...string) result {
		return cli(t, append([]string{"cancel", "--dry-run", "--comment", "x", "--base-url", "https://acme.api.identitynow.com", "ar-1"}, args...)...)
	}
	for _, tc := range []struct {
		env, flag string
		want      string // the path called, or the refusal
	}{
		{"", "", "POST https://acme.api.identitynow.com/access-requests/v1/bulk-cancel"},
		{"beta", "", "POST https://acme.api.identitynow.com/beta/access-requests/cancel"},
		{"V1 ", "", "POST https://acme.api.identitynow.com/access-requests/v1/bulk-cancel"},
		{"v1", "beta", "POST https://acme.api.identitynow.com/beta/access-requests/cancel"},
		{"v2", "", `accessreq cancel: $ACCESSREQ_API is "v2": the API generation is v1 or beta`},
		{"v2", "v1", "POST https://acme.api.identitynow.com/access-requests/v1/bulk-cancel"},
		{"", "v3", `invalid argument "v3" for "--api" flag: must be v1 or beta, got "v3"`},
	} {
		t.Setenv(envAPI, tc.env)
		var args []string
		if tc.flag != "" {
			args = []string{"--api", tc.flag}
		}
		r := dry(args...)
		if strings.HasPrefix(tc.want, "POST") {
			require.Equal(t, exitOK, r.code, "%+v: %s", tc, r.errOut)
			assert.Contains(t, r.out, "call 1: "+tc.want+"\n", "%+v", tc)
			continue
		}
		assert.Equal(t, exitUsage, r.code, "%+v", tc)
		assert.Contains(t, r.errOut, tc.want, "%+v", tc)
	}

	t.Setenv(envAPI, "beta")
	assert.Regexp(t, `API generation:\s+beta\s+\(from \$ACCESSREQ_API\)`, cli(t, "env", "show").out)
	assert.Regexp(t, `API generation:\s+v1\s+\(from --api\)`, cli(t, "env", "show", "--api", "v1").out)
	t.Setenv(envAPI, "")
	assert.Regexp(t, `API generation:\s+v1 \(default\)\n`, cli(t, "env", "show").out)
	assert.Contains(t, cli(t, "--help").out, "--api v1|beta")
}

// cancel on the successor uses bulk cancel: 50 ids a call (the harness holds each body to 50),
// with the confirmation, the dry run, the report of every id and --remaining as on the beta.
func TestCancelUsesBulkCancelOnTheSuccessor(t *testing.T) {
	ids := make([]string, 120)
	for i := range ids {
		ids[i] = fmt.Sprintf("2c9180835d191a86015d2845%08d", i)
	}
	stdin := strings.Join(ids, "\n") + "\n"

	s := successorTenant(t)
	var calls int
	s.mux.HandleFunc("POST /access-requests/v1/bulk-cancel", func(w http.ResponseWriter, r *http.Request) {
		var body struct {
			AccessRequestIDs []string `json:"accessRequestIds"`
			Comment          string   `json:"comment"`
		}
		assert.NoError(t, json.NewDecoder(r.Body).Decode(&body))
		assert.Equal(t, "tidy up", body.Comment)
		calls++
		if calls == 2 {
			answer(400, `{"detailCode":"400.1 Bad Request Content","trackingId":"t-2","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"one of these is not cancellable"}]}`)(w, r)
			return
		}
		answer(202, `{}`)(w, r)
	})

	r := cliIn(t, stdin, "cancel", "--comment", "tidy up")
	assert.Equal(t, exitUsage, r.code, "120 ids without --yes on no terminal")
	assert.Zero(t, calls)

	r = cliIn(t, stdin, "cancel", "--comment", "tidy up", "--dry-run")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, 3, strings.Count(r.out, "POST "), r.out)
	assert.Contains(t, r.out, "dry run: 3 call(s) for 120 item(s)")
	assert.Zero(t, calls, "a dry run sends nothing")

	left := writeFile(t, "left.csv", "")
	r = cliIn(t, stdin, "cancel", "--comment", "tidy up", "--yes", "--remaining", left)
	assert.Equal(t, exitAPI, r.code)
	assert.Equal(t, 2, calls)
	assert.Contains(t, r.out, "cancelled 50 of 120 in 2 call(s)\n")
	assert.Contains(t, r.out, "refused by the server, not changed (50):\n  "+ids[50]+"\n")
	assert.Contains(t, r.out, "not sent (20):\n  "+ids[100]+"\n")
	assert.Contains(t, r.errOut, "one of these is not cancellable")
	saved, err := os.ReadFile(left)
	require.NoError(t, err)
	assert.Equal(t, 71, strings.Count(string(saved), "\n"), "a header and the 70 ids not cancelled")
	assert.Contains(t, string(saved), ids[50]+",refused\n")
	assert.Contains(t, string(saved), ids[119]+",not-sent\n")
	for _, req := range s.requests() {
		assert.Equal(t, "POST /access-requests/v1/bulk-cancel", req, "no per-id cancel on the successor")
	}
}

// status --admin reads the administrators' listing (with the header the vendor requires, which
// the harness checks); its filters are checked against that listing, the user listing's
// against the successor's (no in on accessRequestId); --admin on the beta is refused.
func TestStatusAdminListsThroughTheAdministratorsListing(t *testing.T) {
	s := successorTenant(t)
	row := `{"id":"i-1","name":"Role","type":"ROLE","state":"EXECUTING","accessRequestId":"ar-1","accountActivityItemId":"aai-1","created":"2026-11-02T03:04:05.000Z","reauthorizationRequired":true}`
	s.mux.HandleFunc("GET /access-request-administration/v1", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-SailPoint-Experimental") != "true" {
			answer(400, `{"detailCode":"400.0","messages":[{"text":"experimental: send X-SailPoint-Experimental"}]}`)(w, r)
			return
		}
		assert.Equal(t, `status in ("EXECUTING","ERROR") and accessRequestId in ("ar-1","ar-2")`, r.URL.Query().Get("filters"))
		assert.Equal(t, "-accessRequestId", r.URL.Query().Get("sorters"))
		answer(200, "["+row+"]")(w, r)
	})
	r := cli(t, "status", "--admin", "-o", "ndjson", "--filter", `status in ("EXECUTING","ERROR") and accessRequestId in ("ar-1","ar-2")`, "--sort", "-accessRequestId")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, `"accessRequestId":"ar-1"`)
	assert.Contains(t, r.out, `"reauthorizationRequired":true`)

	before := len(s.requests())
	r = cli(t, "status", "--filter", `accessRequestId in ("ar-1","ar-2")`)
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, `--filter: filter accessRequestId: operator "in" is not supported by listAccessRequestStatusV1 (supported: eq, ge, gt, le, lt, ne, sw)`)
	r = cli(t, "status", "--sort", "accessRequestId")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, `--sort: sorter "accessRequestId" is not supported by listAccessRequestStatusV1`)
	r = cli(t, "status", "--admin", "--api", "beta")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, "--admin (the administrators' listing) is only in the successor's API, and the client speaks the beta (--api): use --api v1")
	assert.Len(t, s.requests(), before, "nothing was sent")

	assert.Contains(t, complete(t, "status", "--admin", "--sort", ""), "-accessRequestId")
	assert.NotContains(t, complete(t, "status", "--sort", ""), "accessRequestId")
	assert.Contains(t, complete(t, "status", "--admin", "--filter", ""), "status")
	assert.NotContains(t, complete(t, "status", "--filter", "accessRequestId "), "accessRequestId in ")
	assert.Equal(t, []string{"v1", "beta"}, complete(t, "status", "--api", ""))
}

// config get and set work on the successor's configuration (v2): set reads, changes only what
// it names, shows the change, keeps the settings it does not know byte for byte, and refuses a
// misspelt setting naming the closest one.
func TestConfigGetAndSetOnTheSuccessorsConfiguration(t *testing.T) {
	s := successorTenant(t)
	s.allow = "undeclared properties in the response: futureSetting" // kept on purpose
	stored := `{"approvalsMustBeExternal":false,"reauthorizationEnabled":false,"govGroupVisibilityEnabled":false,"futureSetting":{"b":1.50,"a":[true]},` +
		`"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":false,"allowRequestOnBehalfOfEmployeeByManager":true},` +
		`"entitlementRequestConfig":{"accessRequestConfig":{"requestCommentRequired":false,"requireEndDate":false}}}`
	var mu sync.Mutex
	s.mux.HandleFunc("GET /access-request-config/v2", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		answer(200, stored)(w, r)
	})
	s.mux.HandleFunc("PUT /access-request-config/v2", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		stored = string(body)
		mu.Unlock()
		answer(200, string(body))(w, r)
	})

	r := cli(t, "config", "get")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.out, `"govGroupVisibilityEnabled": false`)
	assert.Contains(t, r.out, `"futureSetting"`)

	r = cli(t, "config", "set", "--yes", "entitlementRequestConfig.accessRequestConfig.requireEndDate=true", "govGroupVisibilityEnabled=true")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Contains(t, r.errOut, "  entitlementRequestConfig.accessRequestConfig.requireEndDate: false -> true\n")
	assert.Contains(t, r.errOut, "  govGroupVisibilityEnabled: false -> true\n")
	assert.Contains(t, stored, `"futureSetting":{"b":1.50,"a":[true]}`, "byte for byte")
	assert.Contains(t, stored, `"requestCommentRequired":false`)

	before := len(s.requests())
	r = cli(t, "config", "set", "--yes", "govGroupVisibiltyEnabled=true")
	assert.Equal(t, exitUsage, r.code)
	assert.Contains(t, r.errOut, `unknown setting "govGroupVisibiltyEnabled" (did you mean "govGroupVisibilityEnabled"?)`)
	r = cli(t, "config", "set", "--yes", "autoApprovalEnabled=true")
	assert.Equal(t, exitUsage, r.code, "the beta's setting is not the successor's")
	assert.Equal(t, before+2, len(s.requests()), "only the two reads")
	for _, req := range s.requests() {
		assert.True(t, strings.HasSuffix(req, " /access-request-config/v2"), req)
	}

	settings := complete(t, "config", "set", "")
	assert.Contains(t, settings, "govGroupVisibilityEnabled=")
	assert.NotContains(t, settings, "autoApprovalEnabled=")
	assert.Contains(t, complete(t, "config", "set", "--api", "beta", ""), "autoApprovalEnabled=")
}

// An operation the vendor has deprecated (the beta's configuration) is said once, after the
// command has run, on stderr.
func TestADeprecatedOperationIsNoted(t *testing.T) {
	isolate(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/oauth/token" {
			answer(200, `{"access_token":"successor-token-0123456789","token_type":"bearer","expires_in":749}`)(w, r)
			return
		}
		answer(200, `{"approvalsMustBeExternal":false,"autoApprovalEnabled":true}`, "X-Deprecated", "true")(w, r)
	}))
	defer srv.Close()
	t.Setenv(facade.EnvBaseURL, srv.URL)
	t.Setenv(facade.EnvClientID, "successor-client")
	t.Setenv(facade.EnvClientSecret, "successor-secret-0123456789")
	r := cli(t, "config", "get", "--api", "beta")
	require.Equal(t, exitOK, r.code, r.errOut)
	assert.Equal(t, []string{"accessreq: note: the vendor has deprecated getAccessRequestConfig (it answered X-Deprecated: true); " +
		"it keeps working for two years after its deprecation; --api v1 uses its successor\n"}, r.notes)
	assert.Empty(t, r.errOut, "a deprecation is no value left out")
}
