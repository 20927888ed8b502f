package facade_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"

	"github.com/sailkit/accessrequests/facade"
)

func TestTokenEndpointFailuresSayWhich(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		secret  string
		reply   func(n int64, w http.ResponseWriter) bool
		want    string
		timeout time.Duration // the HTTP client's; none when zero
	}{
		{name: "wrong secret", secret: "wrong-" + testSecret, want: "refused the client credentials"},
		{name: "endpoint failing", secret: testSecret, want: "token endpoint failed", reply: func(_ int64, w http.ResponseWriter) bool {
			w.WriteHeader(http.StatusBadGateway)
			_, _ = io.WriteString(w, "<html>bad gateway</html>")
			return true
		}},
		{name: "endpoint failing with exactly 500", secret: testSecret, want: "token endpoint failed", reply: func(_ int64, w http.ResponseWriter) bool {
			writeJSON(w, 500, map[string]any{"error": "server_error"})
			return true
		}},
		// x/oauth2 turns an OAuth error body into a RetrieveError whatever the status: with a
		// 2xx that is an answer that is not a token; past 2xx, a refusal.
		{name: "200 with an OAuth error", secret: testSecret, want: "answer is not a token", reply: func(_ int64, w http.ResponseWriter) bool {
			writeJSON(w, 200, map[string]any{"error": "temporarily_unavailable"})
			return true
		}},
		{name: "299 with an OAuth error", secret: testSecret, want: "answer is not a token", reply: func(_ int64, w http.ResponseWriter) bool {
			writeJSON(w, 299, map[string]any{"error": "temporarily_unavailable"})
			return true
		}},
		{name: "300 with an OAuth error", secret: testSecret, want: "token endpoint refused the request", reply: func(_ int64, w http.ResponseWriter) bool {
			writeJSON(w, 300, map[string]any{"error": "temporarily_unavailable"})
			return true
		}},
		{name: "HTML instead of a token", secret: testSecret, want: "answer is not a usable token", reply: func(_ int64, w http.ResponseWriter) bool {
			w.Header().Set("Content-Type", "text/html")
			_, _ = io.WriteString(w, "<html>login page</html>")
			return true
		}},
		{name: "already expired token", secret: testSecret, want: "already expired", reply: func(_ int64, w http.ResponseWriter) bool {
			writeJSON(w, 200, map[string]any{"access_token": tokenPrefix + "old", "token_type": "bearer", "expires_in": -30})
			return true
		}},
		// The endpoint never answers while the test runs, so the client's timeout always fires
		// first however slow the machine is; only this case has a timeout at all.
		{name: "slow endpoint", secret: testSecret, want: "did not answer in time", timeout: 100 * time.Millisecond},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			e.tokenReply = tc.reply
			if tc.timeout > 0 {
				hang := make(chan struct{})
				t.Cleanup(func() { close(hang) }) // runs before the server closes
				e.tokenReply = func(int64, http.ResponseWriter) bool { <-hang; return false }
			}
			e.handle("GET /access-request-config", reply(200, configJSON))
			hc := e.srv.Client()
			hc.Timeout = tc.timeout
			c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithClientCredentials(testClientID, tc.secret),
				facade.WithHTTPClient(hc), facade.WithClock(e.clock.Now, e.clock.Sleep))
			require.NoError(t, err)
			_, err = c.GetConfig(context.Background())
			require.ErrorIs(t, noteErr(err), facade.ErrToken)
			var te *facade.TokenError
			require.ErrorAs(t, err, &te)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testSecret)
			assert.Zero(t, e.calls.Load(), "no API call without a token")
		})
	}
}

func TestTokenEndpointDown(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	url := e.srv.URL
	e.srv.Close()
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(url), facade.WithClientCredentials(testClientID, testSecret))
	require.NoError(t, err)
	_, err = c.GetConfig(context.Background())
	require.ErrorIs(t, noteErr(err), facade.ErrToken)
	assert.Contains(t, err.Error(), "could not be reached")
}

type failingSource struct{}

func (failingSource) Token() (*oauth2.Token, error) { return nil, errors.New("vault sealed") }

