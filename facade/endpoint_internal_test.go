package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/gen"
	genclient "github.com/sailkit/accessrequests/gen/client"
)

// capture answers every request with status and body, keeping what it was sent.
type capture struct {
	mu     sync.Mutex
	reqs   []*http.Request
	bodies [][]byte
	status int
	body   string
}

func (c *capture) RoundTrip(r *http.Request) (*http.Response, error) {
	var body []byte
	if r.Body != nil {
		body, _ = io.ReadAll(r.Body)
		_ = r.Body.Close()
	}
	c.mu.Lock()
	c.reqs, c.bodies = append(c.reqs, r), append(c.bodies, body)
	c.mu.Unlock()
	return &http.Response{StatusCode: c.status, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(c.body)), Request: r}, nil
}

func (c *capture) last(t *testing.T) (*http.Request, []byte) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	require.NotEmpty(t, c.reqs, "a request was sent")
	return c.reqs[len(c.reqs)-1], c.bodies[len(c.bodies)-1]
}

// genParams is how the facade filled the generated client's parameters before it built its
// requests itself: the reference its queries are held to.
func genParams(l *listing, offset int) *gen.ListAccessRequestStatusParams {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	q := l.q
	limit, off := int32(q.pageSize()), int32(offset)
	p := &gen.ListAccessRequestStatusParams{
		RequestedFor: str(q.RequestedFor), RequestedBy: str(q.RequestedBy),
		RegardingIdentity: str(q.RegardingIdentity), AssignedTo: str(q.AssignedTo),
		Filters: str(l.filters), Sorters: str(l.sorters), Limit: &limit, Offset: &off,
	}
	if q.Count {
		t := true
		p.Count = &t
	}
	if q.OnlyExecuting {
		s := gen.RequestStateFilterExecuting
		p.RequestState = &s
	}
	return p
}

