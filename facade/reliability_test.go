package facade_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// soakPolicy retries quickly and often: the soak measures correctness, not waiting.
var soakPolicy = facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 15, BaseDelay: time.Millisecond,
	MaxDelay: 5 * time.Millisecond, MaxRetryAfter: 5 * time.Second, Budget: 500})

// fakeClientFor makes a client of the fake tenant srv speaking generation api.
func fakeClientFor(t *testing.T, srv *fake.Server, api facade.API, opts ...facade.Option) *facade.Client {
	t.Helper()
	base := []facade.Option{facade.WithAPI(api), facade.WithBaseURL(srv.URL), facade.WithClientCredentials(srv.ClientID, srv.ClientSecret),
		facade.WithLogger(debugLogger())}
	c, err := facade.New(append(append(base, scanned()...), opts...)...)
	require.NoError(t, err)
	return c
}

func TestSoakListingUnder429And503(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv := fake.NewServer(fake.WithSeed(7))
		defer srv.Close()
		srv.SeedStatuses(10000, "id-soak", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		srv.SetFaults(fake.Faults{Methods: []string{"GET"}, RateLimitedRatio: 0.3, RetryAfter: "0", ServerErrorRatio: 0.1})
		c := fakeClientFor(t, srv, api, soakPolicy)

		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		unique := map[string]bool{}
		n := 0
		for s, err := range c.ListStatus(ctx, facade.ListStatusParams{PageSize: 100}) {
			require.NoError(t, noteErr(err))
			unique[s.AccessRequestID] = true
			n++
		}
		assert.Equal(t, 10000, n)
		assert.Len(t, unique, 10000)
		limited := srv.Count("GET", wirePath(api, "/access-request-status"), http.StatusTooManyRequests)
		failed := srv.Count("GET", wirePath(api, "/access-request-status"), http.StatusServiceUnavailable)
		assert.Positive(t, limited)
		assert.Positive(t, failed)
		t.Logf("100 pages took %d requests: %d answered 429, %d answered 503", srv.Count("GET", wirePath(api, "/access-request-status"), 0), limited, failed)
	})
}

func TestSoakCreatesWithDroppedConnections(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv := fake.NewServer(fake.WithSeed(11))
		defer srv.Close()
		srv.SetFaults(fake.Faults{Methods: []string{"POST"}, Paths: []string{wirePath(api, "/access-requests")}, DropAfterProcessingRatio: 0.2})
		c := fakeClientFor(t, srv, api, soakPolicy)

		const creates = 300
		var mu sync.Mutex
		accepted, settled, unknown := 0, 0, 0
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for i := range creates {
			wg.Add(1)
			sem <- struct{}{}
			go func() {
				defer func() { <-sem; wg.Done() }()
				req, err := facade.NewGrant().For(fmt.Sprintf("id-%04d", i)).Role("role-1").Build()
				if err != nil {
					t.Error(err)
					return
				}
				res, err := c.Create(context.Background(), req)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil && res.Settled != nil:
					settled++
				case err == nil:
					accepted++
				case errors.Is(err, facade.ErrOutcomeUnknown):
					unknown++
				default:
					t.Errorf("create %d: an outcome that is neither accepted nor unknown: %v", i, noteErr(err))
				}
			}()
		}
		wg.Wait()

		delivered, dropped := 0, 0
		for _, r := range srv.Received() {
			if r.Method == "POST" && r.Path == wirePath(api, "/access-requests") {
				if r.Dropped {
					dropped++
				} else if r.Status == http.StatusAccepted {
					delivered++
				}
			}
		}
		assert.Equal(t, creates, srv.Count("POST", wirePath(api, "/access-requests"), 0), "no create was sent twice")
		assert.Equal(t, creates, srv.Creates(), "the server acted on every create exactly once")
		assert.Equal(t, delivered, accepted, "what the client reports accepted is what the server answered")
		assert.Equal(t, dropped, settled, "every lost answer is settled by lookup")
		assert.Zero(t, unknown, "the tenant acted on every create: none is left unknown")
		assert.Positive(t, settled)
		t.Logf("%d creates: %d accepted, %d settled by lookup, %d unknown", creates, accepted, settled, unknown)
	})
}

func TestTokensRevokedMidListingAreRefreshed(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv := fake.NewServer()
		defer srv.Close()
		srv.SeedStatuses(1000, "id-1", time.Now())
		c := fakeClientFor(t, srv, api)
		n := 0
		for _, err := range c.ListStatus(context.Background(), facade.ListStatusParams{}) {
			require.NoError(t, noteErr(err))
			if n++; n == 300 {
				srv.RevokeTokens()
			}
		}
		assert.Equal(t, 1000, n)
		assert.Equal(t, 2, srv.TokenRequests())
	})
}