func TestTokenSourceOption(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+tokenPrefix+"from-source" {
			reply(401, `{"error":"wrong token"}`)(w, r)
			return
		}
		reply(200, configJSON)(w, r)
	})
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL),
		facade.WithTokenSource(oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tokenPrefix + "from-source"})))
	require.NoError(t, err)
	_, err = c.GetConfig(context.Background())
	require.NoError(t, noteErr(err))

	c, err = facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithTokenSource(failingSource{}))
	require.NoError(t, err)
	_, err = c.GetConfig(context.Background())
	require.ErrorIs(t, noteErr(err), facade.ErrToken)
	assert.Contains(t, err.Error(), "vault sealed")
}

func TestOptionsRefuseBadInput(t *testing.T) {
	t.Parallel()
	creds := facade.WithClientCredentials(testClientID, testSecret)
	cases := []struct {
		name string
		opts []facade.Option
		want string
	}{
		{"no target", []facade.Option{creds}, "no tenant"},
		{"no credentials", []facade.Option{facade.WithTenant("acme")}, "no credentials"},
		{"two kinds of credentials", []facade.Option{facade.WithTenant("acme"), creds, facade.WithAccessToken(tokenPrefix + "fixed")}, "more than one"},
		{"bad tenant", []facade.Option{facade.WithTenant("acme.evil.com/"), creds}, `WithTenant: "acme.evil.com/" is not a tenant name`},
		{"relative base URL", []facade.Option{facade.WithBaseURL("/beta"), creds}, `WithBaseURL: "/beta" is not an absolute`},
		{"base URL with a query", []facade.Option{facade.WithBaseURL("https://acme.api.identitynow.com/?x=1"), creds}, `WithBaseURL: "https://acme.api.identitynow.com/?x=1" must not have a query`},
		{"plain http off loopback", []facade.Option{facade.WithBaseURL("http://acme.api.identitynow.com"), creds}, "refusing plain http to acme.api.identitynow.com:"},
		{"plain http base URL beside an https token URL", []facade.Option{facade.WithBaseURL("http://acme.api.identitynow.com"), facade.WithTokenURL("https://acme.api.identitynow.com/oauth/token"), creds}, "refusing plain http to acme.api.identitynow.com:"},
		{"empty client id", []facade.Option{facade.WithTenant("acme"), facade.WithClientCredentials(" ", testSecret)}, "WithClientCredentials: client id is empty"},
		{"nil token source", []facade.Option{facade.WithTenant("acme"), facade.WithTokenSource(nil)}, "WithTokenSource: token source is nil"},
		{"empty access token", []facade.Option{facade.WithTenant("acme"), facade.WithAccessToken("  ")}, "WithAccessToken: token is empty"},
		{"nil logger", []facade.Option{facade.WithTenant("acme"), creds, facade.WithLogger(nil)}, "WithLogger: logger is nil"},
		{"zero timeout", []facade.Option{facade.WithTenant("acme"), creds, facade.WithTimeout(0)}, "WithTimeout: the timeout must be positive, got 0s"},
		{"plain http token URL", []facade.Option{facade.WithTenant("acme"), facade.WithTokenURL("http://tokens.example.com/t"), creds}, "refusing plain http"},
		{"empty secret", []facade.Option{facade.WithTenant("acme"), facade.WithClientCredentials("id", "")}, "secret is empty"},
		{"nil HTTP client", []facade.Option{facade.WithTenant("acme"), creds, facade.WithHTTPClient(nil)}, "client is nil"},
		{"retry policy with no attempts", []facade.Option{facade.WithTenant("acme"), creds, facade.WithRetryPolicy(facade.RetryPolicy{})}, "MaxAttempts"},
		{"rate limit of zero", []facade.Option{facade.WithTenant("acme"), creds, facade.WithRateLimit(0, 1)}, "rate must be positive"},
		{"password in a base URL with a query", []facade.Option{facade.WithBaseURL("https://u:" + testSecret + "@acme.api.identitynow.com/?x=1"), creds}, "must not have a query"},
		{"password in a base URL that does not parse", []facade.Option{facade.WithBaseURL("https://u:" + testSecret + "@acme api/"), creds}, "not an absolute"},
		{"password in a base URL without //", []facade.Option{facade.WithBaseURL("u:" + testSecret + "@acme.api.identitynow.com"), creds}, "xxxxx@acme.api.identitynow.com"},
		{"password in a relative token URL", []facade.Option{facade.WithTenant("acme"), facade.WithTokenURL("//u:" + testSecret + "@tokens/t"), creds}, "not an absolute"},
		{"header injection in the user agent", []facade.Option{facade.WithTenant("acme"), creds, facade.WithUserAgent("x\r\nEvil: 1")}, "line breaks"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := facade.New(tc.opts...)
			require.Error(t, noteErr(err))
			assert.Nil(t, c)
			assert.Contains(t, err.Error(), tc.want)
			assert.NotContains(t, err.Error(), testSecret)
			assert.ErrorIs(t, err, facade.ErrInvalidInput, "every refusal of New is invalid input, as a ValidationError is")
			assert.Equal(t, 1, strings.Count(err.Error(), "accessrequests:"), "the prefix once: %s", err)
		})
	}
}

