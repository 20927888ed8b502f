package facade

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
	"golang.org/x/time/rate"

	"github.com/sailkit/accessrequests/gen/client"
)

// Version is this library's version, sent in the User-Agent header.
const Version = "0.1.0"

// Environment variables read by NewFromEnv; the vendor's CLI and SDKs use the same names.
const (
	EnvBaseURL      = "SAIL_BASE_URL"
	EnvClientID     = "SAIL_CLIENT_ID"
	EnvClientSecret = "SAIL_CLIENT_SECRET"
)

// maxResponseBody bounds how much of a successful response is read (a full page of 250
// statuses is well under a megabyte).
const maxResponseBody = 16 << 20

// Client calls the access-request operations of one tenant, in one generation of the API (see
// API and WithAPI). It is safe for concurrent use; make one and share it, so that goroutines
// share its token, rate limiter and retry budget.
type Client struct {
	raw    *client.ClientWithResponses
	tr     *transport
	api    API
	apiURL string
	urls   [numOperations]endpoint

	deprecated sync.Map // operation name -> struct{}: the operations already reported deprecated

	onWarning func(Warning)
	warnMu    sync.Mutex
	timeout   time.Duration // WithTimeout: the most one call may take; 0 for no limit
	bodies    *bodies       // the buffers its calls read bodies into (a listing holds its own)
	settle    settling      // how creates whose outcome is unknown are settled
}

// Option configures a Client. Options check their input and return an error rather than panic.
type Option func(*options) error

type options struct {
	root        *url.URL // the tenant's API root, without /beta
	tokenURL    string
	allowHTTP   bool
	clientID    string
	secret      string
	tokenSource oauth2.TokenSource
	accessToken string
	hc          *http.Client
	logger      *slog.Logger
	uaSuffix    string
	retry       RetryPolicy
	limiter     *rate.Limiter
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error
	hooks       Hooks
	onWarning   func(Warning)
	timeout     time.Duration
	api         API
	settle      settling // WithoutSettling, WithSettlePeriod
}