// TestRequestsAreTheGeneratedClients: the facade builds its requests itself (fewer
// allocations), and each is what the generated request builder makes for the same call, in
// each generation: method, URL with its query byte for byte, Content-Type, the experimental
// header and body. Base URLs with a path and with escaped characters, and queries with every
// kind of character, are covered.
func TestRequestsAreTheGeneratedClients(t *testing.T) {
	ctx := context.Background()
	when := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	for _, api := range APIs() {
		for _, base := range []string{
			"https://acme.api.identitynow.com",
			"https://acme.api.identitynow.com/beta/",
			"http://127.0.0.1:8080/proxy/sail",
			"https://gw.example.com/a%20b/c%2Fd",
		} {
			t.Run(string(api)+" "+base, func(t *testing.T) {
				rt := &capture{status: 200}
				c, err := New(WithAPI(api), WithBaseURL(base), WithAccessToken("test-token-0123456789"), WithoutRetries(),
					WithHTTPClient(&http.Client{Transport: rt}))
				require.NoError(t, err)
				// The tenant's root, as gen.NewClient makes it: the generated paths carry /beta.
				server := strings.TrimSuffix(strings.TrimSuffix(c.BaseURL(), "/beta"), "/") + "/"

				same := func(t *testing.T, want *http.Request) {
					t.Helper()
					got, gotBody := rt.last(t)
					assert.Equal(t, want.Method, got.Method)
					assert.Equal(t, want.URL.String(), got.URL.String())
					assert.Equal(t, want.URL.RawQuery, got.URL.RawQuery)
					assert.Equal(t, want.Header.Get("Content-Type"), got.Header.Get("Content-Type"))
					assert.Equal(t, want.Header.Get("X-SailPoint-Experimental"), got.Header.Get("X-SailPoint-Experimental"))
					var wantBody []byte
					if want.Body != nil {
						wantBody, _ = io.ReadAll(want.Body)
					}
					assert.Equal(t, string(wantBody), string(gotBody))
				}
				check := func(name, body string, call func() error, want func() (*http.Request, error)) {
					t.Run(name, func(t *testing.T) {
						rt.body = body
						require.NoError(t, call())
						w, err := want()
						require.NoError(t, err)
						same(t, w)
					})
				}
				v1 := api == APIV1
				pick := func(beta, succ func() (*http.Request, error)) func() (*http.Request, error) {
					if v1 {
						return succ
					}
					return beta
				}

				req := AccessRequest{RequestedFor: []string{"id-1"}, RequestedItems: []AccessRequestItem{
					{Type: ItemTypeRole, ID: "role-1", Comment: `a "quoted" <comment> & more`, RemoveDate: when}}}
				check("create", `{"newRequests":[],"existingRequests":[]}`, func() error { _, err := c.Create(ctx, req); return err },
					// The body carries the call's own key beside what the caller gave (see SettleKey).
					pick(func() (*http.Request, error) {
						return genclient.NewCreateAccessRequestRequest(server, withSettleKey(inUTC(req), sentKey(t, rt)))
					},
						func() (*http.Request, error) {
							return genclient.NewCreateAccessRequestV1Request(server, withSettleKey(inUTC(req), sentKey(t, rt)))
						}))
				cancel := gen.CancelAccessRequest{AccountActivityID: "ar-1", Comment: "no longer needed"}
				check("cancel", `{}`, func() error { return c.Cancel(ctx, CancelParams{ID: "ar-1", Comment: "no longer needed"}) },
					pick(func() (*http.Request, error) { return genclient.NewCancelAccessRequestRequest(server, cancel) },
						func() (*http.Request, error) { return genclient.NewCancelAccessRequestV1Request(server, cancel) }))
				closing := gen.CloseAccessRequest{AccessRequestIDs: []string{"a", "b"}, ExecutionStatus: ExecutionStatusCompleted, Message: "done"}
				check("close", `{}`, func() error {
					_, err := c.CloseRequests(ctx, CloseRequestsParams{IDs: []string{"a", "b"}, ExecutionStatus: ExecutionStatusCompleted, Message: "done"})
					return err
				}, pick(func() (*http.Request, error) { return genclient.NewCloseAccessRequestRequest(server, closing) },
					func() (*http.Request, error) { return genclient.NewCloseAccessRequestV1Request(server, closing) }))
				if v1 {
					check("bulk cancel", `{}`, func() error {
						_, err := c.CancelRequests(ctx, CancelRequestsParams{IDs: []string{"a", "b"}, Comment: "a & b"})
						return err
					}, func() (*http.Request, error) {
						return genclient.NewCancelAccessRequestInBulkV1Request(server, gen.BulkCancelAccessRequest{AccessRequestIDs: []string{"a", "b"}, Comment: "a & b"})
					})
					check("account selections", `{"identities":[]}`, func() error { _, err := c.LoadAccountSelections(ctx, req); return err },
						func() (*http.Request, error) {
							return genclient.NewLoadAccountSelectionsV1Request(server, &gen.LoadAccountSelectionsV1Params{XSailPointExperimental: "true"}, inUTC(req))
						})
					check("get config v2", `{}`, func() error { _, err := c.GetConfigV2(ctx); return err },
						func() (*http.Request, error) { return genclient.NewGetAccessRequestConfigV2Request(server) })
					cfg := ConfigV2{ApprovalsMustBeExternal: true, MachineIdentityAccessRequestEnabled: Ptr(false)}
					cfg.RequestOnBehalfOfConfig.AllowRequestForMachineByOwner = true
					check("set config v2", `{}`, func() error { _, err := c.SetConfigV2(ctx, cfg); return err },
						func() (*http.Request, error) { return genclient.NewSetAccessRequestConfigV2Request(server, cfg) })
				} else {
					check("get config", `{}`, func() error { _, err := c.GetConfig(ctx); return err },
						func() (*http.Request, error) { return genclient.NewGetAccessRequestConfigRequest(server) })
					cfg := Config{ApprovalsMustBeExternal: true, RequestOnBehalfOfConfig: gen.RequestOnBehalfOfConfig{AllowRequestOnBehalfOfAnyoneByAnyone: true}}
					cfg.ApprovalReminderAndEscalationConfig.DaysUntilEscalation = new(int32)
					check("set config", `{}`, func() error { _, err := c.SetConfig(ctx, cfg); return err },
						func() (*http.Request, error) { return genclient.NewSetAccessRequestConfigRequest(server, cfg) })
				}

				// wantPage is the generated builder's request for a page of a prepared listing.
				wantPage := func(l *listing, offset int) (*http.Request, error) {
					p := genParams(l, offset)
					switch {
					case l.q.Admin:
						return genclient.NewListAdministratorsAccessRequestStatusV1Request(server, &gen.ListAdministratorsAccessRequestStatusV1Params{
							RequestedFor: p.RequestedFor, RequestedBy: p.RequestedBy, RegardingIdentity: p.RegardingIdentity, AssignedTo: p.AssignedTo,
							Count: p.Count, Limit: p.Limit, Offset: p.Offset, Filters: p.Filters, Sorters: p.Sorters, RequestState: p.RequestState,
							XSailPointExperimental: "true"})
					case v1:
						return genclient.NewListAccessRequestStatusV1Request(server, (*gen.ListAccessRequestStatusV1Params)(p))
					}
					return genclient.NewListAccessRequestStatusRequest(server, p)
				}
				queries := []ListStatusParams{
					{},
					{Count: true, PageSize: 7, OnlyExecuting: true},
					{RequestedFor: "me", RequestedBy: "2c9180835d191a86015d28455b4b232a", AssignedTo: "a b+c&d=e/f?g#h%i", Count: true},
					{RegardingIdentity: "ünïcödé ✓;,:@$!'()*[]", RawFilters: `name eq "x & y" and id in ("1","2")`, RawSorters: "-priority,+name"},
					{Filters: []Condition{AccessRequestID().Sw("ar-"), Created().Lt(when)}, Sorters: []SortKey{Desc(SortModified), Asc(SortName)}},
				}
				if v1 {
					queries = append(queries, ListStatusParams{Admin: true, Filters: []Condition{AdminStatus().In("PENDING", "a,b"), AccessRequestID().In("1", "2")},
						Sorters: []SortKey{Asc(SortAccessRequestID)}, AssignedTo: "x y", Count: true})
				}
				for _, q := range queries {
					for _, offset := range []int{0, 250, 2147483647} {
						l, err := c.listing(q, offset, "test")
						require.NoError(t, err)
						want, err := wantPage(l, offset)
						require.NoError(t, err)
						got, err := l.e.request(ctx, http.MethodGet, l.pageURL(l.e.url, offset), nil)
						require.NoError(t, err)
						assert.Equal(t, want.URL.String(), got.URL.String(), "%+v at %d", q, offset)
						assert.Equal(t, want.URL.RawQuery, got.URL.RawQuery, "%+v at %d", q, offset)
						assert.Equal(t, want.Header.Get("X-SailPoint-Experimental"), got.Header.Get("X-SailPoint-Experimental"))
					}
				}
				for _, q := range queries[len(queries)-1:] {
					t.Run("a page goes out with that URL", func(t *testing.T) {
						rt.body = `[]`
						q.AssignedTo, q.Count = "a b", true
						_, err := c.ListStatusPage(ctx, q, 500)
						require.NoError(t, err)
						l, err := c.listing(q, 500, "test")
						require.NoError(t, err)
						want, err := wantPage(l, 500)
						require.NoError(t, err)
						same(t, want)
					})
				}
			})
		}
	}
}