func TestOptionsAcceptGoodInput(t *testing.T) {
	t.Parallel()
	creds := facade.WithClientCredentials(testClientID, testSecret)
	cases := map[string]struct {
		opts []facade.Option
		root string // BaseURL on a v1 client; a beta client's adds /beta
	}{
		"tenant":                 {[]facade.Option{facade.WithTenant("Acme-Corp"), creds}, "https://acme-corp.api.identitynow.com"},
		"base URL":               {[]facade.Option{facade.WithBaseURL("https://acme.api.identitynow.com/"), creds}, "https://acme.api.identitynow.com"},
		"base URL ending /beta":  {[]facade.Option{facade.WithBaseURL("https://acme.api.identitynow.com/beta"), creds}, "https://acme.api.identitynow.com"},
		"proxy with a path":      {[]facade.Option{facade.WithBaseURL("https://proxy.example.com/isc"), creds}, "https://proxy.example.com/isc"},
		"plain http on loopback": {[]facade.Option{facade.WithBaseURL("http://127.0.0.1:8080"), creds}, "http://127.0.0.1:8080"},
		"plain http allowed":     {[]facade.Option{facade.WithBaseURL("http://isc.internal"), facade.WithInsecureHTTP(), creds}, "http://isc.internal"},
		"vendor rate limit":      {[]facade.Option{facade.WithTenant("acme"), creds, facade.WithVendorRateLimit()}, "https://acme.api.identitynow.com"},
		"user and password left out of the base URL": {[]facade.Option{facade.WithBaseURL("https://u:pw@acme.api.identitynow.com"), creds}, "https://acme.api.identitynow.com"},
		"a nil option skipped":                       {[]facade.Option{nil, facade.WithTenant("acme"), creds}, "https://acme.api.identitynow.com"},
		"a timeout of 1ns":                           {[]facade.Option{facade.WithTenant("acme"), creds, facade.WithTimeout(time.Nanosecond)}, "https://acme.api.identitynow.com"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			c, err := facade.New(tc.opts...)
			require.NoError(t, noteErr(err))
			assert.Equal(t, tc.root, c.BaseURL(), "the default generation, the successor, has no common prefix")
			assert.Equal(t, facade.APIV1, c.API())
			c, err = facade.New(append(tc.opts, facade.WithAPI(facade.APIBeta))...)
			require.NoError(t, noteErr(err))
			assert.Equal(t, tc.root+"/beta", c.BaseURL())
			assert.Equal(t, facade.APIBeta, c.API())
		})
	}
}

func TestWithHTTPClientDoesNotChangeTheCallersClient(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, configJSON))
	mine := &http.Client{Timeout: 7 * time.Second}
	before := *mine
	c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL), facade.WithClientCredentials(testClientID, testSecret), facade.WithHTTPClient(mine))
	require.NoError(t, err)
	_, err = c.GetConfig(context.Background())
	require.NoError(t, noteErr(err))
	assert.Equal(t, before.Timeout, mine.Timeout)
	assert.Nil(t, mine.Transport)
	assert.Nil(t, mine.CheckRedirect)
}

