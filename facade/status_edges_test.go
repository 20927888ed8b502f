package facade_test

import (
	"context"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// The listing's limits are checked at their edges before anything is sent: prefetch up to
// MaxPrefetch (32, as documented: a larger value would be a change of contract), offsets up to
// 2^31-1, and no white space around an identity filter.
func TestListingLimitsAtTheirEdges(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax()
		e.handle("GET /access-request-status", reply(200, `[]`))
		c := e.client()
		ctx := context.Background()

		_, err := c.CollectStatus(ctx, facade.ListStatusParams{Prefetch: 32}, 0)
		require.NoError(t, noteErr(err), "Prefetch = MaxPrefetch is allowed")
		_, err = c.CollectStatus(ctx, facade.ListStatusParams{Prefetch: 33}, 0)
		require.ErrorIs(t, err, facade.ErrInvalidInput)
		assert.Contains(t, err.Error(), "prefetch must be between 0 and 32, got 33")

		_, err = c.ListStatusPage(ctx, facade.ListStatusParams{}, math.MaxInt32)
		require.NoError(t, noteErr(err), "the largest offset the spec allows")
		_, err = c.ListStatusPage(ctx, facade.ListStatusParams{}, math.MaxInt32+1)
		require.ErrorIs(t, err, facade.ErrInvalidInput)
		assert.Contains(t, err.Error(), "offset must be between 0 and 2147483647")

		for _, q := range []facade.ListStatusParams{{RequestedFor: " id-1"}, {RequestedBy: "id-1 "}, {RegardingIdentity: "\tid-1"}, {AssignedTo: "id-1\n"}} {
			before := e.calls.Load()
			_, err = c.ListStatusPage(ctx, q, 0)
			require.ErrorIs(t, err, facade.ErrInvalidInput, "%+v", q)
			assert.Contains(t, err.Error(), "must not start or end with white space")
			assert.Equal(t, before, e.calls.Load(), "nothing was sent")
		}
	})
}

// Each problem of a listing's input names its field and its rule, in full. Guards prepare's and
// typedOrRaw's problems (each field and rule in its place).
func TestAListingsInputProblemsAreNamed(t *testing.T) {
	t.Parallel()
	c := newEnv(t).client()
	for _, tc := range []struct {
		q    facade.ListStatusParams
		want facade.FieldError
	}{
		{facade.ListStatusParams{RegardingIdentity: "id-1", RequestedBy: "id-2"}, facade.FieldError{Field: "regarding-identity", Rule: "cannot be combined with requested-for or requested-by"}},
		{facade.ListStatusParams{PageSize: facade.MaxPageSize + 1}, facade.FieldError{Field: "limit", Rule: "must be between 1 and 250, got 251"}},
		{facade.ListStatusParams{AssignedTo: " id-1"}, facade.FieldError{Field: "assigned-to", Rule: "must not start or end with white space"}},
		{facade.ListStatusParams{Sorters: []facade.SortKey{facade.Asc("no-such-field")}},
			facade.FieldError{Field: "sorters", Rule: `sorter "no-such-field" is not supported by listAccessRequestStatus (supported: created, modified, accountActivityItemId, name)`}},
	} {
		_, err := c.ListStatusPage(context.Background(), tc.q, 0)
		var ve *facade.ValidationError
		require.ErrorAs(t, err, &ve, "%+v", tc.q)
		assert.Equal(t, []facade.FieldError{tc.want}, ve.Problems)
	}
}

// A total of zero is a total: the server said there is nothing; a count that is not a number,
// or is negative, is no total; one past the spec's int32 is capped. Guards page's reading of
// X-Total-Count.
func TestATotalOfZeroIsReported(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, tc := range []struct {
			header string
			total  int
			has    bool
		}{{"0", 0, true}, {" 42 ", 42, true}, {"9999999999", math.MaxInt32, true}, {"-1", 0, false}, {"many", 0, false}, {"", 0, false}} {
			e := newEnvFor(t, api).lax()
			e.handle("GET /access-request-status", reply(200, `[]`, "X-Total-Count", tc.header))
			page, err := e.client().ListStatusPage(context.Background(), facade.ListStatusParams{Count: true}, 0)
			require.NoError(t, noteErr(err))
			assert.Equal(t, tc.has, page.HasTotal, "X-Total-Count %q", tc.header)
			assert.Equal(t, tc.total, page.Total, "X-Total-Count %q", tc.header)
		}
	})
}

// CollectStatus returns at most limit statuses, exactly limit when there are more.
func TestCollectStatusStopsAtItsLimit(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		p := &pager{total: 10, failAt: -1}
		e.handle("GET /access-request-status", p.ServeHTTP)
		got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{PageSize: 2}, 3)
		require.NoError(t, noteErr(err))
		assert.Len(t, got, 3)
		got, err = e.client().CollectStatus(context.Background(), facade.ListStatusParams{PageSize: 2}, 1)
		require.NoError(t, noteErr(err))
		assert.Len(t, got, 1, "a limit of one")
	})
}

// Prefetch never has more pages in flight than asked. Each request is held for a while (or
// until one more than the window has arrived), so that the window's requests overlap.
func TestPrefetchKeepsAtMostItsWindowInFlight(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, window := range []int{2, 4} {
			e := newEnvFor(t, api)
			var (
				mu             sync.Mutex
				inFlight, most int
				overflow       = make(chan struct{})
				once           sync.Once
			)
			p := &pager{total: 250 * 12, failAt: -1}
			e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				if inFlight > window {
					once.Do(func() { close(overflow) })
				}
				mu.Unlock()
				select {
				case <-overflow:
				case <-time.After(50 * time.Millisecond):
				}
				p.ServeHTTP(w, r)
				mu.Lock()
				inFlight--
				mu.Unlock()
			})
			_, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{Prefetch: window}, 0)
			require.NoError(t, noteErr(err))
			assert.LessOrEqual(t, most, window, "pages in flight at once, window %d", window)
			assert.Greater(t, most, 1, "window %d: pages were fetched ahead", window)
		}
	})
}