// endless streams a JSON array that never ends, to the first write error.
func endless(status int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		chunk := []byte(strings.Repeat(`{"id":"xxxxxxxxxxxxxxxx","name":"yyyyyyyyyyyyyyyyyyyy"},`, 200))
		if _, err := w.Write([]byte("[")); err != nil {
			return
		}
		for written := 0; written < 2<<30; written += len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	}
}

func TestHostileResponsesEndInAResultOrATypedError(t *testing.T) {
	t.Parallel()
	list := func(c *facade.Client, ctx context.Context) error {
		_, err := c.CollectStatus(ctx, facade.ListStatusParams{Count: true}, 0)
		return err
	}
	pageOf := func(n, from int) string {
		items := make([]facade.Status, n)
		for i := range items {
			id := fmt.Sprintf("ar-%05d", from+i)
			items[i].AccessRequestID = id
		}
		return mustJSON(items)
	}
	// lying serves 600 real items but claims total.
	lying := func(total string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			var off int
			_, _ = fmt.Sscan(r.URL.Query().Get("offset"), &off)
			reply(200, pageOf(max(0, min(250, 600-off)), off), "X-Total-Count", total)(w, r)
		}
	}
	cases := []struct {
		name    string
		pattern string
		handler http.HandlerFunc
		call    func(*facade.Client, context.Context) error
		want    error // nil: a result
	}{
		{"a 2 GB success body", "GET /access-request-status", endless(200), list, facade.ErrUndecodable},
		{"a 2 GB error body", "GET /access-request-status", endless(400), list, facade.ErrBadRequest},
		{"truncated JSON", "GET /access-request-status", reply(200, `[{"id":"a"},{"id":`), list, facade.ErrUndecodable},
		{"HTML with a JSON status", "GET /access-request-status", reply(200, "<html>maintenance</html>", "Content-Type", "text/html"), list, facade.ErrUndecodable},
		{"Retry-After of a year", "GET /access-request-status", reply(429, `{"message":"later"}`, "Retry-After", "31536000"), list, facade.ErrRateLimited},
		{"negative Retry-After", "GET /access-request-status", sequence(reply(429, `{}`, "Retry-After", "-30"), reply(200, `[]`)), list, nil},
		{"garbage Retry-After", "GET /access-request-status", reply(429, `{}`, "Retry-After", "soon™"), list, facade.ErrRateLimited},
		{"a total bigger than the truth", "GET /access-request-status", lying("1000000"), list, nil},
		{"a total smaller than the truth", "GET /access-request-status", lying("100"), list, nil},
		{"the same page twice", "GET /access-request-status", reply(200, pageOf(250, 0), "X-Total-Count", "5000"), list, facade.ErrInconsistentPage},
		{"a page longer than the limit", "GET /access-request-status", reply(200, pageOf(251, 0)), list, facade.ErrUndecodable},
		{"a JSON null page", "GET /access-request-status", reply(200, `null`), list, nil},
		{"a deeply nested body", "GET /access-request-config", reply(200, strings.Repeat("[", 100000)),
			func(c *facade.Client, ctx context.Context) error { _, err := c.GetConfig(ctx); return err }, facade.ErrUndecodable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t).lax()
			e.handle(tc.pattern, tc.handler)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			start := time.Now()
			err := noteErr(tc.call(e.client(), ctx))
			if tc.want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, tc.want)
			}
			assert.NotErrorIs(t, err, context.DeadlineExceeded, "ended by itself, not by the test's deadline")
			assert.Less(t, time.Since(start), 15*time.Second)
		})
	}
}

// TestHugeBodiesAreReadBounded runs alone (not in parallel) so that the allocation count is its
// own: a 2 GB answer costs the client a bounded amount of memory, for success and error alike.
func TestHugeBodiesAreReadBounded(t *testing.T) {
	for _, status := range []int{200, 400} {
		e := newEnv(t).lax()
		e.handle("GET /access-request-status", endless(status))
		c := e.client(facade.WithoutRetries())
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := c.ListStatusPage(context.Background(), facade.ListStatusParams{}, 0)
		runtime.ReadMemStats(&after)
		require.Error(t, noteErr(err))
		allocated := after.TotalAlloc - before.TotalAlloc
		t.Logf("HTTP %d with a 2 GB body: %d MiB allocated, error: %.80s", status, allocated>>20, err)
		assert.Less(t, allocated, uint64(64<<20), "reading is bounded (16 MiB kept, about twice that allocated while growing)")
	}
}

