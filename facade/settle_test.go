package facade_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
	"github.com/sailkit/accessrequests/fake"
)

// settleRequest is a create for two identities and two items, with the caller's own metadata on
// the request and on an item.
func settleRequest(t *testing.T) facade.AccessRequest {
	t.Helper()
	req, err := facade.NewGrant().For("id-1", "id-2").Role("role-1").AccessProfile("ap-1").Build()
	require.NoError(t, err)
	req.ClientMetadata = map[string]string{"ticket": "CHG-1"}
	req.RequestedItems[1].ClientMetadata = map[string]string{"item": "i-1"}
	return req
}

// settledFake is a fake tenant over TLS with HTTP/2 on a virtual clock the client shares, with
// its client (extra options after the fake's).
func settledFake(t *testing.T, api facade.API, opts ...facade.Option) (*fake.Server, *facade.Client, *fakeClock) {
	t.Helper()
	clock := &fakeClock{now: time.Now().UTC().Truncate(time.Millisecond)}
	srv := fake.NewServer(fake.WithTLS(), fake.WithClock(clock.Now))
	t.Cleanup(srv.Close)
	base := []facade.Option{facade.WithHTTPClient(srv.Client()), facade.WithClock(clock.Now, clock.Sleep)}
	return srv, fakeClientFor(t, srv, api, append(base, opts...)...), clock
}

func TestCreateWithLostAnswerIsSettledByLookup(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c, _ := settledFake(t, api)
		create := wirePath(api, "/access-requests")
		// An earlier create for the same identity, in the same window: its rows carry another key.
		other, err := facade.NewGrant().For("id-1").Role("role-other").Build()
		require.NoError(t, err)
		_, err = c.Create(context.Background(), other)
		require.NoError(t, noteErr(err))
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Path: create, Reset: true})
		req := settleRequest(t)
		before := maps.Clone(req.ClientMetadata)

		res, err := c.Create(context.Background(), req)
		require.NoError(t, noteErr(err))
		require.NotNil(t, res.Settled, "the outcome was settled by lookup")
		assert.ErrorIs(t, res.Settled.Cause, facade.ErrOutcomeUnknown, "the settlement keeps what left the outcome unknown")
		assert.Len(t, res.Settled.Key, 32)
		assert.Equal(t, 4, res.Settled.Matched)
		assert.Empty(t, res.Settled.Unseen)
		assert.Equal(t, []string{"id-1", "id-2"}, res.Settled.Lookup.RequestedFor)
		assert.Equal(t, 2, res.Settled.Lookup.Lookups, "one listing per identity, found at once")

		// The ids returned are exactly the ids the server made, by identity.
		byIdentity := map[string][]string{}
		for _, st := range srv.Statuses() {
			if st.ID == "role-other" {
				assert.NotEqual(t, res.Settled.Key, st.ClientMetadata[facade.SettleKey])
				continue
			}
			byIdentity[st.RequestedFor.ID] = append(byIdentity[st.RequestedFor.ID], st.AccessRequestID)
			assert.Equal(t, res.Settled.Key, st.ClientMetadata[facade.SettleKey])
		}
		require.Len(t, res.NewRequests, 2)
		for _, tr := range res.NewRequests {
			assert.ElementsMatch(t, byIdentity[tr.RequestedFor], tr.AccessRequestIDs, tr.RequestedFor)
			assert.Len(t, tr.RequestedItemsDetails, 2)
		}
		assert.Equal(t, 2, srv.Count(http.MethodPost, create, 0), "each create was sent once")
		assert.Equal(t, 2, srv.Creates())
		assert.Equal(t, before, req.ClientMetadata, "the caller's request is not changed")

		// What was asked: each identity, within the window, on the generation's own listing.
		var asked []string
		for _, r := range srv.Received() {
			if r.Method == http.MethodGet && r.Path == wirePath(api, "/access-request-status") {
				q, err := url.ParseQuery(r.Query)
				require.NoError(t, err)
				asked = append(asked, q.Get("requested-for"))
				assert.Equal(t, fmt.Sprintf("created ge %s and created le %s", res.Settled.Lookup.From.Format(wire), res.Settled.Lookup.To.Format(wire)),
					q.Get("filters"))
			}
		}
		assert.Equal(t, []string{"id-1", "id-2"}, asked)
		assert.True(t, res.Settled.Lookup.From.Before(res.Settled.Lookup.To))
	})
}

