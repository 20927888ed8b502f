package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// tokenLeeway is how long before its expiry a token is replaced, so a call never starts with a
// token that lapses in flight.
const tokenLeeway = 60 * time.Second

// tokenFetcher gets a fresh token; ctx bounds the fetch where the source allows it.
type tokenFetcher func(ctx context.Context) (*oauth2.Token, error)

// tokenCache shares one token between all goroutines of a client: at most one fetch runs at a
// time, and callers that arrive during a fetch wait for its result instead of fetching again.
type tokenCache struct {
	fetch    tokenFetcher
	now      func() time.Time
	static   bool // a fixed token that cannot be refreshed
	mu       sync.Mutex
	tok      *oauth2.Token
	expiry   time.Time     // tok's expiry on the client's clock; zero when it does not expire
	fetching chan struct{} // closed when the fetch in flight ends
	fetches  int
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
		if wait := c.fetching; wait != nil {
			c.mu.Unlock()
			select {
			case <-wait:
				continue
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		done := make(chan struct{})
		c.fetching = done
		c.fetches++
		c.mu.Unlock()

		tok, err := c.fetch(ctx)
		c.mu.Lock()
		c.fetching = nil
		if err == nil {
			if tok == nil || tok.AccessToken == "" {
				err = &TokenError{Reason: "the token endpoint returned no access token"}
			} else if ttl := time.Until(tok.Expiry); !tok.Expiry.IsZero() && ttl <= 0 {
				err = &TokenError{Reason: "the token endpoint returned a token that has already expired"}
			} else {
				// x/oauth2 dates the expiry on the wall clock; keep the lifetime on ours.
				c.tok, c.expiry = tok, time.Time{}
				if !tok.Expiry.IsZero() {
					c.expiry = c.now().Add(ttl)
				}
			}
		}
		c.mu.Unlock()
		close(done)
		if err != nil {
			return nil, err
		}
		return tok, nil
	}
}

func (c *tokenCache) fresh() bool {
	return c.expiry.IsZero() || c.now().Add(tokenLeeway).Before(c.expiry)
}

// current is the cached access token, or "" when there is none.
func (c *tokenCache) current() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.tok == nil {
		return ""
	}
	return c.tok.AccessToken
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
func clientCredentialsFetcher(tokenURL, id, secret string, hc *http.Client) tokenFetcher {
	cfg := &clientcredentials.Config{
		ClientID:     id,
		ClientSecret: secret,
		TokenURL:     tokenURL,
		AuthStyle:    oauth2.AuthStyleInParams,
	}
	return func(ctx context.Context) (*oauth2.Token, error) {
		ctx = context.WithValue(ctx, oauth2.HTTPClient, hc)
		tok, err := cfg.Token(ctx)
		if err != nil {
			return nil, classifyTokenError(err, secret)
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
func classifyTokenError(err error, secret string) error {
	var re *oauth2.RetrieveError
	switch {
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
		return &TokenError{Reason: reason, StatusCode: status, Err: errors.New(redact(re.ErrorCode+" "+re.ErrorDescription, secret))}
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return &TokenError{Reason: "the token endpoint did not answer in time", Err: context.DeadlineExceeded}
	case errors.Is(err, context.Canceled):
		return &TokenError{Reason: "the token request was cancelled", Err: context.Canceled}
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return &TokenError{Reason: "the token endpoint could not be reached", Err: errors.New(redact(ue.Err.Error(), secret))}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &TokenError{Reason: "the token endpoint's answer is not JSON"}
	}
	// x/oauth2 reports an unparsable 2xx body with a plain error.
	return &TokenError{Reason: "the token endpoint's answer is not a usable token", Err: errors.New(redact(err.Error(), secret))}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}