func TestListingDespiteALyingTotalGetsEveryItem(t *testing.T) {
	t.Parallel()
	for _, total := range []string{"100", "1000000"} {
		for _, prefetch := range []int{0, 4} {
			t.Run(fmt.Sprintf("total %s, prefetch %d", total, prefetch), func(t *testing.T) {
				t.Parallel()
				e := newEnv(t).lax()
				p := &pager{total: 600, failAt: -1}
				e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
					rec := &headerRewriter{ResponseWriter: w, total: total}
					p.ServeHTTP(rec, r)
				})
				got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{Count: true, Prefetch: prefetch}, 0)
				require.NoError(t, noteErr(err))
				assert.Len(t, got, 600)
			})
		}
	}
}

// headerRewriter replaces X-Total-Count with a lie.
type headerRewriter struct {
	http.ResponseWriter
	total string
}

func (h *headerRewriter) WriteHeader(code int) {
	h.Header().Set("X-Total-Count", h.total)
	h.ResponseWriter.WriteHeader(code)
}

func (h *headerRewriter) Write(p []byte) (int, error) {
	if h.Header().Get("X-Total-Count") != h.total {
		h.Header().Set("X-Total-Count", h.total)
	}
	return h.ResponseWriter.Write(p)
}

// TestSoakWritesOverHTTP2 sends creates, cancels and closes over TLS with HTTP/2 while the fake
// resets streams, closes them, answers as a failing gateway after acting, fails before acting
// and rate-limits. Whatever happens, the tenant acted on at most what the client could not rule
// out: accepted <= acted <= accepted + unknown, and no write was acted on twice.
func TestSoakWritesOverHTTP2(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv := fake.NewServer(fake.WithTLS(), fake.WithSeed(13))
		defer srv.Close()
		const perKind = 200
		ids := srv.SeedStatuses(2*perKind, "id-seed", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
		srv.SetFaults(fake.Faults{Methods: []string{"POST"}, RateLimitedRatio: 0.1, RetryAfter: "0", ServerErrorRatio: 0.05,
			ResetAfterProcessingRatio: 0.1, DropAfterProcessingRatio: 0.05, GatewayErrorRatio: 0.1})
		// A create answered 503 before the tenant acted is looked up for the settle period, in
		// real time here: keep it short.
		c := fakeClientFor(t, srv, api, soakPolicy, facade.WithHTTPClient(srv.Client()), facade.WithSettlePeriod(300*time.Millisecond))
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()

		// Each write has a key its body holds and no other body does.
		type write struct {
			key  string
			send func() error
		}
		var jobs []write
		for i := range perKind {
			identity := fmt.Sprintf("id-soak-%04d", i)
			jobs = append(jobs, write{identity, func() error { return writes[0].call(ctx, c, identity[3:]) }})
			jobs = append(jobs, write{ids[i], func() error { return writes[1].call(ctx, c, ids[i]) }})
			jobs = append(jobs, write{ids[perKind+i], func() error { return writes[2].call(ctx, c, ids[perKind+i]) }})
		}
		accepted := make(map[string]bool)
		unknown := 0
		var mu sync.Mutex
		var wg sync.WaitGroup
		sem := make(chan struct{}, 8)
		for _, j := range jobs {
			sem <- struct{}{}
			wg.Go(func() {
				defer func() { <-sem }()
				err := j.send()
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					accepted[j.key] = true
				case errors.Is(err, facade.ErrOutcomeUnknown):
					unknown++
				default:
					t.Errorf("%s: neither accepted nor unknown: %v", j.key, noteErr(err))
				}
			})
		}
		wg.Wait()

		sent, acted, duplicates := 0, map[string]int{}, 0
		for _, r := range srv.Received() {
			if r.Method != http.MethodPost || !strings.HasPrefix(r.Path, wirePath(api, "/access-requests")) {
				continue
			}
			sent++
			if r.Status < 200 || r.Status > 299 {
				continue
			}
			for _, j := range jobs {
				if strings.Contains(string(r.Body), j.key) {
					acted[j.key]++
					if acted[j.key] > 1 {
						duplicates++
					}
				}
			}
		}
		for key := range accepted {
			assert.Equal(t, 1, acted[key], "an accepted write was acted on once: %s", key)
		}
		assert.Zero(t, duplicates, "no write was acted on twice")
		assert.GreaterOrEqual(t, len(acted), len(accepted))
		assert.LessOrEqual(t, len(acted), len(accepted)+unknown, "the tenant acted on nothing the client reported as failed")
		assert.Positive(t, unknown)
		assert.Greater(t, sent, len(jobs), "429s were retried")
		for _, r := range srv.Received() {
			assert.Equal(t, "HTTP/2.0", r.Proto)
		}
		t.Logf("%d writes, %d POSTs sent: %d acted on, %d accepted, %d unknown, %d duplicates",
			len(jobs), sent, len(acted), len(accepted), unknown, duplicates)
	})
}
