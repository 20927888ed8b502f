package facade_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/internal/filter"
)

// fastWait polls without pause: the fake's scripts count listings, not time.
var fastWait = facade.WaitParams{Interval: time.Microsecond, MaxInterval: time.Microsecond}

// scriptedTenant seeds n EXECUTING requests, each completed once it has been listed polls
// times, and returns a client of generation api for it.
func scriptedTenant(t *testing.T, api facade.API, n, polls int) (*fake.Server, *facade.Client, []string) {
	t.Helper()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	ids := srv.SeedStatuses(n, "id-wait", time.Now().Add(-time.Hour))
	for _, id := range ids {
		require.True(t, srv.Script(id, fake.Step{Polls: polls, Outcome: fake.Complete}))
	}
	return srv, fakeClientFor(t, srv, api), ids
}

// listingCalls counts the status listings the tenant received.
func listingCalls(srv *fake.Server) (calls, longestURL int) {
	for _, r := range srv.Received() {
		if r.Method == http.MethodGet { // every listing (the token is a POST)
			calls++
			longestURL = max(longestURL, len(srv.URL)+len(r.Path)+1+len(r.Query))
		}
	}
	return calls, longestURL
}

// WaitAll asks for many ids per listing where the listing takes "in" on the id, and only for
// the requests not final yet: 1,000 requests, each completing after 3 listings, cost 4 rounds
// of ceil(1,000 / ids per URL) listings, against one listing per id per round one by one.
func TestWaitAllPollsManyRequestsPerListing(t *testing.T) {
	t.Parallel()
	const n, polls = 1000, 3
	cases := []struct {
		name  string
		api   facade.API
		admin bool
		most  int // the listings WaitAll may make
	}{
		{"beta", facade.APIBeta, false, 4 * 6},
		{"v1 administrators' listing", facade.APIV1, true, 4 * 6},
		{"v1 user listing (no in on the id)", facade.APIV1, false, 4 * n},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, c, ids := scriptedTenant(t, tc.api, n, polls)
			p := fastWait
			p.Admin = tc.admin
			var order []string
			p.OnFinal = func(id string, rows []facade.Status) error {
				order = append(order, id)
				assert.Equal(t, facade.StateRequestCompleted, rows[0].State)
				return nil
			}
			res, err := c.WaitAll(context.Background(), ids, p)
			require.NoError(t, noteErr(err))
			require.Len(t, res.Final, n)
			assert.ElementsMatch(t, ids, order, "OnFinal saw every request once")
			assert.Empty(t, res.Pending)
			assert.Empty(t, res.NotFound)
			assert.Equal(t, polls+1, res.Polls)
			calls, longest := listingCalls(srv)
			assert.Equal(t, res.Listings, calls)
			assert.LessOrEqual(t, calls, tc.most)
			assert.LessOrEqual(t, longest, facade.MaxLookupURL)
			t.Logf("WaitAll, %s: %d requests in %d listings over %d polls, longest URL %d bytes", tc.name, n, calls, res.Polls, longest)
		})
	}
	t.Run("Wait one by one", func(t *testing.T) {
		t.Parallel()
		srv, c, ids := scriptedTenant(t, facade.APIBeta, n, polls)
		for _, id := range ids {
			st, err := c.Wait(context.Background(), id, fastWait)
			require.NoError(t, noteErr(err))
			require.Equal(t, facade.StateRequestCompleted, st.State)
		}
		calls, _ := listingCalls(srv)
		assert.Equal(t, (polls+1)*n, calls)
		t.Logf("Wait one by one: %d requests in %d listings", n, calls)
	})
}

// randomIDs makes n ids of the length the vendor's have (32 hex digits), some with characters
// the filter quotes and the URL escapes.
func randomIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		ids[i] = hex.EncodeToString(b)
		if i%7 == 0 {
			ids[i] += ` "é"&+` // quoted, escaped, and several bytes once escaped
		}
	}
	return ids
}

// No listing of a lookup by id passes MaxLookupURL, whatever the ids, and each listing but the
// last is full (one more id would have passed it); every id is asked exactly once.
func TestWaitAllKeepsEveryURLWithinTheBound(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	c := fakeClientFor(t, srv, facade.APIBeta)
	ids := randomIDs(10000)
	res, err := c.WaitAll(context.Background(), ids, fastWait)
	require.ErrorIs(t, noteErr(err), facade.ErrNotFound)
	assert.Contains(t, err.Error(), "access request "+ids[0]+" and 9999 more")
	assert.Len(t, res.NotFound, len(ids))

	asked := map[string]int{}
	var lengths []int
	for _, r := range srv.Received() {
		if r.Method != http.MethodGet {
			continue // the token
		}
		q, err := url.ParseQuery(r.Query)
		require.NoError(t, err)
		expr, err := filter.Parse(q.Get("filters"))
		require.NoError(t, err)
		require.Len(t, expr, 1)
		for _, v := range expr[0].Values {
			asked[v]++
		}
		lengths = append(lengths, len(srv.URL)+len(r.Path)+1+len(r.Query))
	}
	require.Len(t, asked, len(ids))
	for _, id := range ids {
		require.Equal(t, 1, asked[id], "id %q", id)
	}
	longest := 0
	for i, n := range lengths {
		assert.LessOrEqual(t, n, facade.MaxLookupURL)
		if i < len(lengths)-1 {
			assert.Greater(t, n, facade.MaxLookupURL-len(url.QueryEscape(`,"`+strings.Repeat("x", 32)+` \"é\"&+"`)), "listing %d is not full", i)
		}
		longest = max(longest, n)
	}
	assert.Equal(t, res.Listings, len(lengths))
	t.Logf("10,000 ids in %d listings, longest URL %d bytes (bound %d)", len(lengths), longest, facade.MaxLookupURL)
}

