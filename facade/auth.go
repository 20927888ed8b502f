package facade

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenLeeway is how long before its expiry a token is replaced, so a call never starts with a
// token that lapses in flight. A token that lives less than four times as long is replaced when
// a quarter of its life is left instead, so short-lived tokens are still shared.
const tokenLeeway = 60 * time.Second

// tokenFetcher gets a fresh token; ctx bounds the fetch where the source allows it.
type tokenFetcher func(ctx context.Context) (*oauth2.Token, error)

// tokenCache shares one token between all goroutines of a client: at most one fetch runs at a
// time, and callers that arrive during a fetch wait for its outcome, failure included, instead
// of fetching again one after another.
type tokenCache struct {
	fetch  tokenFetcher
	now    func() time.Time
	static bool      // a fixed token that cannot be refreshed
	held   *scrubber // remembers every token obtained, for scrubbing error text
	mu     sync.Mutex
	tok    *oauth2.Token
	expiry time.Time     // tok's expiry on the client's clock; zero when it does not expire
	leeway time.Duration // how long before expiry tok is replaced
	flight *flight       // the fetch in progress, if any
}

// flight is one token fetch; its outcome is set before done is closed.
type flight struct {
	done chan struct{}
	tok  *oauth2.Token
	err  error
	// abandoned: the fetch ended because its own caller gave up, which says nothing about the
	// token endpoint, so the callers waiting on it start a new fetch instead of failing.
	abandoned bool
}