// wire is how the filters write a time.
const wire = "2006-01-02T15:04:05.000Z07:00"

func TestCreateNeverActedOnEndsUnknownAfterTheSettlePeriod(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c, clock := settledFake(t, api)
		create := wirePath(api, "/access-requests")
		// A gateway's 502 before the tenant acted: to the client, the outcome is unknown.
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Path: create, Status: http.StatusBadGateway})
		req, err := facade.NewGrant().For("id-1").Role("role-1").Build()
		require.NoError(t, err)

		res, err := c.Create(context.Background(), req)
		require.Error(t, err)
		assert.Nil(t, res)
		assert.ErrorIs(t, err, facade.ErrOutcomeUnknown)
		assert.ErrorIs(t, err, facade.ErrServer, "the 502 is still there to match")
		var ue *facade.UnsettledError
		require.ErrorAs(t, err, &ue)
		assert.Len(t, ue.Key, 32)
		assert.NoError(t, ue.LookupErr)
		assert.Equal(t, facade.DefaultSettlePeriod, ue.Lookup.Elapsed, "looked for the whole settle period")

		var waited time.Duration
		for _, w := range clock.Waits() {
			waited += w
		}
		assert.Equal(t, facade.DefaultSettlePeriod, waited, "the lookups are paced over the period")
		assert.Equal(t, len(clock.Waits())+1, ue.Lookup.Lookups, "one lookup at once, one after each wait")
		assert.Equal(t, 13, ue.Lookup.Lookups, "paced: at 0, 2, 5, 9.5, 16.25, 26.375 s, then every 15 s, and at the end")
		assert.Equal(t, ue.Lookup.Lookups, srv.Count(http.MethodGet, wirePath(api, "/access-request-status"), 0))
		for _, part := range []string{facade.SettleKey + "=" + ue.Key, "requested-for id-1", "created ge ", "created le ", string(api.StatusListing())} {
			assert.Contains(t, err.Error(), part)
		}
		assert.Equal(t, 1, srv.Count(http.MethodPost, create, 0), "never sent again")
		assert.Zero(t, srv.Creates())
	})
}

// A create in the per-identity form whose answer was lost is settled the same way: each
// identity's items, as its entry names them, are looked for under that identity. Guards
// namedPairs' reading of the per-identity form.
func TestAPerIdentityCreateWithLostAnswerIsSettledByLookup(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c, _ := settledFake(t, api)
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Path: wirePath(api, "/access-requests"), Reset: true})
		req, err := facade.NewGrant().ForIdentity("id-1", facade.Item(facade.ItemTypeRole, "role-1")).
			ForIdentity("id-2", facade.Item(facade.ItemTypeRole, "role-1"), facade.Item(facade.ItemTypeAccessProfile, "ap-1")).Build()
		require.NoError(t, err)
		res, err := c.Create(context.Background(), req)
		require.NoError(t, noteErr(err))
		require.NotNil(t, res.Settled)
		assert.Equal(t, []string{"id-1", "id-2"}, res.Settled.Lookup.RequestedFor)
		assert.Equal(t, 3, res.Settled.Matched)
		assert.Empty(t, res.Settled.Unseen)
		require.Len(t, res.NewRequests, 2)
		assert.Len(t, res.NewRequests[0].RequestedItemsDetails, 1, res.NewRequests[0].RequestedFor)
		assert.Len(t, res.NewRequests[1].RequestedItemsDetails, 2, res.NewRequests[1].RequestedFor)
		assert.Equal(t, 1, srv.Creates(), "sent once")
	})
}

