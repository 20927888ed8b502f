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
// allocations), and each is what the generated request builder makes for the same call:
// method, URL with its query byte for byte, Content-Type and body. Base URLs with a path and
// with escaped characters, and queries with every kind of character, are covered.
func TestRequestsAreTheGeneratedClients(t *testing.T) {
	ctx := context.Background()
	when := time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600))
	for _, base := range []string{
		"https://acme.api.identitynow.com",
		"https://acme.api.identitynow.com/beta/",
		"http://127.0.0.1:8080/proxy/sail",
		"https://gw.example.com/a%20b/c%2Fd",
	} {
		t.Run(base, func(t *testing.T) {
			rt := &capture{status: 200}
			c, err := New(WithBaseURL(base), WithAccessToken("test-token-0123456789"), WithoutRetries(),
				WithHTTPClient(&http.Client{Transport: rt}))
			require.NoError(t, err)
			// The tenant's root, as gen.NewClient makes it: the generated paths carry /beta.
			server := strings.TrimSuffix(c.BaseURL(), "/beta") + "/"

			same := func(t *testing.T, want *http.Request) {
				t.Helper()
				got, gotBody := rt.last(t)
				assert.Equal(t, want.Method, got.Method)
				assert.Equal(t, want.URL.String(), got.URL.String())
				assert.Equal(t, want.URL.RawQuery, got.URL.RawQuery)
				assert.Equal(t, want.Header.Get("Content-Type"), got.Header.Get("Content-Type"))
				var wantBody []byte
				if want.Body != nil {
					wantBody, _ = io.ReadAll(want.Body)
				}
				assert.Equal(t, string(wantBody), string(gotBody))
			}

			t.Run("create", func(t *testing.T) {
				rt.body = `{"newRequests":[],"existingRequests":[]}`
				req := AccessRequest{RequestedFor: []string{"id-1"}, RequestedItems: []AccessRequestItem{
					{Type: ItemTypeRole, ID: "role-1", Comment: `a "quoted" <comment> & more`, RemoveDate: when}}}
				_, err := c.Create(ctx, req)
				require.NoError(t, err)
				want, err := genclient.NewCreateAccessRequestRequest(server, inUTC(req))
				require.NoError(t, err)
				same(t, want)
			})
			t.Run("cancel", func(t *testing.T) {
				rt.body = `{}`
				require.NoError(t, c.Cancel(ctx, CancelParams{ID: "ar-1", Comment: "no longer needed"}))
				want, err := genclient.NewCancelAccessRequestRequest(server, gen.CancelAccessRequest{AccountActivityID: "ar-1", Comment: "no longer needed"})
				require.NoError(t, err)
				same(t, want)
			})
			t.Run("close", func(t *testing.T) {
				rt.body = `{}`
				_, err := c.CloseRequests(ctx, CloseRequestsParams{IDs: []string{"a", "b"}, ExecutionStatus: ExecutionStatusCompleted, Message: "done"})
				require.NoError(t, err)
				want, err := genclient.NewCloseAccessRequestRequest(server, gen.CloseAccessRequest{AccessRequestIDs: []string{"a", "b"},
					ExecutionStatus: ExecutionStatusCompleted, Message: "done"})
				require.NoError(t, err)
				same(t, want)
			})
			t.Run("get config", func(t *testing.T) {
				rt.body = `{}`
				_, err := c.GetConfig(ctx)
				require.NoError(t, err)
				want, err := genclient.NewGetAccessRequestConfigRequest(server)
				require.NoError(t, err)
				same(t, want)
			})
			t.Run("set config", func(t *testing.T) {
				rt.body = `{}`
				cfg := Config{ApprovalsMustBeExternal: true, RequestOnBehalfOfConfig: gen.RequestOnBehalfOfConfig{AllowRequestOnBehalfOfAnyoneByAnyone: true}}
				cfg.ApprovalReminderAndEscalationConfig.DaysUntilEscalation = new(int32)
				_, err := c.SetConfig(ctx, cfg)
				require.NoError(t, err)
				want, err := genclient.NewSetAccessRequestConfigRequest(server, cfg)
				require.NoError(t, err)
				same(t, want)
			})

			for _, q := range []ListStatusParams{
				{},
				{Count: true, PageSize: 7, OnlyExecuting: true},
				{RequestedFor: "me", RequestedBy: "2c9180835d191a86015d28455b4b232a", AssignedTo: "a b+c&d=e/f?g#h%i", Count: true},
				{RegardingIdentity: "ünïcödé ✓;,:@$!'()*[]", RawFilters: `name eq "x & y" and id in ("1","2")`, RawSorters: "-priority,+name"},
				{Filters: []Condition{AccessRequestID().Sw("ar-"), Created().Lt(when)}, Sorters: []SortKey{Desc(SortModified), Asc(SortName)}},
			} {
				for _, offset := range []int{0, 250, 2147483647} {
					l, err := q.prepare(offset)
					require.NoError(t, err)
					want, err := genclient.NewListAccessRequestStatusRequest(server, genParams(l, offset))
					require.NoError(t, err)
					got, err := newRequest(ctx, http.MethodGet, l.pageURL(c.urls.status, offset), nil)
					require.NoError(t, err)
					assert.Equal(t, want.URL.String(), got.URL.String(), "%+v at %d", q, offset)
					assert.Equal(t, want.URL.RawQuery, got.URL.RawQuery, "%+v at %d", q, offset)
				}
			}
			t.Run("a page goes out with that URL", func(t *testing.T) {
				rt.body = `[]`
				q := ListStatusParams{AssignedTo: "a b", Count: true}
				_, err := c.ListStatusPage(ctx, q, 500)
				require.NoError(t, err)
				l, err := q.prepare(500)
				require.NoError(t, err)
				want, err := genclient.NewListAccessRequestStatusRequest(server, genParams(l, 500))
				require.NoError(t, err)
				same(t, want)
			})
		})
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
				WithHTTPClient(&http.Client{Transport: rt}), WithClock(time.Now, func(context.Context, time.Duration) error { return nil }))
			require.NoError(t, err)
			err = c.Cancel(context.Background(), CancelParams{ID: "ar-1", Comment: "x"})
			require.Error(t, err)
			assert.Equal(t, tc.headers || !tc.traced, errors.Is(err, ErrOutcomeUnknown))
			assert.Equal(t, tc.calls, rt.calls.Load())
		})
	}
}