// token returns a valid token, fetching one when there is none or it is about to expire.
func (c *tokenCache) token(ctx context.Context) (*oauth2.Token, error) {
	for {
		c.mu.Lock()
		if c.tok != nil && (c.static || c.fresh()) {
			tok := c.tok
			c.mu.Unlock()
			return tok, nil
		}
		if f := c.flight; f != nil {
			c.mu.Unlock()
			select {
			case <-f.done:
				if f.abandoned {
					continue
				}
				return f.tok, f.err
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		f := &flight{done: make(chan struct{})}
		c.flight = f
		c.mu.Unlock()

		tok, err := c.fetch(ctx)
		c.mu.Lock()
		if err == nil {
			err = c.storeLocked(tok)
		}
		if err != nil {
			tok = nil
		}
		c.flight = nil
		f.tok, f.err, f.abandoned = tok, err, err != nil && ctx.Err() != nil
		c.mu.Unlock()
		close(f.done)
		return tok, err
	}
}

// storeLocked checks a fetched token and makes it the cached one.
func (c *tokenCache) storeLocked(tok *oauth2.Token) error {
	switch {
	case tok == nil || tok.AccessToken == "":
		return &TokenError{Reason: "the token endpoint returned no access token"}
	case utf8.RuneCountInString(tok.AccessToken) < minTokenLength:
		return &TokenError{Reason: fmt.Sprintf("the access token is %d characters long, too short to keep out of error messages (at least %d)",
			utf8.RuneCountInString(tok.AccessToken), minTokenLength)}
	}
	ttl := time.Until(tok.Expiry)
	if !tok.Expiry.IsZero() && ttl <= 0 {
		return &TokenError{Reason: "the token endpoint returned a token that has already expired"}
	}
	c.held.hold(tok.AccessToken)
	// x/oauth2 dates the expiry on the wall clock; keep the lifetime on ours.
	c.tok, c.expiry, c.leeway = tok, time.Time{}, 0
	if !tok.Expiry.IsZero() {
		c.expiry = c.now().Add(ttl)
		c.leeway = min(tokenLeeway, ttl/4)
	}
	return nil
}

func (c *tokenCache) fresh() bool {
	return c.expiry.IsZero() || c.now().Add(c.leeway).Before(c.expiry)
}

// invalidate drops tok if it is still the cached one, so the next call fetches a new one. It
// reports whether a refresh is possible at all.
func (c *tokenCache) invalidate(tok *oauth2.Token) bool {
	if c.static {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == tok {
		c.tok = nil
	}
	return true
}

// TokenError says why no access token could be obtained. It never holds the client secret or a
// token.
type TokenError struct {
	Reason     string // what went wrong, in words
	StatusCode int    // the token endpoint's HTTP status, when it answered
	Err        error  // the underlying error, with any credentials already removed
}

// Error describes the failure.
func (e *TokenError) Error() string {
	msg := "accessrequests: cannot get an access token: " + e.Reason
	if e.StatusCode != 0 {
		msg += fmt.Sprintf(" (HTTP %d)", e.StatusCode)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

// Unwrap returns the underlying error.
func (e *TokenError) Unwrap() error { return e.Err }

// Is matches ErrToken.
func (e *TokenError) Is(target error) bool { return target == ErrToken }

// clientCredentialsFetcher fetches tokens from the tenant's token endpoint with the client
// credentials grant, through the client's own HTTP client.
func clientCredentialsFetcher(tokenURL, id, secret string, hc *http.Client, scrub func(string) string) tokenFetcher {
	cfg := &clientcredentials.Config{
		ClientID:     id,
		ClientSecret: secret,
		TokenURL:     tokenURL,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	// The secret travels in the form: a redirect is answered with a RedirectError, never
	// followed (a 307 would send the form again, wherever it points).
	tokenHC := *hc
	tokenHC.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		return &RedirectError{Operation: "token", StatusCode: req.Response.StatusCode, Location: scrub(req.URL.String())}
	}
	return func(ctx context.Context) (*oauth2.Token, error) {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, &tokenHC)
		tok, err := cfg.Token(ctx)
		if err != nil {
			return nil, classifyTokenError(err, scrub)
		}
		return tok, nil
	}
}

// sourceFetcher adapts a caller's oauth2.TokenSource.
func sourceFetcher(ts oauth2.TokenSource) tokenFetcher {
	return func(context.Context) (*oauth2.Token, error) {
		tok, err := ts.Token()
		if err != nil {
			return nil, &TokenError{Reason: "the token source failed", Err: err}
		}
		return tok, nil
	}
}

// classifyTokenError turns x/oauth2's errors into a TokenError that says which kind of failure
// it was, without the secret and without the endpoint's raw body.
func classifyTokenError(err error, scrub func(string) string) error {
	var (
		re    *oauth2.RetrieveError
		redir *RedirectError
	)
	switch {
	case errors.As(err, &redir):
		return &TokenError{Reason: "the token endpoint answered with a redirect", StatusCode: redir.StatusCode, Err: redir}
	case errors.As(err, &re):
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		reason := "the token endpoint refused the request"
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden || re.ErrorCode == "invalid_client":
			reason = "the token endpoint refused the client credentials (wrong client id or secret?)"
		case status >= 500:
			reason = "the token endpoint failed"
		case status >= 200 && status < 300:
			reason = "the token endpoint's answer is not a token"
		}
		return &TokenError{Reason: reason, StatusCode: status, Err: errors.New(scrub(re.ErrorCode + " " + re.ErrorDescription))}
	case isTimeout(err): // the HTTP client's Timeout; context.DeadlineExceeded is a timeout too
		return &TokenError{Reason: "the token endpoint did not answer in time", Err: context.DeadlineExceeded}
	}
	// A fetch ended by the caller's context is reported as that context's error by the call
	// (transport.do), whatever this says: no case for it here.
	var ue *url.Error
	if errors.As(err, &ue) {
		return &TokenError{Reason: "the token endpoint could not be reached", Err: errors.New(scrub(ue.Err.Error()))}
	}
	// x/oauth2 reports an unparsable 2xx body with a plain error (it formats the JSON error
	// with %v, so no *json.SyntaxError can be found in it).
	return &TokenError{Reason: "the token endpoint's answer is not a usable token", Err: errors.New(scrub(err.Error()))}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