func TestSettlePeriodIsTheOptions(t *testing.T) {
	t.Parallel()
	srv, c, _ := settledFake(t, facade.APIV1, facade.WithSettlePeriod(10*time.Second))
	srv.FailNext(fake.NextFault{Method: http.MethodPost, Status: http.StatusGatewayTimeout})
	req, err := facade.NewGrant().For("id-1").Role("role-1").Build()
	require.NoError(t, err)
	_, err = c.Create(context.Background(), req)
	var ue *facade.UnsettledError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, 10*time.Second, ue.Lookup.Elapsed)
	assert.Equal(t, 5, ue.Lookup.Lookups, "at 0, 2, 5, 9.5 and 10 s")

	// The settling says so at info level, with what it looks for.
	var logged bytes.Buffer
	srv2, c2, _ := settledFake(t, facade.APIV1, facade.WithSettlePeriod(time.Second), facade.WithLogger(slog.New(slog.NewTextHandler(&logged, nil))))
	srv2.FailNext(fake.NextFault{Method: http.MethodPost, Status: http.StatusGatewayTimeout})
	_, err = c2.Create(context.Background(), req)
	require.ErrorAs(t, err, &ue)
	assert.Regexp(t, `level=INFO msg="create outcome unknown: looking up its key in the status listing" operation=createAccessRequestV1 key=`+ue.Key+
		` period=1s identities=1\n`, logged.String())

	// The option's own check (with a token long enough not to be refused first).
	for _, d := range []time.Duration{0, -time.Second} {
		_, err = facade.New(facade.WithBaseURL(srv.URL), facade.WithAccessToken("test-token-123"), facade.WithSettlePeriod(d))
		require.ErrorIs(t, err, facade.ErrInvalidInput)
		assert.Contains(t, err.Error(), "WithSettlePeriod: the period must be positive, got "+d.String())
	}
	// Any positive period, the shortest too: the settling then ends as soon as it began.
	srv3, c3, _ := settledFake(t, facade.APIV1, facade.WithSettlePeriod(time.Nanosecond))
	srv3.FailNext(fake.NextFault{Method: http.MethodPost, Status: http.StatusGatewayTimeout})
	_, err = c3.Create(context.Background(), req)
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, time.Nanosecond, ue.Lookup.Elapsed)
	assert.Equal(t, 2, ue.Lookup.Lookups, "at once, and at the period's end")
}

// An UnsettledError says what was looked up (the window from its start to its end), then the
// last lookup's error and the cause when there are any, and unwraps to both. Guards
// LookupSummary.String's order and UnsettledError's Error and Unwrap.
func TestAnUnsettledErrorSaysWhatWasLookedUp(t *testing.T) {
	from := time.Date(2026, 12, 6, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	lookup := facade.LookupSummary{Listing: facade.ListingBeta, RequestedFor: []string{"id-1", "id-2"}, From: from, To: from.Add(20 * time.Minute),
		Lookups: 3, Elapsed: 1500 * time.Microsecond}
	looked := "accessrequests: createAccessRequest: outcome unknown: no status carries clientMetadata " + facade.SettleKey + "=k-1 (looked up " +
		string(facade.ListingBeta) + " with requested-for id-1, id-2 and filters created ge 2026-12-06T08:00:00.000Z and created le 2026-12-06T08:20:00.000Z, 3 listing(s) over 2ms)"
	const may = "; the create may still have been acted on (not listed yet, or every item already pending): check before sending it again"
	lookupErr, cause := errors.New("listing refused"), errors.New("502 Bad Gateway")
	for _, tc := range []struct {
		e    *facade.UnsettledError
		want string
	}{
		{&facade.UnsettledError{Operation: "createAccessRequest", Key: "k-1", Lookup: lookup}, looked + may},
		{&facade.UnsettledError{Operation: "createAccessRequest", Key: "k-1", Lookup: lookup, LookupErr: lookupErr, Cause: cause},
			looked + "; the last lookup failed: listing refused" + may + ": 502 Bad Gateway"},
	} {
		assert.Equal(t, tc.want, tc.e.Error())
		assert.ErrorIs(t, tc.e, facade.ErrOutcomeUnknown)
		assert.Equal(t, tc.e.LookupErr != nil, errors.Is(tc.e, lookupErr))
		assert.Equal(t, tc.e.Cause != nil, errors.Is(tc.e, cause))
	}
	assert.Empty(t, (&facade.UnsettledError{}).Unwrap(), "nothing to unwrap")
}

func TestSettlingKeepsTheCallersMetadataAndRefusesItsKey(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c, _ := settledFake(t, api)
		res, err := c.Create(context.Background(), settleRequest(t))
		require.NoError(t, noteErr(err))
		assert.Nil(t, res.Settled, "the answer arrived: nothing to settle")
		sts := srv.Statuses()
		require.Len(t, sts, 4)
		for _, st := range sts {
			assert.Equal(t, "CHG-1", st.ClientMetadata["ticket"], "the caller's request metadata")
			assert.Len(t, st.ClientMetadata[facade.SettleKey], 32, "the key beside it")
			if st.ID == "ap-1" {
				assert.Equal(t, "i-1", st.ClientMetadata["item"], "the caller's item metadata")
			}
		}

		mine := map[string]string{facade.SettleKey: "mine"}
		for name, mutate := range map[string]func(*facade.AccessRequest){
			"clientMetadata":                   func(r *facade.AccessRequest) { r.ClientMetadata[facade.SettleKey] = "mine" },
			"requestedItems[1].clientMetadata": func(r *facade.AccessRequest) { r.RequestedItems[1].ClientMetadata[facade.SettleKey] = "mine" },
			"requestedForWithRequestedItems[1].requestedItems[0].clientMetadata": func(r *facade.AccessRequest) {
				role := facade.IdentityItem{Type: facade.ItemTypeRole, ID: "role-1"}
				marked := role
				marked.ClientMetadata = mine
				r.RequestedFor, r.RequestedItems = nil, nil
				r.RequestedForWithRequestedItems = []facade.IdentityRequest{
					{IdentityID: "id-1", RequestedItems: []facade.IdentityItem{role}},
					{IdentityID: "id-2", RequestedItems: []facade.IdentityItem{marked}},
				}
			},
		} {
			req := settleRequest(t)
			mutate(&req)
			_, err := c.Create(context.Background(), req)
			var ve *facade.ValidationError
			require.ErrorAs(t, err, &ve, name)
			require.Len(t, ve.Problems, 1, name)
			assert.Equal(t, name, ve.Problems[0].Field)
			assert.Equal(t, `must not hold the key "`+facade.SettleKey+`": the client sets it on every create (see SettleKey)`, ve.Problems[0].Rule)
		}
		assert.Equal(t, 1, srv.Creates(), "nothing sent for the refused requests")
	})
}