func TestNewFromEnvNamesWhatIsMissing(t *testing.T) {
	t.Setenv(facade.EnvBaseURL, "")
	t.Setenv(facade.EnvClientID, "")
	t.Setenv(facade.EnvClientSecret, "")
	_, err := facade.NewFromEnv()
	require.Error(t, noteErr(err))
	assert.Equal(t, "accessrequests: missing environment variables: SAIL_BASE_URL, SAIL_CLIENT_ID, SAIL_CLIENT_SECRET", err.Error())
	assert.ErrorIs(t, err, facade.ErrInvalidInput, "missing settings are invalid input")
	assert.NotErrorIs(t, err, facade.ErrToken, "and nothing else")

	t.Setenv(facade.EnvBaseURL, "https://acme.api.identitynow.com")
	t.Setenv(facade.EnvClientID, testClientID)
	_, err = facade.NewFromEnv()
	require.Error(t, noteErr(err))
	assert.Equal(t, "accessrequests: missing environment variables: SAIL_CLIENT_SECRET", err.Error())

	t.Setenv(facade.EnvClientSecret, testSecret)
	c, err := facade.NewFromEnv()
	require.NoError(t, noteErr(err))
	assert.Equal(t, "https://acme.api.identitynow.com", c.BaseURL())
	c, err = facade.NewFromEnv(facade.WithAPI(facade.APIBeta))
	require.NoError(t, noteErr(err))
	assert.Equal(t, "https://acme.api.identitynow.com/beta", c.BaseURL())
}

func TestRetryAfterParsing(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	cases := []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"0", 0, true},
		{"7", 7 * time.Second, true},
		{" 12 ", 12 * time.Second, true},
		{"-5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
		{"99999999999999999999", 0, false},
		{"31536000000", 365 * 24 * time.Hour, true},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second, true},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0, true},
	}
	for _, tc := range cases {
		got, ok := facade.ParseRetryAfter(tc.in, now)
		assert.Equal(t, tc.ok, ok, "ok for %q", tc.in)
		assert.Equal(t, tc.want, got, "duration for %q", tc.in)
	}
}

// The secret scan in TestMain only means something if it sees what the suite produces: this
// test makes a call that logs and fails, and checks both reached the scan, with the token and
// secret in play.
func TestSecretScanSeesLogsAndErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(403, `{"detailCode":"403 Forbidden","trackingId":"t-scan","messages":[]}`))
	_, err := e.client().GetConfig(context.Background())
	require.Error(t, noteErr(err))
	seen.mu.Lock()
	defer seen.mu.Unlock()
	var sawLog, sawErr bool
	for _, l := range seen.lines {
		sawLog = sawLog || strings.Contains(l, "status=403")
		sawErr = sawErr || strings.Contains(l, "t-scan")
	}
	assert.True(t, sawLog, "log lines reach the scan")
	assert.True(t, sawErr, "error strings reach the scan")
	assert.Positive(t, e.tokens.Load(), "a real token was issued and used")
}

type tokenFunc func() (*oauth2.Token, error)

func (f tokenFunc) Token() (*oauth2.Token, error) { return f() }

// A token source of the user's may hand back anything: a token that cannot authenticate, or
// cannot be kept out of error messages, is refused with the reason before any request is sent.
func TestTokensFromASourceAreCheckedBeforeUse(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		tok  *oauth2.Token
		want string // empty: accepted
	}{
		{"no token at all", nil, "returned no access token"},
		{"an empty access token", &oauth2.Token{AccessToken: ""}, "returned no access token"},
		{"one character too short", &oauth2.Token{AccessToken: "1234567"}, "7 characters long, too short"},
		{"already expired", &oauth2.Token{AccessToken: tokenPrefix + "old", Expiry: time.Now().Add(-time.Minute)}, "already expired"},
		{"the shortest accepted", &oauth2.Token{AccessToken: "12345678"}, ""},
		{"no expiry", &oauth2.Token{AccessToken: tokenPrefix + "forever"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t)
			var calls atomic.Int32
			e.handle("GET /access-request-config", func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				reply(200, configJSON)(w, r)
			})
			c, err := facade.New(facade.WithAPI(e.api), facade.WithBaseURL(e.srv.URL),
				facade.WithTokenSource(tokenFunc(func() (*oauth2.Token, error) { return tc.tok, nil })))
			require.NoError(t, err)
			_, err = c.GetConfig(context.Background())
			if tc.want == "" {
				require.NoError(t, noteErr(err))
				assert.Equal(t, int32(1), calls.Load())
				return
			}
			require.ErrorIs(t, err, facade.ErrToken)
			assert.Contains(t, err.Error(), tc.want)
			assert.Zero(t, calls.Load(), "a request was sent with a token that was refused")
		})
	}
}