// TestAWriteHasNoGetBody: net/http's transports rewind a request through GetBody to send it
// again by themselves, below the attempt loop; a write's request never offers it, also when it
// came through Generated with one.
func TestAWriteHasNoGetBody(t *testing.T) {
	rt := &capture{status: 202, body: `{}`}
	c, err := New(WithBaseURL("https://acme.api.identitynow.com"), WithAccessToken("test-token-0123456789"),
		WithHTTPClient(&http.Client{Transport: rt}))
	require.NoError(t, err)
	require.NoError(t, c.Cancel(context.Background(), CancelParams{ID: "ar-1", Comment: "x"}))
	got, _ := rt.last(t)
	assert.Nil(t, got.GetBody, "the facade's write")

	resp, err := c.Generated().CancelAccessRequest(context.Background(), gen.CancelAccessRequest{AccountActivityID: "ar-1", Comment: "x"})
	require.NoError(t, err)
	_ = resp.Body.Close()
	got, body := rt.last(t)
	assert.Nil(t, got.GetBody, "a write through Generated")
	var sent gen.CancelAccessRequest
	require.NoError(t, json.Unmarshal(body, &sent))
	assert.Equal(t, "ar-1", sent.AccountActivityID)

	// A PUT may be sent again by net/http itself (it is idempotent): its body can be rewound.
	rt.status = 200
	_, err = c.SetConfigV2(context.Background(), ConfigV2{})
	require.NoError(t, err)
	got, _ = rt.last(t)
	require.Equal(t, http.MethodPut, got.Method)
	assert.NotNil(t, got.GetBody, "an idempotent request keeps its GetBody")
}