func TestWithoutSettlingAnUnknownOutcomeIsReturned(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		srv, c, _ := settledFake(t, api, facade.WithoutSettling())
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Path: wirePath(api, "/access-requests"), Reset: true})
		res, err := c.Create(context.Background(), settleRequest(t))
		assert.Nil(t, res)
		var ou *facade.OutcomeUnknownError
		require.ErrorAs(t, err, &ou)
		var ue *facade.UnsettledError
		assert.False(t, errors.As(err, &ue))
		assert.Zero(t, srv.Count(http.MethodGet, wirePath(api, "/access-request-status"), 0), "nothing looked up")
		require.Equal(t, 1, srv.Creates(), "the server acted")
		for _, st := range srv.Statuses() {
			assert.NotContains(t, st.ClientMetadata, facade.SettleKey, "no key sent")
			assert.Equal(t, "CHG-1", st.ClientMetadata["ticket"])
		}
	})
}

func TestSettlingLookupsAreOrdinaryCalls(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		var mu sync.Mutex
		var attempts []facade.Attempt
		var ops []string
		hooks := facade.WithHooks(facade.Hooks{
			Attempt: func(_ context.Context, a facade.Attempt) { mu.Lock(); attempts = append(attempts, a); mu.Unlock() },
			OperationDone: func(_ context.Context, op facade.Operation) {
				mu.Lock()
				ops = append(ops, op.Name)
				mu.Unlock()
			},
		})
		const budget = 100
		policy := facade.WithRetryPolicy(facade.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: time.Millisecond,
			MaxRetryAfter: time.Minute, Budget: budget})
		srv, c, clock := settledFake(t, api, hooks, policy)
		status := wirePath(api, "/access-request-status")
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Path: wirePath(api, "/access-requests"), Reset: true},
			fake.NextFault{Method: http.MethodGet, Path: status, Status: http.StatusTooManyRequests, RetryAfter: "7"})
		req, err := facade.NewGrant().For("id-1").Role("role-1").Build()
		require.NoError(t, err)

		res, err := c.Create(context.Background(), req)
		require.NoError(t, noteErr(err))
		require.NotNil(t, res.Settled)

		listing := string(api.StatusListing())
		mu.Lock()
		defer mu.Unlock()
		assert.Contains(t, ops, listing, "the hooks saw the lookup")
		var statuses []int
		for _, a := range attempts {
			if a.Operation == listing {
				statuses = append(statuses, a.Status)
			}
		}
		assert.Equal(t, []int{http.StatusTooManyRequests, http.StatusOK}, statuses, "the 429 was retried")
		assert.True(t, slices.ContainsFunc(clock.Waits(), func(d time.Duration) bool { return d >= 7*time.Second }),
			"the lookup waited out the Retry-After: %v", clock.Waits())
		assert.Equal(t, budget-facade.RetryCost+1, facade.BudgetAvailable(c), "the retry was paid from the budget (and the success refunded one)")
		assert.Equal(t, 2, srv.Count(http.MethodGet, status, 0))
	})
}