// An id that alone makes a URL past the bound is refused before anything is sent, wherever it
// stands among the ids, with the length of its own URL (not of a batch it would begin). Guards
// idBatches' check of a batch's first id.
func TestWaitAllRefusesAnIDTooLongForTheBound(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	c := fakeClientFor(t, srv, facade.APIBeta)
	long := strings.Repeat("x", facade.MaxLookupURL)
	_, alone := c.WaitAll(context.Background(), []string{long}, fastWait)
	require.ErrorIs(t, noteErr(alone), facade.ErrInvalidInput)
	assert.Regexp(t, `accessRequestId makes a lookup URL of 8\d{3} bytes, more than MaxLookupURL \(8000\)`, alone.Error())
	for _, ids := range [][]string{{"ok", long}, {long, "ok", "ok-2"}} {
		_, err := c.WaitAll(context.Background(), ids, fastWait)
		require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
		assert.Equal(t, alone.Error(), err.Error())
	}
	calls, _ := listingCalls(srv)
	assert.Zero(t, calls)
}

// A server that ignores the filter cannot pass another request off as the one asked for.
func TestWaitTakesOnlyTheRequestAskedFor(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		e.handle("GET /access-request-status", reply(200, `[{"accessRequestId":"someone-elses","state":"REQUEST_COMPLETED"}]`))
		_, err := e.client().Wait(context.Background(), "mine", facade.WaitParams{})
		require.ErrorIs(t, noteErr(err), facade.ErrNotFound)
		res, err := e.client().WaitAll(context.Background(), []string{"mine", "also-mine"}, facade.WaitParams{})
		require.ErrorIs(t, noteErr(err), facade.ErrNotFound)
		assert.Empty(t, res.Final)
		assert.Equal(t, []string{"mine", "also-mine"}, res.NotFound)
	})
}

// A request with several items is final when every row is: one final row does not end it.
func TestWaitWaitsForEveryItemOfARequest(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		e := newEnvFor(t, api)
		n := 0
		e.handle("GET /access-request-status", func(w http.ResponseWriter, r *http.Request) {
			n++
			second := "EXECUTING"
			if n >= 3 {
				second = "REJECTED"
			}
			reply(200, `[{"accessRequestId":"ar-1","accountActivityItemId":"i1","state":"REQUEST_COMPLETED"},`+
				`{"accessRequestId":"ar-1","accountActivityItemId":"i2","state":"`+second+`"}]`)(w, r)
		})
		res, err := e.client().WaitAll(context.Background(), []string{"ar-1"}, facade.WaitParams{})
		require.NoError(t, noteErr(err))
		assert.Equal(t, 3, res.Polls)
		require.Len(t, res.Final["ar-1"], 2)
		assert.Equal(t, facade.StateRejected, res.Final["ar-1"][1].State)
	})
}

// Timeout ends the wait with the ids not final in Pending and an error matching
// context.DeadlineExceeded; the requests that ended are kept.
func TestWaitAllTimeoutReportsWhatIsStillPending(t *testing.T) {
	t.Parallel()
	srv, c, ids := scriptedTenant(t, facade.APIBeta, 4, 1)
	require.True(t, srv.Script(ids[2], fake.Step{Polls: 1 << 30, Outcome: fake.Complete}))
	p := fastWait
	p.Interval, p.MaxInterval, p.Timeout = 5*time.Millisecond, 5*time.Millisecond, 300*time.Millisecond
	res, err := c.WaitAll(context.Background(), ids, p)
	require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
	assert.Contains(t, err.Error(), "1 request(s) not final after 300ms")
	assert.Equal(t, []string{ids[2]}, res.Pending)
	assert.Len(t, res.Final, 3)

	_, err = c.Wait(context.Background(), ids[2], p)
	require.ErrorIs(t, noteErr(err), context.DeadlineExceeded)
}

