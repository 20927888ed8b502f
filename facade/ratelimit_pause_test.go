package facade_test

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// attempts records what the Attempt hook saw.
type attempts struct {
	mu  sync.Mutex
	all []facade.Attempt
}

func (a *attempts) hook(_ context.Context, at facade.Attempt) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.all = append(a.all, at)
}

// waitedFor lists what the attempts that waited for why waited.
func (a *attempts) waitedFor(why facade.WaitReason) []time.Duration {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []time.Duration
	for _, at := range a.all {
		if at.WaitedFor == why {
			out = append(out, at.Waited)
		}
	}
	return out
}

func (a *attempts) last() facade.Attempt {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.all[len(a.all)-1]
}

// The vendor's back-off tiers (60, 300, 600 and 1,200 s), in virtual time, with the default
// policy (MaxRetryAfter 60 s). The server's first answer starts the tier, and it refuses
// everything until the tier ends. The policy (documented in New and BENCHMARKS.md):
//   - a tier up to MaxRetryAfter is waited for by the call that met it, and by every other call of
//     the API version as a shared pause, reported on the Attempt hook (Waited, WaitedFor "pause")
//     and by an info log line;
//   - a longer one ends the call at once with ErrRateLimited carrying the server's wait; calls made
//     while more than MaxRetryAfter of it is left end at once too (ErrRateLimited, nothing sent),
//     and calls made within MaxRetryAfter of its end wait for it;
//   - a call whose deadline comes before the end of the pause ends at once, and one whose context
//     ends while it waits ends then: both say that they waited for the client's shared pause.
func TestTheVendorsBackOffTiers(t *testing.T) {
	for _, tier := range []time.Duration{time.Minute, 5 * time.Minute, 10 * time.Minute, 20 * time.Minute} {
		t.Run(tier.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				start := time.Now()
				srv := &simServer{latency: 50 * time.Millisecond, refuse: backOffTier(firstOnly(), tier)}
				var seen attempts
				logs := &logWriter{}
				c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL("https://tenant.invalid"), facade.WithAccessToken("sim-token-123"),
					facade.WithHTTPClient(&http.Client{Transport: srv}), facade.WithHooks(facade.Hooks{Attempt: seen.hook}),
					facade.WithLogger(slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))))
				require.NoError(t, err)
				refused := func() int {
					srv.mu.Lock()
					defer srv.mu.Unlock()
					return srv.requests
				}
				maxWait := facade.DefaultRetryPolicy().MaxRetryAfter

				// The call that meets the tier, and a second call a second later.
				first := make(chan error, 1)
				go func() { _, err := c.GetConfig(context.Background()); first <- err }()
				time.Sleep(time.Second)
				secondAt := time.Now()
				_, err = c.GetConfig(context.Background())
				if tier <= maxWait {
					require.NoError(t, noteErr(err))
					require.NoError(t, <-first)
					assert.Equal(t, start.Add(tier).Add(2*srv.latency), time.Now(), "the second call left when the tier ended")
					// The first call's retry waited the Retry-After itself (a retry's wait); the second
					// call's attempt waited for the shared pause.
					assert.Equal(t, []time.Duration{tier - time.Second + srv.latency}, seen.waitedFor(facade.WaitPause),
						"the second call waited out the rest of the tier")
					assert.Contains(t, logs.String(), "accessrequests: waited for the client's rate limit")
					assert.Contains(t, logs.String(), "for=pause")
					assert.Equal(t, 3, refused(), "the first call twice, the second once")
					return
				}
				var apiErr *facade.APIError
				require.ErrorAs(t, noteErr(<-first), &apiErr)
				assert.ErrorIs(t, apiErr, facade.ErrRateLimited)
				assert.Equal(t, tier, apiErr.RetryAfter, "the server's wait, as it asked")
				require.ErrorIs(t, noteErr(err), facade.ErrRateLimited, "the second call ends at once")
				var we *facade.WaitError
				require.ErrorAs(t, err, &we)
				assert.Equal(t, secondAt, time.Now(), "nothing was waited for")
				assert.Equal(t, "beta", we.API)
				assert.Equal(t, tier, we.RetryAfter)
				assert.Contains(t, err.Error(), "the client's shared pause")
				assert.Contains(t, err.Error(), "more than RetryPolicy.MaxRetryAfter (1m0s)")
				assert.Equal(t, 1, refused(), "the second call was not sent")

				// Within MaxRetryAfter of the end (the tier began when the first request arrived;
				// the pause, when its answer did): a call with a short deadline ends at once, one
				// cancelled while it waits ends then, and one without waits and succeeds.
				time.Sleep(tier + srv.latency - 30*time.Second - time.Since(start))
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				_, err = c.GetConfig(ctx)
				cancel()
				require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
				assert.Contains(t, err.Error(), "waited for the client's shared pause")
				assert.Contains(t, err.Error(), "the call's deadline comes first")
				ctx, cancel = context.WithCancel(context.Background())
				time.AfterFunc(5*time.Second, cancel)
				_, err = c.GetConfig(ctx)
				require.ErrorIs(t, noteErr(err), context.Canceled)
				assert.Contains(t, err.Error(), "waited for the client's shared pause for the beta API 5s with 25s left")
				assert.Equal(t, 1, refused(), "nothing was sent")
				_, err = c.GetConfig(context.Background())
				require.NoError(t, noteErr(err))
				a := seen.last()
				assert.Equal(t, facade.WaitPause, a.WaitedFor)
				assert.Equal(t, 25*time.Second, a.Waited)
				assert.Contains(t, logs.String(), fmt.Sprintf("retry_after=%v", tier))
				assert.Equal(t, 2, refused())
			})
		})
	}
}