// A tenant resetting every answer, lookups included, over HTTP/2: net/http's transport sends a
// reset GET again by itself, without end. The settle period bounds the lookups (their last
// round is given a few seconds more), so the create still ends, unknown.
func TestSettlingEndsWhenEveryLookupHangs(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer(fake.WithTLS())
	defer srv.Close()
	srv.SetFaults(fake.Faults{ResetAfterProcessingRatio: 1})
	c := fakeClientFor(t, srv, facade.APIV1, facade.WithHTTPClient(srv.Client()), soakPolicy, facade.WithSettlePeriod(time.Second))
	req, err := facade.NewGrant().For("id-1").Role("role-1").Build()
	require.NoError(t, err)
	_, err = c.Create(context.Background(), req)
	var ue *facade.UnsettledError
	require.ErrorAs(t, err, &ue)
	assert.ErrorIs(t, ue.LookupErr, context.DeadlineExceeded, "the last round was cut")
	assert.Equal(t, 1, srv.Count(http.MethodPost, wirePath(facade.APIV1, "/access-requests"), 0))
	assert.Equal(t, 1, srv.Creates(), "it was acted on, and never sent again")
}

// How a settling's lookups end: a transient failure mended by a later round leaves no lookup
// error behind; a permanent one (a 403) ends the round at once, before the next identity's
// listing; a context that ends while the settling waits between rounds ends it with no further
// listing. Guards settleCreate's reset of the round's error, its break on a permanent one, and
// its stop when the wait is cut.
func TestTheSettlingsLookupsEndAsTheyShould(t *testing.T) {
	t.Parallel()
	status := wirePath(facade.APIV1, "/access-request-status")
	build := func(ids ...string) facade.AccessRequest {
		req, err := facade.NewGrant().For(ids...).Role("role-1").Build()
		require.NoError(t, err)
		return req
	}
	t.Run("a transient failure, mended", func(t *testing.T) {
		srv, c, _ := settledFake(t, facade.APIV1, facade.WithSettlePeriod(10*time.Second), facade.WithoutRetries())
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Status: http.StatusBadGateway},
			fake.NextFault{Method: http.MethodGet, Path: status, Status: http.StatusServiceUnavailable})
		_, err := c.Create(context.Background(), build("id-1"))
		var ue *facade.UnsettledError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, 5, ue.Lookup.Lookups, "at 0 (refused), 2, 5, 9.5 and 10 s")
		assert.NoError(t, ue.LookupErr, "the last lookup did not fail")
	})
	t.Run("nothing found for two identities", func(t *testing.T) {
		srv, c, _ := settledFake(t, facade.APIV1, facade.WithSettlePeriod(10*time.Second))
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Status: http.StatusBadGateway})
		_, err := c.Create(context.Background(), build("id-1", "id-2"))
		var ue *facade.UnsettledError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, 10, ue.Lookup.Lookups, "each identity in each of the 5 rounds")
	})
	role := func(id string) facade.RequestedItemDetails {
		return facade.RequestedItemDetails{ID: id, Type: facade.ItemTypeRole}
	}
	roles := func(ids ...string) []facade.RequestedItemDetails {
		var d []facade.RequestedItemDetails
		for _, id := range ids {
			d = append(d, role(id))
		}
		return d
	}
	for _, tc := range []struct {
		name             string
		rows             [][2]string // identity, role: the rows that appear after the first listing
		matched, lookups int
		found, unseen    []facade.RequestTracking
	}{
		{"one identity found whole, one in part", [][2]string{{"id-1", "role-1"}, {"id-1", "role-2"}, {"id-2", "role-1"}}, 3, 7,
			[]facade.RequestTracking{
				{RequestedFor: "id-1", AccessRequestIDs: []string{"ar-id-1-role-1", "ar-id-1-role-2"}, RequestedItemsDetails: roles("role-1", "role-2")},
				{RequestedFor: "id-2", AccessRequestIDs: []string{"ar-id-2-role-1"}, RequestedItemsDetails: roles("role-1")}},
			[]facade.RequestTracking{{RequestedFor: "id-2", RequestedItemsDetails: roles("role-2")}}},
		{"one identity found whole, the other not at all", [][2]string{{"id-1", "role-1"}, {"id-1", "role-2"}}, 2, 7,
			[]facade.RequestTracking{{RequestedFor: "id-1", AccessRequestIDs: []string{"ar-id-1-role-1", "ar-id-1-role-2"}, RequestedItemsDetails: roles("role-1", "role-2")}},
			[]facade.RequestTracking{{RequestedFor: "id-2", RequestedItemsDetails: roles("role-1", "role-2")}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// The create was not acted on; its rows appear after the first listing.
			var srv *fake.Server
			var clock *fakeClock
			var listings atomic.Int32
			srv, c, clock := settledFake(t, facade.APIV1, facade.WithSettlePeriod(10*time.Second), facade.WithHooks(facade.Hooks{
				OperationDone: func(_ context.Context, op facade.Operation) {
					if op.Name != string(facade.ListingV1) || listings.Add(1) != 1 {
						return
					}
					var sent facade.AccessRequest
					for _, r := range srv.Received() {
						if r.Method == http.MethodPost && r.Path == wirePath(facade.APIV1, "/access-requests") {
							require.NoError(t, json.Unmarshal(r.Body, &sent))
						}
					}
					for _, row := range tc.rows {
						srv.AddStatus(fake.Status{AccessRequestID: "ar-" + row[0] + "-" + row[1], RequestType: facade.RequestTypeGrant, State: facade.StateExecuting,
							Type: facade.ItemTypeRole, ID: row[1], Created: clock.Now(), Modified: clock.Now(), RequestedFor: facade.AccessItemRequestedFor{ID: row[0]},
							ClientMetadata: sent.ClientMetadata})
					}
				}}))
			srv.FailNext(fake.NextFault{Method: http.MethodPost, Status: http.StatusBadGateway})
			req, err := facade.NewGrant().For("id-1", "id-2").Role("role-1").Role("role-2").Build()
			require.NoError(t, err)
			res, err := c.Create(context.Background(), req)
			require.NoError(t, noteErr(err))
			require.NotNil(t, res.Settled)
			assert.Equal(t, tc.matched, res.Settled.Matched, "each row counted once, however often listed")
			assert.Equal(t, tc.lookups, res.Settled.Lookup.Lookups, "id-1 twice (found whole in the second round), id-2 in all 5 rounds")
			assert.Equal(t, tc.found, res.NewRequests, "what was found, by identity in the request's order")
			assert.Equal(t, tc.unseen, res.Settled.Unseen, "what was not found")
		})
	}
	t.Run("a permanent failure", func(t *testing.T) {
		srv, c, _ := settledFake(t, facade.APIV1, facade.WithSettlePeriod(10*time.Second))
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Status: http.StatusBadGateway},
			fake.NextFault{Method: http.MethodGet, Path: status, Status: http.StatusForbidden})
		_, err := c.Create(context.Background(), build("id-1", "id-2"))
		var ue *facade.UnsettledError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, 1, ue.Lookup.Lookups, "id-2 is not listed after id-1's 403")
		assert.ErrorIs(t, ue.LookupErr, facade.ErrForbidden)
		assert.Equal(t, 1, srv.Count(http.MethodGet, status, 0))
	})
	t.Run("a context ended during a wait", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		clock := &fakeClock{now: time.Now().UTC().Truncate(time.Millisecond)}
		srv, c, _ := settledFake(t, facade.APIV1, facade.WithSettlePeriod(10*time.Second), facade.WithClock(clock.Now,
			func(ctx context.Context, d time.Duration) error {
				clock.Advance(d / 2) // the caller gives up halfway through the first round's wait
				cancel()
				return ctx.Err()
			}))
		srv.FailNext(fake.NextFault{Method: http.MethodPost, Status: http.StatusBadGateway})
		_, err := c.Create(ctx, build("id-1"))
		var ue *facade.UnsettledError
		require.ErrorAs(t, err, &ue)
		assert.Equal(t, 1, ue.Lookup.Lookups)
		assert.Equal(t, time.Second, ue.Lookup.Elapsed, "the time until the caller gave up, a second into the first wait")
		assert.ErrorIs(t, ue.LookupErr, context.Canceled)
		assert.Equal(t, 1, srv.Count(http.MethodGet, status, 0))
	})
}
