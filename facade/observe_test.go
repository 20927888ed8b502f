package facade_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// recorder keeps what the hooks were told, in order.
type recorder struct {
	mu       sync.Mutex
	started  []string
	attempts []facade.Attempt
	done     []facade.Operation
	ctxOK    []bool // OperationDone and Attempt saw the context OperationStart returned
}

type spanKey struct{}

func (r *recorder) hooks() facade.Hooks {
	return facade.Hooks{
		OperationStart: func(ctx context.Context, op string) context.Context {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.started = append(r.started, op)
			return context.WithValue(ctx, spanKey{}, op)
		},
		Attempt: func(ctx context.Context, a facade.Attempt) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.attempts = append(r.attempts, a)
			seen.addValue("hook Attempt", a)
			r.ctxOK = append(r.ctxOK, ctx.Value(spanKey{}) == a.Operation)
		},
		OperationDone: func(ctx context.Context, op facade.Operation) {
			r.mu.Lock()
			defer r.mu.Unlock()
			r.done = append(r.done, op)
			seen.addValue("hook Operation", op)
			r.ctxOK = append(r.ctxOK, ctx.Value(spanKey{}) == op.Name)
		},
	}
}

func TestHooksSeeEveryAttemptAndTheOutcome(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		ev := &env{api: api} // the generation's names and bodies
		getOp := map[facade.API]string{facade.APIBeta: "getAccessRequestConfig", facade.APIV1: "getAccessRequestConfigV2"}[api]
		createOp := ev.op("createAccessRequest")
		create := func(c *facade.Client) error {
			_, err := c.Create(context.Background(), grantRequest())
			return err
		}
		tests := []struct {
			name     string
			handler  http.HandlerFunc
			call     func(*facade.Client) error
			attempts []facade.Attempt // Operation, Number, Method, Status, Retry (Duration and Err not compared)
			done     facade.Operation // Name, Attempts, Status, Outcome
		}{
			{
				name:    "a read retried after a 503 and a 429 ends in success",
				handler: sequence(reply(503, `{}`), reply(429, `{}`, "Retry-After", "1"), reply(200, ev.configBody())),
				call:    func(c *facade.Client) error { return getConfig(context.Background(), c) },
				attempts: []facade.Attempt{
					{Operation: getOp, Number: 1, Method: "GET", Status: 503, Retry: facade.RetryStatus},
					{Operation: getOp, Number: 2, Method: "GET", Status: 429, Retry: facade.RetryStatus},
					{Operation: getOp, Number: 3, Method: "GET", Status: 200, Retry: facade.RetryNone},
				},
				done: facade.Operation{Name: getOp, Attempts: 3, Status: 200, Outcome: facade.OutcomeSuccess},
			},
			{
				name:    "a POST answered 400 is not retried and fails",
				handler: reply(400, errorJSON),
				call:    create,
				attempts: []facade.Attempt{
					{Operation: createOp, Number: 1, Method: "POST", Status: 400, Retry: facade.RetryNone},
				},
				done: facade.Operation{Name: createOp, Attempts: 1, Status: 400, Outcome: facade.OutcomeFailure},
			},
			{
				// Guards outcomeOf's case of an accepted call whose body did not decode.
				name:    "a POST accepted with a body that does not decode is a success: the server acted",
				handler: reply(202, `{"newRequests": [`),
				call:    create,
				attempts: []facade.Attempt{
					{Operation: createOp, Number: 1, Method: "POST", Status: 202, Retry: facade.RetryNone},
				},
				done: facade.Operation{Name: createOp, Attempts: 1, Status: 202, Outcome: facade.OutcomeSuccess},
			},
			{
				name:    "a POST answered 500 is not retried and its outcome is unknown",
				handler: reply(500, errorJSON),
				call:    create,
				attempts: []facade.Attempt{
					{Operation: createOp, Number: 1, Method: "POST", Status: 500, Retry: facade.RetryNone},
				},
				done: facade.Operation{Name: createOp, Attempts: 1, Status: 500, Outcome: facade.OutcomeUnknown},
			},
			{
				name:    "a POST whose connection drops after the write has an unknown outcome",
				handler: dropAfterRead,
				call:    create,
				attempts: []facade.Attempt{
					{Operation: createOp, Number: 1, Method: "POST", Status: 0, Retry: facade.RetryNone},
				},
				done: facade.Operation{Name: createOp, Attempts: 1, Status: 0, Outcome: facade.OutcomeUnknown},
			},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				e := newEnvFor(t, api)
				if tc.handler != nil {
					e.lax()
					e.mux.HandleFunc("/", tc.handler)
				}
				rec := &recorder{}
				// Without settling: the unknown outcomes are the hooks' to see (settle_test.go has the lookups).
				err := noteErr(tc.call(e.client(facade.WithHooks(rec.hooks()), facade.WithoutSettling())))

				rec.mu.Lock()
				defer rec.mu.Unlock()
				got := make([]facade.Attempt, len(rec.attempts))
				for i, a := range rec.attempts {
					if a.Status == 0 {
						assert.Error(t, a.Err, "an attempt without a response carries its error")
					}
					a.Duration, a.Err = 0, nil
					got[i] = a
				}
				assert.Equal(t, tc.attempts, got)
				require.Len(t, rec.done, 1)
				d := rec.done[0]
				assert.Equal(t, err, d.Err, "OperationDone gets the error the caller gets")
				d.Err, d.Duration = nil, 0
				assert.Equal(t, tc.done, d)
				assert.Equal(t, []string{tc.done.Name}, rec.started)
				for i, ok := range rec.ctxOK {
					assert.True(t, ok, "hook call %d did not get the context OperationStart returned", i)
				}
			})
		}
	})
}