var tenantName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$`)

// WithTenant targets https://{tenant}.api.identitynow.com (its /beta paths or the successor's,
// as WithAPI chooses), with tokens from https://{tenant}.api.identitynow.com/oauth/token.
func WithTenant(tenant string) Option {
	return func(o *options) error {
		t := strings.ToLower(strings.TrimSpace(tenant))
		if !tenantName.MatchString(t) {
			return fmt.Errorf("WithTenant: %q is not a tenant name (letters, digits and hyphens, as in {tenant}.api.identitynow.com)", tenant)
		}
		o.root = &url.URL{Scheme: "https", Host: t + ".api.identitynow.com"}
		return nil
	}
}

// WithBaseURL targets a tenant's API root given as a URL, such as the value of SAIL_BASE_URL
// ("https://acme.api.identitynow.com"), a proxy, or a fake tenant's URL. A trailing /beta is
// removed. The client adds each operation's path (/beta/... or the successor's, as WithAPI
// chooses) for API calls and /oauth/token for tokens. Plain http is refused unless the host is a
// loopback address or WithInsecureHTTP is given.
func WithBaseURL(raw string) Option {
	return func(o *options) error {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("WithBaseURL: %q is not an absolute http(s) URL", redactURL(raw))
		}
		if u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("WithBaseURL: %q must not have a query or fragment", redactURL(raw))
		}
		// Trimmed as written (escaped), so that a segment such as "a%2Fb" stays one segment.
		escaped := strings.TrimSuffix(u.EscapedPath(), "/")
		if i := strings.LastIndex(escaped, "/"); i >= 0 {
			if last, err := url.PathUnescape(escaped[i+1:]); err == nil && last == "beta" {
				escaped = escaped[:i]
			}
		}
		if u.Path, err = url.PathUnescape(escaped); err != nil {
			return fmt.Errorf("WithBaseURL: %q has an invalid path", redactURL(raw))
		}
		u.RawPath = escaped
		u.ForceQuery = false // "https://host/?": no query, and none added to the requests' own
		u.User = nil
		o.root = u
		return nil
	}
}

// redactURL hides the password of a URL's user information, also in a URL that does not parse
// or has no "//", so that an error about the URL never carries it.
func redactURL(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Opaque == "" {
		return u.Redacted()
	}
	// Not parsed, or parsed as an opaque URL ("ann:pw@host" without "//" reads as the scheme
	// "ann"), whose user information url.URL does not see: cut at the last "@".
	if at := strings.LastIndex(raw, "@"); at >= 0 {
		start := 0
		if i := strings.Index(raw, "//"); i >= 0 && i < at {
			start = i + 2
		}
		return raw[:start] + "xxxxx" + raw[at:]
	}
	return raw
}

// WithTokenURL overrides where client-credential tokens come from (by default the base URL's
// /oauth/token).
func WithTokenURL(raw string) Option {
	return func(o *options) error {
		u, err := url.Parse(raw)
		if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
			return fmt.Errorf("WithTokenURL: %q is not an absolute http(s) URL", redactURL(raw))
		}
		o.tokenURL = u.String()
		return nil
	}
}

// WithInsecureHTTP allows a plain http base URL on a host that is not loopback. Tokens then
// travel in clear text: use it only on a network you trust.
func WithInsecureHTTP() Option {
	return func(o *options) error { o.allowHTTP = true; return nil }
}

// WithClientCredentials authenticates with a personal access token or API client's id and
// secret (the OAuth2 client credentials grant). Tokens are fetched once, shared by all calls,
// and replaced shortly before they expire. A secret under 16 characters is refused: it could not
// be removed from error text without garbling it (the vendor issues 64-character secrets).
func WithClientCredentials(clientID, clientSecret string) Option {
	return func(o *options) error {
		if strings.TrimSpace(clientID) == "" {
			return errors.New("WithClientCredentials: client id is empty")
		}
		if clientSecret == "" {
			return errors.New("WithClientCredentials: client secret is empty")
		}
		if n := utf8.RuneCountInString(clientSecret); n < minSecretLength {
			// A short secret cannot be kept out of error text without garbling it or pointing at it.
			return fmt.Errorf("WithClientCredentials: the client secret has %d characters; at least %d characters are needed so that it can be removed from error messages safely: %w",
				n, minSecretLength, ErrInvalidInput)
		}
		o.clientID, o.secret = clientID, clientSecret
		return nil
	}
}

// WithTokenSource authenticates with tokens from ts (for example an oauth2.Config's source).
// Tokens are cached and shared as with WithClientCredentials.
func WithTokenSource(ts oauth2.TokenSource) Option {
	return func(o *options) error {
		if ts == nil {
			return errors.New("WithTokenSource: token source is nil")
		}
		o.tokenSource = ts
		return nil
	}
}

// WithAccessToken authenticates with a fixed access token. It cannot be refreshed: when it
// expires, calls fail with ErrUnauthorized. A token under 8 characters is refused.
func WithAccessToken(token string) Option {
	return func(o *options) error {
		if strings.TrimSpace(token) == "" {
			return errors.New("WithAccessToken: token is empty")
		}
		if n := utf8.RuneCountInString(token); n < minTokenLength {
			return fmt.Errorf("WithAccessToken: the token has %d characters; at least %d characters are needed so that it can be removed from error messages safely: %w",
				n, minTokenLength, ErrInvalidInput)
		}
		o.accessToken = token
		return nil
	}
}

// WithHTTPClient sends requests through a copy of hc (its Transport, Timeout and Jar); hc itself
// is never changed, nor is its Transport. Whatever hc's CheckRedirect says, redirects are not
// followed: they end in a *RedirectError. Size the transport for your concurrency:
// http.DefaultTransport keeps 2 idle connections per host, so more requests in flight than that
// (a listing with Prefetch above 2) open and close connections continuously.
func WithHTTPClient(hc *http.Client) Option {
	return func(o *options) error {
		if hc == nil {
			return errors.New("WithHTTPClient: client is nil")
		}
		c := *hc
		o.hc = &c
		return nil
	}
}

// WithTimeout gives every call of the client at most d to finish: the operation with its
// retries and their waits, the wait for the rate limit, and the token request it may need, so
// that a server which accepts a connection and never answers cannot hold a job for ever. A
// call that runs out of time ends with an error matching context.DeadlineExceeded (and, for a
// write that may have been sent, ErrOutcomeUnknown). Each page of a listing is a call of its own. Requests made
// through Generated are not covered: give their context a deadline. Without this option a call
// is bounded only by its context and, unless WithHTTPClient says otherwise, by a limit of 60
// seconds per attempt.
func WithTimeout(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("WithTimeout: the timeout must be positive, got %v", d)
		}
		o.timeout = d
		return nil
	}
}

// WithLogger logs each attempt (operation, method, path, status, attempt, duration) to l:
// successes at debug level, failures at info or warn. Headers, tokens and secrets are never
// logged.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("WithLogger: logger is nil")
		}
		o.logger = l
		return nil
	}
}

// WithUserAgent appends suffix (for example "my-sync-job/1.2") to the User-Agent header.
func WithUserAgent(suffix string) Option {
	return func(o *options) error {
		if strings.ContainsAny(suffix, "\r\n") {
			return errors.New("WithUserAgent: suffix must not contain line breaks")
		}
		o.uaSuffix = strings.TrimSpace(suffix)
		return nil
	}
}

// WithRetryPolicy replaces DefaultRetryPolicy.
func WithRetryPolicy(p RetryPolicy) Option {
	return func(o *options) error {
		if err := p.validate(); err != nil {
			return fmt.Errorf("WithRetryPolicy: %w", err)
		}
		o.retry = p
		return nil
	}
}

// WithoutRetries sends every request once; failures come back as they are. A 401 still
// triggers one token refresh.
func WithoutRetries() Option {
	return func(o *options) error {
		o.retry.MaxAttempts = 1
		return nil
	}
}

// WithRateLimit makes the client wait so that it sends at most r requests per second on
// average, in bursts of at most burst, across all its goroutines and API versions. It replaces
// the limit a client otherwise learns from the server's 429s (see New): use it when you know your
// limit. A 429 then holds only the request it refused, unless its Retry-After is 10 s or more:
// such a wait pauses every request of its API version, as without this option.
func WithRateLimit(r rate.Limit, burst int) Option {
	return func(o *options) error {
		if r <= 0 || burst < 1 {
			return errors.New("WithRateLimit: rate must be positive and burst at least 1")
		}
		o.limiter = rate.NewLimiter(r, burst)
		return nil
	}
}

// WithVendorRateLimit limits the client to the vendor's documented 100 requests per 10
// seconds, 10 a second in bursts of 10, fixed (see WithRateLimit). At the vendor's hosts a
// client starts from that limit anyway (see New); this option keeps it there whatever the 429s.
func WithVendorRateLimit() Option {
	return WithRateLimit(rate.Limit(vendorRate.rate), int(vendorRate.burst))
}

// New makes a Client. It needs a target (WithTenant or WithBaseURL) and one way to
// authenticate (WithClientCredentials, WithTokenSource or WithAccessToken). Every error it
// returns (a bad option, options that contradict each other, plain http off loopback) matches
// ErrInvalidInput: nothing is sent before a client exists.
//
// Rate limits are kept per API version (the vendor limits per client id and API version), shared
// by every goroutine of the client; the version is the API generation (every operation of the
// successor, whatever version its path names, is limited as "v1", and the beta's as "beta"), so
// a 429 on one generation never pauses or paces the other. Unless WithRateLimit or
// WithVendorRateLimit is given, the client learns each version's limit from the server's 429s:
// after a 429 the version's requests wait out the Retry-After together (the shared pause), and
// from then on they are paced at a rate estimated from what the server let through between its
// refusals. At the vendor's hosts ({tenant}.api.identitynow.com) the pace starts at the
// documented 100 requests per 10 s and never goes above it; elsewhere nothing is paced until
// the first 429. A Retry-After longer than
// RetryPolicy.MaxRetryAfter (the vendor's back-off tiers of 300 to 1,200 s, by default) ends the
// call that met it with an *APIError matching ErrRateLimited and carrying the server's wait, and
// the version stays paused for all of it: while more than MaxRetryAfter of the pause is left,
// calls end at once with a *WaitError matching ErrRateLimited, nothing sent; within it, they
// wait. Every wait on the limit is reported (Attempt.Waited and WaitedFor, an info log line past
// a second), and one the caller's context cuts ends in a *WaitError. BENCHMARKS.md (section 3c)
// has the measurements behind these choices.
//
// Unless WithHTTPClient is given, requests go through a transport of the client's own that keeps
// enough idle connections per host for MaxPrefetch pages in flight and other calls beside them,
// so a prefetching listing does not open new connections.
func New(opts ...Option) (*Client, error) {
	o := &options{retry: DefaultRetryPolicy(), now: time.Now, sleep: sleep, api: DefaultAPI}
	for _, opt := range opts {
		if opt == nil {
			continue
		}
		if err := opt(o); err != nil {
			return nil, &configError{err}
		}
	}
	if o.root == nil {
		return nil, &configError{errors.New("no tenant: use WithTenant or WithBaseURL")}
	}
	if err := checkScheme(o.root, o.allowHTTP); err != nil {
		return nil, &configError{err}
	}
	if o.hc == nil {
		o.hc = &http.Client{Timeout: 60 * time.Second, Transport: defaultTransport()}
	}
	// o.hc is the client's own copy. A redirect would carry the token (or, at the token
	// endpoint, the secret) to a URL nobody configured: the 3xx is returned as it is, and the
	// call ends in a RedirectError.
	o.hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if o.logger == nil {
		o.logger = slog.New(slog.DiscardHandler)
	}

	scrub := newScrubber(o.clientID, o.secret)
	tokens, err := o.tokenCache(scrub)
	if err != nil {
		return nil, &configError{err}
	}
	ua := "accessrequests-go/" + Version
	if o.uaSuffix != "" {
		ua += " " + o.uaSuffix
	}
	tr := &transport{
		hc: o.hc, tokens: tokens, policy: o.retry, budget: newBudget(o.retry.Budget),
		limits: newAPILimits(o.now, o.sleep, o.limiter, priorFor(o.root), o.root.Path),
		log:    o.logger, userAgent: ua, uaValue: []string{ua}, now: o.now, sleep: o.sleep, hooks: o.hooks, scrub: scrub,
	}
	apiURL := o.root.String()
	if o.api == APIBeta {
		apiURL = o.root.JoinPath("beta").String()
	}
	// The generated client's paths start at the tenant's root (/beta/..., and the successor's).
	raw, err := client.NewClientWithResponses(o.root.String(), client.WithHTTPClient(tr))
	if err != nil {
		return nil, fmt.Errorf("accessrequests: %w", err)
	}
	return &Client{raw: raw, tr: tr, api: o.api, apiURL: apiURL, urls: newEndpoints(o.root, o.api), onWarning: o.onWarning, timeout: o.timeout,
		bodies: &bodies{keep: keptBodies}, settle: o.settle}, nil
}

func (o *options) tokenCache(scrub *scrubber) (*tokenCache, error) {
	n := 0
	for _, set := range []bool{o.clientID != "", o.tokenSource != nil, o.accessToken != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0:
		return nil, errors.New("no credentials: use WithClientCredentials, WithTokenSource or WithAccessToken")
	case n > 1:
		return nil, errors.New("more than one way to authenticate was given; choose one")
	}
	c := &tokenCache{now: o.now, held: scrub}
	switch {
	case o.accessToken != "":
		c.static = true
		c.tok = &oauth2.Token{AccessToken: o.accessToken, TokenType: "Bearer"}
		scrub.hold(o.accessToken)
	case o.tokenSource != nil:
		c.fetch = sourceFetcher(o.tokenSource)
	default:
		tokenURL := o.tokenURL
		if tokenURL == "" {
			tokenURL = o.root.JoinPath("oauth", "token").String()
		}
		u, _ := url.Parse(tokenURL)
		if err := checkScheme(u, o.allowHTTP); err != nil {
			return nil, err
		}
		c.fetch = clientCredentialsFetcher(tokenURL, o.clientID, o.secret, o.hc, scrub.scrub)
	}
	return c, nil
}

// checkScheme refuses plain http off loopback: the token would travel in clear text.
func checkScheme(u *url.URL, allowHTTP bool) error {
	if u.Scheme == "https" || allowHTTP {
		return nil
	}
	host := u.Hostname()
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("refusing plain http to %s: tokens would travel unencrypted (use https, or WithInsecureHTTP on a trusted network)", host)
}

// NewFromEnv makes a Client from SAIL_BASE_URL, SAIL_CLIENT_ID and SAIL_CLIENT_SECRET, then
// applies opts. The error names every variable that is missing.
func NewFromEnv(opts ...Option) (*Client, error) {
	var missing []string
	get := func(name string) string {
		v := strings.TrimSpace(os.Getenv(name))
		if v == "" {
			missing = append(missing, name)
		}
		return v
	}
	base, id := get(EnvBaseURL), get(EnvClientID)
	secret := os.Getenv(EnvClientSecret) // taken as is: a secret is not trimmed
	if secret == "" {
		missing = append(missing, EnvClientSecret)
	}
	if len(missing) > 0 {
		return nil, &MissingEnvError{Names: missing}
	}
	return New(append([]Option{WithBaseURL(base), WithClientCredentials(id, secret)}, opts...)...)
}

// configError is an option or combination of options New refuses: nothing was sent, and it
// matches ErrInvalidInput like every other refusal before a request leaves.
type configError struct{ err error }

func (e *configError) Error() string        { return "accessrequests: " + e.err.Error() }
func (e *configError) Unwrap() error        { return e.err }
func (e *configError) Is(target error) bool { return target == ErrInvalidInput }

// MissingEnvError names the environment variables NewFromEnv needed and did not find. It
// matches ErrInvalidInput.
type MissingEnvError struct {
	Names []string // the variables that were empty or unset, in the order checked
}

// Error lists the missing variables.
func (e *MissingEnvError) Error() string {
	return "accessrequests: missing environment variables: " + strings.Join(e.Names, ", ")
}

// Is matches ErrInvalidInput.
func (e *MissingEnvError) Is(target error) bool { return target == ErrInvalidInput }

// BaseURL is the URL API calls are made under: the tenant's root followed by /beta on a beta
// client; the tenant's root itself on a v1 client (the successor's paths share no prefix).
func (c *Client) BaseURL() string { return c.apiURL }

// Generated returns the generated client, sending through this Client's authentication,
// retries, rate limit and logging, for anything the facade does not cover. Its responses are
// raw: errors are not turned into *APIError.
func (c *Client) Generated() *client.ClientWithResponses { return c.raw }

// call runs one operation, between the hooks: build makes its request; a 2xx body is decoded
// into out (when out is not nil); anything else becomes a typed error. Values in the body that
// do not match the spec are reported (see Warning) and do not fail the call.
func (c *Client) call(ctx context.Context, op string, out any, build func(context.Context) (*http.Request, error)) (*http.Response, error) {
	resp, _, err := c.callWarn(ctx, op, out, readOptions{}, build)
	return resp, err
}

// readOptions say how an answer's body is read: as decodeBody does (critical paths, the most
// items), into read.buf when given (a listing's, held for its whole life) or a pooled buffer.
type readOptions struct {
	decodeOptions
	buf *[]byte
}

// callWarn is call that also returns the warnings. A warning at one of the critical paths
// fails the call instead (see decodeBody).
func (c *Client) callWarn(ctx context.Context, op string, out any, read readOptions, build func(context.Context) (*http.Request, error)) (resp *http.Response, warnings []Warning, err error) {
	if ctx == nil {
		return nil, nil, fmt.Errorf("accessrequests: %s: nil context", op)
	}
	if c.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	if read.buf == nil && out != nil {
		read.buf = c.bodies.get()
		defer c.bodies.put(read.buf)
	}
	deprecated := false
	err = c.observe(ctx, op, func(ctx context.Context, call *callState) error {
		resp, warnings, err = c.exchange(ctx, call, out, read, build)
		deprecated = call.deprecated
		return err
	})
	if deprecated {
		c.reportDeprecated(ctx, op)
	}
	c.warnAll(ctx, op, warnings)
	return resp, warnings, err
}

// exchange sends one operation's request and reads its answer.
func (c *Client) exchange(ctx context.Context, call *callState, out any, read readOptions, build func(context.Context) (*http.Request, error)) (*http.Response, []Warning, error) {
	op := call.op
	req, err := build(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("accessrequests: %s: %w", op, err)
	}
	resp, err := c.tr.do(req, call)
	if err != nil {
		return nil, nil, wrapTransportError(op, err)
	}
	call.deprecated = isDeprecated(resp.Header)
	if loc := resp.Header.Get("Location"); resp.StatusCode >= 300 && resp.StatusCode <= 399 && loc != "" {
		drain(resp)
		write := resp.Request != nil && !idempotent(resp.Request.Method)
		return resp, nil, &RedirectError{Operation: op, StatusCode: resp.StatusCode, Location: c.tr.scrub.scrub(loc), write: write}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp, nil, newAPIError(op, resp, c.tr.now(), c.tr.scrub.scrub)
	}
	defer func() { _ = resp.Body.Close() }()
	if out == nil {
		drain(resp)
		return resp, nil, nil
	}
	warnings, err := decodeJSON(resp, out, read)
	if err != nil {
		return resp, nil, &ResponseError{Operation: op, StatusCode: resp.StatusCode, Err: err}
	}
	for i := range warnings {
		warnings[i].Kind, warnings[i].Operation = WarningShape, op
	}
	return resp, warnings, nil
}

func wrapTransportError(op string, err error) error {
	var (
		ou *OutcomeUnknownError
		te *TokenError
		we *WaitError
	)
	if errors.As(err, &ou) || errors.As(err, &te) || errors.As(err, &we) {
		return err
	}
	return fmt.Errorf("accessrequests: %s: %w", op, err)
}

// decodeJSON decodes a whole JSON body into out: bounded in size, of a JSON media type (when
// one is declared), with nothing after the value, tolerating values of the wrong shape (see
// decodeBody).
func decodeJSON(resp *http.Response, out any, read readOptions) ([]Warning, error) {
	if ct := resp.Header.Get("Content-Type"); ct != "" && !isJSON(ct) {
		return nil, fmt.Errorf("content type %q is not JSON", ct)
	}
	if resp.ContentLength > maxResponseBody {
		return nil, fmt.Errorf("body is larger than %d bytes", maxResponseBody)
	}
	held := read.buf
	if held == nil {
		held = new([]byte)
	}
	data, err := readBoundedInto((*held)[:0], resp.Body, maxResponseBody, resp.ContentLength)
	if err != nil {
		return nil, err
	}
	warnings, err := decodeBody(data, out, read.decodeOptions)
	*held = data[:0]
	return warnings, err
}

// readBounded reads all of r, failing once it passes limit bytes. Its buffer starts at the
// declared length (when known) and otherwise doubles up to limit+1, so a hostile body costs at
// most about twice the limit in allocations.
func readBounded(r io.Reader, limit int, declared int64) ([]byte, error) {
	return readBoundedInto(nil, r, limit, declared)
}

// readBoundedInto is readBounded reading into buf (from its start) when buf has room for the
// size it would start with.
func readBoundedInto(buf []byte, r io.Reader, limit int, declared int64) ([]byte, error) {
	size := 4 << 10
	if declared > 0 {
		size = int(declared) + 1 // +1 so that EOF is seen without growing
	}
	if size = min(size, limit+1); cap(buf) < size {
		buf = make([]byte, 0, size)
	}
	buf = buf[:0]
	for {
		if len(buf) == cap(buf) {
			if len(buf) > limit {
				return nil, fmt.Errorf("body is larger than %d bytes", limit)
			}
			grown := make([]byte, len(buf), min(2*cap(buf), limit+1))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			if len(buf) > limit {
				return nil, fmt.Errorf("body is larger than %d bytes", limit)
			}
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read body: %w", err)
		}
	}
}

// isJSON reports whether a Content-Type is application/json or a +json type.
func isJSON(ct string) bool {
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || strings.HasSuffix(mt, "+json")
}