// Bad parameters are refused before anything is sent, naming the field and the rule.
func TestWaitRefusesBadParamsBeforeSending(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	c := fakeClientFor(t, srv, facade.APIBeta)
	for _, tc := range []struct {
		p    facade.WaitParams
		ids  []string
		want string
	}{
		{facade.WaitParams{Interval: -time.Second}, []string{"a"}, "interval must not be negative, got -1s"},
		{facade.WaitParams{MaxInterval: -time.Second}, []string{"a"}, "maxInterval must not be negative"},
		{facade.WaitParams{Timeout: -time.Second}, []string{"a"}, "timeout must not be negative"},
		{facade.WaitParams{Interval: time.Minute, MaxInterval: time.Second}, []string{"a"}, "maxInterval must not be less than interval (1m0s), got 1s"},
		{facade.WaitParams{Interval: 2, MaxInterval: 1}, []string{"a"}, "maxInterval must not be less than interval (2ns), got 1ns"},
		{facade.WaitParams{}, []string{"a", "a"}, "accessRequestIds[1] repeats accessRequestIds[0] (a)"},
		{facade.WaitParams{}, nil, "accessRequestIds must name at least one request"},
	} {
		_, err := c.WaitAll(context.Background(), tc.ids, tc.p)
		require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput, tc.want)
		assert.Contains(t, err.Error(), tc.want)
		if len(tc.ids) == 1 {
			_, err = c.Wait(context.Background(), tc.ids[0], tc.p)
			require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput, tc.want)
			assert.Contains(t, err.Error(), tc.want)
		}
	}
	calls, _ := listingCalls(srv)
	assert.Zero(t, calls)
	// The beta has no administrators' listing.
	_, err := c.WaitAll(context.Background(), []string{"a"}, facade.WaitParams{Admin: true})
	require.ErrorIs(t, noteErr(err), facade.ErrNotInAPI)
}

// An id the filter cannot carry (a control character) is refused before anything is sent,
// alone or inside a batch, on each listing.
func TestWaitAllRefusesAnIDTheFilterCannotCarry(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv := fake.NewServer()
		t.Cleanup(srv.Close)
		c := fakeClientFor(t, srv, api)
		for _, ids := range [][]string{{"bad\x01"}, {"ok-1", "ok-2", "bad\x01"}} {
			_, err := c.WaitAll(context.Background(), ids, fastWait)
			require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput, "%q", ids)
		}
		calls, _ := listingCalls(srv)
		assert.Zero(t, calls)
	})
}

// An error from OnFinal ends the wait at once with that error: the request it was given is in
// Final, the requests not yet final and those not looked at in that poll are in Pending, and
// nothing more is listed. (wait.go: the OnFinal error path.)
func TestWaitAllEndsWhenOnFinalFails(t *testing.T) {
	t.Parallel()
	srv, c, ids := scriptedTenant(t, facade.APIBeta, 4, 1)
	require.True(t, srv.Script(ids[0], fake.Step{Polls: 1 << 30, Outcome: fake.Complete}))
	stop := errors.New("caller stops here")
	p := fastWait
	p.Timeout = 10 * time.Second // ids[0] never ends: the wait would go on without OnFinal's error
	var seen []string
	p.OnFinal = func(id string, _ []facade.Status) error {
		seen = append(seen, id)
		if len(seen) == 2 {
			return stop
		}
		return nil
	}
	res, err := c.WaitAll(context.Background(), ids, p)
	require.ErrorIs(t, noteErr(err), stop)
	require.Len(t, seen, 2)
	assert.Len(t, res.Final, 2, "the requests OnFinal was given")
	for _, id := range seen {
		assert.Contains(t, res.Final, id)
	}
	assert.ElementsMatch(t, ids, append(append([]string{}, seen...), res.Pending...),
		"every id is in Final or Pending, once")
	calls, _ := listingCalls(srv)
	assert.Equal(t, res.Listings, calls, "no listing after OnFinal failed")
	assert.Equal(t, 2, res.Polls)
}

// WaitAll with Admin polls the administrators' listing and names it in its errors, on the
// successor; on the beta, which has no such listing, it is refused before anything is sent.
// (wait.go: the operation chosen for p.Admin.)
func TestWaitAllWithAdminNamesTheAdministratorsListing(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer()
	t.Cleanup(srv.Close)
	p := fastWait
	p.Admin = true
	_, err := fakeClientFor(t, srv, facade.APIV1).WaitAll(context.Background(), []string{"nobody-has-this"}, p)
	require.ErrorIs(t, noteErr(err), facade.ErrNotFound)
	assert.Contains(t, err.Error(), "listAdministratorsAccessRequestStatusV1")
	for _, r := range srv.Received() {
		if r.Method == http.MethodGet {
			assert.Contains(t, r.Path, "access-request-administration", "every listing is the administrators'")
		}
	}

	before := len(srv.Received())
	res, err := fakeClientFor(t, srv, facade.APIBeta).WaitAll(context.Background(), []string{"x"}, p)
	require.ErrorIs(t, noteErr(err), facade.ErrNotInAPI)
	assert.Nil(t, res, "refused before any poll, as bad ids are")
	assert.Contains(t, err.Error(), "WaitAll")
	assert.Len(t, srv.Received(), before, "nothing sent")
}