func TestHooksSeeATokenRefreshAndDurations(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		e.handle("GET /access-request-config", sequence(
			func(w http.ResponseWriter, r *http.Request) {
				e.clock.Advance(2 * time.Second) // the server takes two seconds to refuse
				reply(401, `{"error":"JWT is expired"}`)(w, r)
			},
			reply(200, e.configBody())))
		rec := &recorder{}
		err := getConfig(context.Background(), e.client(facade.WithHooks(rec.hooks())))
		require.NoError(t, noteErr(err))
		require.Len(t, rec.attempts, 2)
		assert.Equal(t, facade.RetryUnauthorized, rec.attempts[0].Retry)
		assert.Equal(t, 2*time.Second, rec.attempts[0].Duration)
		assert.Equal(t, facade.RetryNone, rec.attempts[1].Retry)
		assert.Equal(t, 2, rec.done[0].Attempts)
		assert.Equal(t, 2*time.Second, rec.done[0].Duration)
	})
}

func TestHooksAreNotCalledForRefusedInput(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		rec := &recorder{}
		_, err := e.client(facade.WithHooks(rec.hooks())).Create(context.Background(), facade.AccessRequest{})
		require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
		assert.Empty(t, rec.started)
		assert.Empty(t, rec.done)
	})
}

func TestWithHooksNeedsAHook(t *testing.T) {
	t.Parallel()
	_, err := facade.New(facade.WithTenant("acme"), facade.WithAccessToken(tokenPrefix+"fixed"), facade.WithHooks(facade.Hooks{}))
	require.ErrorContains(t, noteErr(err), "WithHooks: no hook is set")
}

// A call stopped before its request was handed to the HTTP client made no HTTP attempt: no
// Attempt hook fires and the operation reports 0 attempts, as Operation.Attempts documents.
func TestHooksCountNoAttemptForACallStoppedBeforeSending(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		t.Run("the client's own rate limit refuses a wait past the deadline", func(t *testing.T) {
			t.Parallel()
			e := newEnvFor(t, api)
			e.handle("GET /access-request-config", reply(200, e.configBody()))
			rec := &recorder{}
			c := e.client(facade.WithHooks(rec.hooks()), facade.WithRateLimit(rate.Every(time.Hour), 1))
			err := getConfig(context.Background(), c) // spends the one token of the burst
			require.NoError(t, noteErr(err))
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err = getConfig(ctx, c) // the next token comes in an hour, past the deadline
			require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)

			rec.mu.Lock()
			defer rec.mu.Unlock()
			require.Len(t, rec.done, 2)
			assert.Len(t, rec.attempts, 1, "only the first call made an HTTP attempt")
			assert.Equal(t, 0, rec.done[1].Attempts)
			assert.Equal(t, facade.OutcomeFailure, rec.done[1].Outcome)
			assert.Equal(t, int64(1), e.calls.Load(), "the refused call reached no server")
		})
		t.Run("the token endpoint refuses the credentials", func(t *testing.T) {
			t.Parallel()
			e := newEnvFor(t, api)
			e.mu.Lock()
			e.tokenReply = func(_ int64, w http.ResponseWriter) bool {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"error":"invalid_client"}`))
				return true
			}
			e.mu.Unlock()
			rec := &recorder{}
			err := getConfig(context.Background(), e.client(facade.WithHooks(rec.hooks())))
			var te *facade.TokenError
			require.ErrorAs(t, noteErr(err), &te)

			rec.mu.Lock()
			defer rec.mu.Unlock()
			assert.Empty(t, rec.attempts)
			require.Len(t, rec.done, 1)
			assert.Equal(t, 0, rec.done[0].Attempts)
			assert.Equal(t, int64(0), e.calls.Load())
		})
	})
}