// failing fails every request with a transport error that is not a refused dial, after
// reporting the headers written when headers is set.
type failing struct {
	traced  bool // reports its progress as net/http's transports do (GetConn)
	headers bool
	calls   atomic.Int64
}

func (f *failing) RoundTrip(r *http.Request) (*http.Response, error) {
	f.calls.Add(1)
	tr := httptrace.ContextClientTrace(r.Context())
	if f.traced && tr != nil && tr.GetConn != nil {
		tr.GetConn("acme.api.identitynow.com:443")
	}
	if f.headers && tr != nil && tr.WroteHeaders != nil {
		tr.WroteHeaders()
	}
	return nil, errors.New("connection reset by peer")
}

// TestAWriteIsSentAgainOnlyWhileItsHeadersWereNotWritten: the "may it have reached the server?"
// signal on its own. A write that failed before its headers were written is sent again; one
// that failed after is not, and ends in ErrOutcomeUnknown; so does one sent through a transport
// that never said how far it got.
func TestAWriteIsSentAgainOnlyWhileItsHeadersWereNotWritten(t *testing.T) {
	for _, tc := range []struct {
		traced, headers bool
		calls           int64
	}{{true, false, int64(DefaultRetryPolicy().MaxAttempts)}, {true, true, 1}, {false, false, 1}} {
		t.Run(fmt.Sprintf("traced %v, headers written %v", tc.traced, tc.headers), func(t *testing.T) {
			rt := &failing{traced: tc.traced, headers: tc.headers}
			c, err := New(WithBaseURL("https://acme.api.identitynow.com"), WithAccessToken("test-token-0123456789"),
				WithHTTPClient(&http.Client{Transport: rt}), WithClock(time.Now, func(context.Context, time.Duration) error { return nil }),
				WithoutSettling()) // the cancel's own sends are counted, not a read-back's
			require.NoError(t, err)
			err = c.Cancel(context.Background(), CancelParams{ID: "ar-1", Comment: "x"})
			require.Error(t, err)
			assert.Equal(t, tc.headers || !tc.traced, errors.Is(err, ErrOutcomeUnknown))
			assert.Equal(t, tc.calls, rt.calls.Load())
		})
	}
}

// sentKey is the SettleKey the last request rt captured carried.
func sentKey(t *testing.T, rt *capture) string {
	t.Helper()
	_, body := rt.last(t)
	var sent AccessRequest
	require.NoError(t, json.Unmarshal(body, &sent))
	require.Len(t, sent.ClientMetadata[SettleKey], 32)
	return sent.ClientMetadata[SettleKey]
}

// A later page's offset is checked too, not only the first one's (prepare): a listing paged
// past 2^31-1 (a server that never ends, long enough) is refused before the page is asked.
// Guards page's own offset check.
func TestALaterPagesOffsetIsChecked(t *testing.T) {
	f := &failing{}
	c, err := New(WithBaseURL("https://tenant.invalid"), WithAccessToken("test-token-123"), WithHTTPClient(&http.Client{Transport: f}))
	require.NoError(t, err)
	l, err := c.listing(ListStatusParams{}, 0, "ListStatusPages")
	require.NoError(t, err)
	for _, offset := range []int{-1, 1<<31 - 1 + 1} {
		_, err := c.page(context.Background(), l, offset)
		require.ErrorIs(t, err, ErrInvalidInput)
		assert.Equal(t, fmt.Sprintf("accessrequests: listAccessRequestStatusV1: invalid input, nothing was sent: offset must be between 0 and 2147483647, got %d", offset), err.Error())
	}
	assert.Zero(t, f.calls.Load(), "nothing was sent")
}