// A page past the claimed total is asked for only once the page before it came back full.
func TestPrefetchDoesNotAskPastTheClaimedTotalAhead(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		p := &pager{total: 300, failAt: -1, claim: "500"} // the server claims 500 and has 300
		// The short page at 250 is held back a while (or until a request past it arrives), so that a
		// request the client should not have sent reaches the server before the listing ends.
		past := make(chan struct{})
		var once sync.Once
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			switch off, _ := strconv.Atoi(r.URL.Query().Get("offset")); {
			case off >= 500:
				once.Do(func() { close(past) })
			case off == 250:
				select {
				case <-past:
				case <-time.After(200 * time.Millisecond):
				}
			}
			p.ServeHTTP(w, r)
		})
		got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{Count: true, Prefetch: 4}, 0)
		require.NoError(t, noteErr(err))
		assert.Len(t, got, 300)
		assert.ElementsMatch(t, []int{0, 250}, p.asked(), "the page at the claimed total was not needed")
	})
}

// Wait's defaults: the first poll comes 2 s after the first answer, and waits grow to 30 s.
func TestWaitDefaults(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		var n int
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			n++
			state := "EXECUTING"
			if n == 12 {
				state = "REQUEST_COMPLETED"
			}
			reply(200, `[{"accessRequestId":"ar-1","state":"`+state+`"}]`)(w, r)
		})
		_, err := e.client().Wait(context.Background(), "ar-1", facade.WaitParams{})
		require.NoError(t, noteErr(err))
		waits := e.clock.Waits()
		require.Len(t, waits, 11)
		assert.Equal(t, 2*time.Second, waits[0])
		assert.Equal(t, 3*time.Second, waits[1])
		assert.Equal(t, 30*time.Second, waits[len(waits)-1], "capped at 30 s")
	})
}

// The end of a listing at a 400 before the claimed total is worth a warning; at the total it is
// the expected end.
func TestAnEndBeforeTheClaimedTotalIsWarnedAbout(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		for _, tc := range []struct {
			claim string
			warn  bool
		}{{"750", true}, {"500", false}} {
			e := newEnvFor(t, api).lax()
			p := &pager{total: 500, failAt: -1, end400: true, claim: tc.claim}
			e.handle("GET /access-request-status", p.ServeHTTP)
			got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{Count: true}, 0)
			require.NoError(t, noteErr(err))
			assert.Len(t, got, 500)
			assert.Equal(t, tc.warn, strings.Contains(e.logs.String(), "before the total the server claimed"), "claimed %s", tc.claim)
			op := e.op("listAccessRequestStatus")
			if tc.warn {
				assert.Contains(t, e.logs.String(), `level=WARN msg="listing ended at a 400 for the offset after a full page, before the total the server claimed" operation=`+op+" offset=500 total=750\n")
			} else {
				assert.Contains(t, e.logs.String(), `level=DEBUG msg="listing ended at a 400 for the offset after a full page" operation=`+op+" offset=500\n")
			}
		}
	})
}

// A context ended while the caller handles a page ends the listing before the next page is
// asked: its error, as the context gives it, is the last value. Guards sequential's check of
// ctx between pages.
func TestAListingChecksItsContextBetweenPages(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	p := &pager{total: 50, failAt: -1}
	e.handle("GET /access-request-status", p.ServeHTTP)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var pages int
	var last error
	for page, err := range e.client().ListStatusPages(ctx, facade.ListStatusParams{PageSize: 10}) {
		if err != nil {
			last = err
			continue
		}
		pages++
		cancel()
		require.NotNil(t, page)
	}
	assert.Equal(t, 1, pages)
	assert.Equal(t, context.Canceled, last)
	assert.EqualValues(t, 1, e.calls.Load(), "no page asked after the context ended")
}

// A server that leaves out X-Total-Count (asked for with count=true while prefetching) still
// has pages fetched ahead: with no total, the window is filled all the same. Each page after
// the first is held until another is in flight beside it (or a while), so pages fetched one at
// a time show as one in flight. Guards Client.prefetch's use of the total only when the first
// page had one.
func TestPrefetchWithoutATotalStillFetchesAhead(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api).lax() // the harness would report the missing header
		p := &pager{total: 40, failAt: -1}
		var (
			mu             sync.Mutex
			inFlight, most int
			together       = make(chan struct{})
			once           sync.Once
		)
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			assert.Equal(t, "true", q.Get("count"), "a prefetching listing asks for the total")
			q.Del("count") // the server answers without X-Total-Count
			r.URL.RawQuery = q.Encode()
			if q.Get("offset") != "0" {
				mu.Lock()
				inFlight++
				most = max(most, inFlight)
				if inFlight > 1 {
					once.Do(func() { close(together) })
				}
				mu.Unlock()
				select {
				case <-together:
				case <-r.Context().Done():
				case <-time.After(time.Second):
				}
				defer func() { mu.Lock(); inFlight--; mu.Unlock() }()
			}
			p.ServeHTTP(w, r)
		})
		got, err := e.client().CollectStatus(context.Background(), facade.ListStatusParams{PageSize: 10, Prefetch: 4}, 0)
		require.NoError(t, noteErr(err))
		assert.Len(t, got, 40)
		mu.Lock()
		defer mu.Unlock()
		assert.Greater(t, most, 1, "pages were fetched ahead without a total")
	})
}