// A pause without Retry-After or with a short one is reported as well, and a wait on the
// learned pace says so: WaitedFor tells the reasons apart.
func TestTheAttemptHookSaysWhatEachAttemptWaitedFor(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &simServer{refuse: tokenBucket(50, 100, true), latency: 50 * time.Millisecond, jitter: 2 * time.Millisecond,
			rng: newRNG()}
		var seen attempts
		listing{pages: 500, opts: []facade.Option{facade.WithHooks(facade.Hooks{Attempt: seen.hook})}}.simulate(t, srv)
		reasons := map[facade.WaitReason]int{}
		for _, a := range seen.all {
			reasons[a.WaitedFor]++
			if a.WaitedFor == facade.WaitNone {
				assert.Zero(t, a.Waited)
			} else {
				assert.Positive(t, a.Waited)
				assert.LessOrEqual(t, a.Waited, a.Duration)
			}
		}
		t.Logf("attempts by what they waited for: %v", reasons)
		assert.Positive(t, reasons[facade.WaitPause], "attempts waited for the pause after a 429")
		assert.Positive(t, reasons[facade.WaitPace], "attempts waited for the learned pace")
		assert.Positive(t, reasons[facade.WaitNone], "attempts that did not wait")
	})
}

// WithRateLimit's waits are reported as such, and a long Retry-After pauses the API version
// with a fixed limit too.
func TestAFixedLimitsWaitsAndALongPause(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		srv := &simServer{latency: 50 * time.Millisecond, refuse: backOffTier(firstOnly(), 5*time.Minute)}
		var seen attempts
		c, err := facade.New(facade.WithAPI(facade.APIBeta), facade.WithBaseURL("https://tenant.invalid"), facade.WithAccessToken("sim-token-123"),
			facade.WithHTTPClient(&http.Client{Transport: srv}), facade.WithHooks(facade.Hooks{Attempt: seen.hook}),
			facade.WithRateLimit(1, 1))
		require.NoError(t, err)
		_, err = c.GetConfig(context.Background())
		require.ErrorIs(t, noteErr(err), facade.ErrRateLimited)
		_, err = c.GetConfig(context.Background())
		var we *facade.WaitError
		require.ErrorAs(t, noteErr(err), &we, "the 5 min Retry-After pauses the fixed limit's calls too")
		assert.Equal(t, facade.WaitPause, we.Reason)
		time.Sleep(5 * time.Minute)
		for range 2 {
			_, err = c.GetConfig(context.Background())
			require.NoError(t, noteErr(err))
		}
		a := seen.last()
		assert.Equal(t, facade.WaitLimit, a.WaitedFor)
		assert.Equal(t, time.Second-srv.latency, a.Waited)
	})
}

// firstOnly refuses the first request and no other.
func firstOnly() func(time.Time) (bool, string) {
	n := 0
	return func(time.Time) (bool, string) { n++; return n == 1, "" }
}

func newRNG() *rand.Rand { return rand.New(rand.NewPCG(7, 1)) }

// The retry after a 429 without Retry-After that paused the API version waits on that pause
// (a tenth of a second), not on a backoff of its own (a quarter to half a second by default).
func TestARetryAfterA429WithoutRetryAfterWaitsOnlyForThePause(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", sequence(reply(429, `{"message":"Rate Limit Exceeded"}`), reply(200, configJSON)))
	_, err := e.client().GetConfig(context.Background())
	require.NoError(t, noteErr(err))
	assert.Equal(t, []time.Duration{100 * time.Millisecond}, e.clock.Waits())
}

// On a real clock, with no 429 and no limit given, every attempt leaves at once and its report
// says it waited for nothing, though the clock moved while it took its turn. Guards wait's
// `paced.After(at)`: a pace that held nothing is no reason to report one.
func TestAnAttemptThatWaitedForNothingSaysSo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`[]`))
	}))
	defer srv.Close()
	var seen attempts
	c, err := facade.New(facade.WithBaseURL(srv.URL), facade.WithInsecureHTTP(), facade.WithAccessToken("test-token-123"),
		facade.WithHooks(facade.Hooks{Attempt: seen.hook}))
	require.NoError(t, err)
	for range 20 {
		_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
		require.NoError(t, err)
	}
	seen.mu.Lock()
	defer seen.mu.Unlock()
	require.Len(t, seen.all, 20)
	for i, at := range seen.all {
		assert.Equal(t, facade.WaitNone, at.WaitedFor, "attempt %d waited %v", i, at.Waited)
	}
}
