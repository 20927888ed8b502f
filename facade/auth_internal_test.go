package facade

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/oauth2"
)

// classifyTokenError reads every shape of x/oauth2's errors without panicking, a RetrieveError
// without a response included (x/oauth2 sets one today; a wrapper of it may not), and says
// which kind of failure it was. (auth.go classifyTokenError: the response check, the timeout
// case.)
func TestClassifyTokenErrorReadsEveryShape(t *testing.T) {
	t.Parallel()
	scrub := func(s string) string { return s }
	for _, tc := range []struct {
		name   string
		err    error
		reason string
		status int
	}{
		{"a refusal without a response", &oauth2.RetrieveError{ErrorCode: "invalid_client"}, "refused the client credentials", 0},
		{"a failure without a response", &oauth2.RetrieveError{ErrorCode: "server_error"}, "refused the request", 0},
		{"the context's deadline, wrapped", fmt.Errorf("fetch: %w", context.DeadlineExceeded), "did not answer in time", 0},
		{"a plain error", errors.New("oauth2: cannot parse json: invalid character '<'"), "not a usable token", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var te *TokenError
			require.ErrorAs(t, classifyTokenError(tc.err, scrub), &te)
			assert.Contains(t, te.Reason, tc.reason)
			assert.Equal(t, tc.status, te.StatusCode)
		})
	}
}

// Goroutines that each take the cached token and drop it as a 401 would, at once, share the
// cache safely: every read and write of the cached token is under its lock (run with -race,
// which reports a drop made without it), and each gets a token. (auth.go invalidate: the lock.)
func TestTakingAndDroppingTheTokenAtOnceIsSafe(t *testing.T) {
	t.Parallel()
	var fetched atomic.Int64
	c := &tokenCache{now: time.Now, held: &scrubber{}, fetch: func(context.Context) (*oauth2.Token, error) {
		n := fetched.Add(1)
		return &oauth2.Token{AccessToken: fmt.Sprintf("%s-%08d", strings.Repeat("t", minTokenLength), n), Expiry: time.Now().Add(time.Hour)}, nil
	}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 200 {
				tok, err := c.token(context.Background())
				if !assert.NoError(t, err) || !assert.NotNil(t, tok) {
					return
				}
				assert.True(t, c.invalidate(tok), "a fetched token can be replaced")
			}
		})
	}
	wg.Wait()
	assert.Positive(t, fetched.Load())
}
