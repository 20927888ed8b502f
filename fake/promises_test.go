package fake_test

// These tests speak plain HTTP to the fake, so they pin what the fake promises on the wire
// (filters, sorting, limits, authentication) whatever shape the facade's API takes.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
	"github.com/sailkit/accessrequests/gen"
)

// wire is a fake tenant and a token for it.
type wire struct {
	t     *testing.T
	srv   *fake.Server
	token string
}

func newWire(t *testing.T, opts ...fake.Option) *wire {
	t.Helper()
	srv := fake.NewServer(opts...)
	t.Cleanup(srv.Close)
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {srv.ClientID}, "client_secret": {srv.ClientSecret}}
	resp, err := srv.Client().PostForm(srv.URL+"/oauth/token", form)
	require.NoError(t, err)
	defer func() { _ = resp.Body.Close() }()
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	require.NotEmpty(t, tok.AccessToken)
	return &wire{t: t, srv: srv, token: tok.AccessToken}
}

// do sends one API request below /beta with the token and returns the status and body.
func (w *wire) do(method, path string, body any, auth string) (int, []byte) {
	w.t.Helper()
	h := http.Header{}
	if auth != "" {
		h.Set("Authorization", auth)
	}
	status, _, data := w.send(method, "/beta"+path, body, h)
	return status, data
}

// call sends one API request to a path of either generation (written whole) with the token and
// the headers given as name, value pairs, and returns the status, headers and body.
func (w *wire) call(method, path string, body any, headers ...string) (int, http.Header, []byte) {
	w.t.Helper()
	h := http.Header{"Authorization": {"Bearer " + w.token}}
	for i := 0; i+1 < len(headers); i += 2 {
		h.Set(headers[i], headers[i+1])
	}
	return w.send(method, path, body, h)
}

// send sends one request to the fake and reads the whole answer.
func (w *wire) send(method, path string, body any, h http.Header) (int, http.Header, []byte) {
	w.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(w.t, err)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, w.srv.URL+path, rd)
	require.NoError(w.t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range h {
		req.Header[k] = v
	}
	resp, err := w.srv.Client().Do(req)
	require.NoError(w.t, err)
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(resp.Body)
	require.NoError(w.t, err)
	return resp.StatusCode, resp.Header, data
}

// list returns the accessRequestIds listAccessRequestStatus answers for query, in order.
func (w *wire) list(query url.Values) []string {
	w.t.Helper()
	return ids(w.rows(betaStatus, query))
}

// The three status listings.
const (
	betaStatus  = "/beta/access-request-status"
	v1Status    = "/access-request-status/v1"
	adminStatus = "/access-request-administration/v1"
)

// rows returns the rows a status listing (betaStatus, v1Status or adminStatus) answers for
// query, decoded as a client would.
func (w *wire) rows(listing string, query url.Values) []fake.Status {
	w.t.Helper()
	status, _, body := w.call("GET", listing+"?"+query.Encode(), nil, "X-SailPoint-Experimental", "true")
	require.Equal(w.t, http.StatusOK, status, "%s?%s: %s", listing, query.Encode(), body)
	var rows []fake.Status
	require.NoError(w.t, json.Unmarshal(body, &rows))
	return rows
}

// ids returns the rows' access request ids, in order.
func ids(rows []fake.Status) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = r.AccessRequestID
	}
	return out
}

func TestFakeFiltersCompareAtTheBoundary(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := w.srv.SeedStatuses(5, alice, from) // created at from, +1s, ... +4s
	mid := from.Add(2 * time.Second).Format(time.RFC3339)
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{"created gt " + mid, ids[3:]},
		{"created ge " + mid, ids[2:]},
		{"created lt " + mid, ids[:2]},
		{"created le " + mid, ids[:3]},
		{"created eq " + mid, ids[2:3]},
		{"created ne " + mid, []string{ids[0], ids[1], ids[3], ids[4]}},
		{fmt.Sprintf("accessRequestId eq %q", ids[1]), ids[1:2]},
		{fmt.Sprintf("accessRequestId ne %q", ids[1]), []string{ids[0], ids[2], ids[3], ids[4]}},
		{fmt.Sprintf("accessRequestId sw %q", ids[4][:31]), ids[4:]},
		{fmt.Sprintf("accessRequestId in (%q, %q)", ids[4], ids[0]), []string{ids[0], ids[4]}},
		{"accountActivityItemId isnull", []string{}},
		{"created isnull", []string{}},
		{"created eq 2026-01-01T01:00:02+01:00", ids[2:3]}, // the same instant, written another way
		{"created sw 2026-01-01T00:00:0", ids},             // a prefix of the text, not a date
	} {
		t.Run(tc.filter, func(t *testing.T) {
			assert.Equal(t, tc.want, w.list(url.Values{"filters": {tc.filter}}))
		})
	}
	status, body := w.do("GET", "/access-request-status?"+url.Values{"filters": {"created gt yesterday"}}.Encode(), nil, "Bearer "+w.token)
	assert.Equal(t, http.StatusBadRequest, status, "a created value that is not a date-time")
	assert.Contains(t, string(body), "is not an RFC 3339 date-time")

	// String comparison of ids, checked against the ids' own order.
	lo, hi := ids[0], ids[1]
	if lo > hi {
		lo, hi = hi, lo
	}
	assert.Equal(t, []string{hi}, intersect(w.list(url.Values{"filters": {fmt.Sprintf("accessRequestId gt %q", lo)}}), lo, hi))
	assert.Equal(t, []string{lo}, intersect(w.list(url.Values{"filters": {fmt.Sprintf("accessRequestId lt %q", hi)}}), lo, hi))
	assert.Equal(t, []string{lo, hi}, sortedPair(intersect(w.list(url.Values{"filters": {fmt.Sprintf("accessRequestId le %q", hi)}}), lo, hi)))
}

// intersect keeps the ids of got that are a or b.
func intersect(got []string, a, b string) []string {
	out := []string{}
	for _, id := range got {
		if id == a || id == b {
			out = append(out, id)
		}
	}
	return out
}

func sortedPair(p []string) []string {
	if len(p) == 2 && p[0] > p[1] {
		p[0], p[1] = p[1], p[0]
	}
	return p
}

func TestFakeQueryParametersSelectByIdentityAndState(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	forAlice := w.srv.SeedStatuses(2, alice, from)
	forBob := w.srv.SeedStatuses(1, bob, from.Add(time.Minute))
	all := append(append([]string{}, forAlice...), forBob...)

	status, body := w.do("POST", "/access-requests/cancel", map[string]string{"accountActivityId": forAlice[0], "comment": "mistake"}, "Bearer "+w.token)
	require.Equal(t, http.StatusAccepted, status, string(body))

	for _, tc := range []struct {
		query url.Values
		want  []string
	}{
		{url.Values{"requested-for": {alice}}, forAlice},
		{url.Values{"requested-for": {bob}}, forBob},
		{url.Values{"requested-by": {"me"}}, all},
		{url.Values{"requested-by": {fake.CallerID}}, all},
		{url.Values{"requested-by": {alice}}, []string{}},
		{url.Values{"regarding-identity": {bob}}, forBob},
		{url.Values{"regarding-identity": {"me"}}, all},
		{url.Values{"assigned-to": {"me"}}, []string{}},
		{url.Values{"request-state": {"EXECUTING"}}, []string{forAlice[1], forBob[0]}},
		{url.Values{"requested-for": {alice}, "request-state": {"EXECUTING"}}, forAlice[1:]},
	} {
		t.Run(tc.query.Encode(), func(t *testing.T) {
			assert.Equal(t, tc.want, w.list(tc.query))
		})
	}
}

func TestFakeSortsBothWays(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	from := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ids := w.srv.SeedStatuses(3, alice, from)
	assert.Equal(t, ids, w.list(url.Values{"sorters": {"created"}}))
	assert.Equal(t, []string{ids[2], ids[1], ids[0]}, w.list(url.Values{"sorters": {"-created"}}))
	// The seeded names are equal ("Role role-000"): ties fall to the next key, then to
	// creation order.
	assert.Equal(t, []string{ids[2], ids[1], ids[0]}, w.list(url.Values{"sorters": {"name,-created"}}))
	assert.Equal(t, ids, w.list(url.Values{"sorters": {"-name"}}))
}

func TestFakeEnforcesTheDocumentedLimits(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	items := func(typ string, n int, comment string) []map[string]any {
		out := make([]map[string]any, n)
		for i := range out {
			out[i] = map[string]any{"type": typ, "id": fmt.Sprintf("%s-%d", strings.ToLower(typ), i)}
			if comment != "" {
				out[i]["comment"] = comment
			}
		}
		return out
	}
	ident := func(n int) []string {
		out := make([]string, n)
		for i := range out {
			out[i] = fmt.Sprintf("2c9180835d191a86015d28455b4b%04d", i)
		}
		return out
	}
	for _, tc := range []struct {
		name string
		body map[string]any
		want string // "" for accepted
	}{
		{"25 entitlements", map[string]any{"requestedFor": ident(1), "requestedItems": items("ENTITLEMENT", 25, "")}, ""},
		{"26 entitlements", map[string]any{"requestedFor": ident(1), "requestedItems": items("ENTITLEMENT", 26, "")}, "at most 25 entitlements"},
		{"10 identities with entitlements", map[string]any{"requestedFor": ident(10), "requestedItems": items("ENTITLEMENT", 1, "")}, ""},
		{"11 identities with entitlements", map[string]any{"requestedFor": ident(11), "requestedItems": items("ENTITLEMENT", 1, "")}, "at most 10 identities"},
		{"11 identities with roles", map[string]any{"requestedFor": ident(11), "requestedItems": items("ROLE", 1, "")}, ""},
		{"revoke for two identities", map[string]any{"requestType": "REVOKE_ACCESS", "requestedFor": ident(2), "requestedItems": items("ROLE", 1, "gone")}, "exactly one identity"},
		{"revoke of one entitlement", map[string]any{"requestType": "REVOKE_ACCESS", "requestedFor": ident(1), "requestedItems": items("ENTITLEMENT", 1, "gone")}, ""},
		{"revoke of two entitlements", map[string]any{"requestType": "REVOKE_ACCESS", "requestedFor": ident(1), "requestedItems": items("ENTITLEMENT", 2, "gone")}, "at most one entitlement"},
		{"revoke without a comment", map[string]any{"requestType": "REVOKE_ACCESS", "requestedFor": ident(1), "requestedItems": items("ROLE", 1, "")}, "a comment is required"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := w.do("POST", "/access-requests", tc.body, "Bearer "+w.token)
			if tc.want == "" {
				assert.Equal(t, http.StatusAccepted, status, string(body))
				return
			}
			assert.Equal(t, http.StatusBadRequest, status)
			assert.Contains(t, string(body), tc.want)
		})
	}
}

func TestFakeMergesItemMetadataIntoTheStatus(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	body := map[string]any{"requestedFor": []string{alice}, "requestedItems": []map[string]any{
		{"type": "ROLE", "id": "role-1", "clientMetadata": map[string]string{"ticket": "T-1"}}}}
	status, resp := w.do("POST", "/access-requests", body, "Bearer "+w.token)
	require.Equal(t, http.StatusAccepted, status, string(resp))
	sts := w.srv.Statuses()
	require.Len(t, sts, 1)
	assert.Equal(t, map[string]string{"ticket": "T-1"}, sts[0].ClientMetadata)
}

func TestFakeRefusesRequestsWithoutALiveToken(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	for name, auth := range map[string]string{
		"no header":      "",
		"empty bearer":   "Bearer ",
		"another scheme": "Basic " + w.token,
		"unknown token":  "Bearer not-issued",
	} {
		status, body := w.do("GET", "/access-request-config", nil, auth)
		assert.Equal(t, http.StatusUnauthorized, status, name)
		assert.Contains(t, string(body), "JWT validation failed", name)
	}
	status, _ := w.do("GET", "/access-request-config", nil, "bearer "+w.token)
	assert.Equal(t, http.StatusOK, status, "the scheme is case-insensitive")
}

func TestFakeTokensExpireOnTheFakesClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var elapsed atomic.Int64
	clock := func() time.Time { return start.Add(time.Duration(elapsed.Load())) }
	w := newWire(t, fake.WithClock(clock), fake.WithTokenLifetime(time.Minute))
	elapsed.Store(int64(time.Minute - time.Nanosecond))
	status, _ := w.do("GET", "/access-request-config", nil, "Bearer "+w.token)
	assert.Equal(t, http.StatusOK, status, "alive until its last nanosecond")
	elapsed.Store(int64(time.Minute))
	status, body := w.do("GET", "/access-request-config", nil, "Bearer "+w.token)
	assert.Equal(t, http.StatusUnauthorized, status)
	assert.Contains(t, string(body), "expired")
}

func TestFakeRateLimitRefillsOnItsClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var elapsed atomic.Int64
	w := newWire(t, fake.WithClock(func() time.Time { return start.Add(time.Duration(elapsed.Load())) }))
	w.srv.SetFaults(fake.Faults{RateLimit: 1, RateWindow: 4 * time.Second}) // a token every 4 s, bucket of 1
	get := func() (int, string) {
		req, err := http.NewRequest("GET", w.srv.URL+"/beta/access-request-config", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+w.token)
		resp, err := w.srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		return resp.StatusCode, resp.Header.Get("Retry-After")
	}
	status, _ := get()
	assert.Equal(t, http.StatusOK, status, "the bucket starts full")
	status, after := get()
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Equal(t, "4", after, "a whole token is 4 s away")
	elapsed.Store(int64(2 * time.Second))
	status, after = get()
	assert.Equal(t, http.StatusTooManyRequests, status, "half a token is not enough")
	assert.Equal(t, "2", after, "the other half is 2 s away")
	elapsed.Store(int64(4 * time.Second))
	status, _ = get()
	assert.Equal(t, http.StatusOK, status, "exactly one token has refilled")
}

func TestFakeInjected429sCarryRetryAfter(t *testing.T) {
	t.Parallel()
	for given, want := range map[string]string{"": "1", "7": "7"} {
		w := newWire(t)
		w.srv.SetFaults(fake.Faults{RateLimitedRatio: 1, RetryAfter: given})
		req, err := http.NewRequest("GET", w.srv.URL+"/beta/access-request-config", nil)
		require.NoError(t, err)
		req.Header.Set("Authorization", "Bearer "+w.token)
		resp, err := w.srv.Client().Do(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
		assert.Equal(t, want, resp.Header.Get("Retry-After"), "RetryAfter %q", given)
	}
}

func TestFakeRecordsADroppedAnswer(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.SetFaults(fake.Faults{DropAfterProcessingRatio: 1, Methods: []string{"POST"}})
	body, err := json.Marshal(map[string]any{"requestedFor": []string{alice}, "requestedItems": []map[string]any{{"type": "ROLE", "id": "role-1"}}})
	require.NoError(t, err)
	req, err := http.NewRequest("POST", w.srv.URL+"/beta/access-requests", bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+w.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := w.srv.Client().Do(req)
	if err == nil {
		_ = resp.Body.Close()
	}
	require.Error(t, err, "the connection closes without an answer")
	assert.Equal(t, 1, w.srv.Creates(), "the create was acted on")
	got := w.srv.Received()
	last := got[len(got)-1]
	assert.Equal(t, "/beta/access-requests", last.Path)
	assert.True(t, last.Dropped)
	assert.Equal(t, http.StatusAccepted, last.Status, "what the fake would have answered")
}

func TestFakeKeepsTheRequestersComment(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	body := map[string]any{"requestedFor": []string{alice, bob}, "requestedItems": []map[string]any{
		{"type": "ROLE", "id": "role-1", "comment": "for the audit"}, {"type": "ROLE", "id": "role-2"}}}
	status, resp := w.do("POST", "/access-requests", body, "Bearer "+w.token)
	require.Equal(t, http.StatusAccepted, status, string(resp))
	comments := map[string]string{}
	for _, st := range w.srv.Statuses() {
		comments[st.RequestedFor.ID+" "+st.ID] = st.RequesterComment.Comment
	}
	assert.Equal(t, map[string]string{alice + " role-1": "for the audit", alice + " role-2": "",
		bob + " role-1": "for the audit", bob + " role-2": ""}, comments)
}

func TestFakeClosesUpTo500IDsAtOnce(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	ids := w.srv.SeedStatuses(501, alice, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	status, body := w.do("POST", "/access-requests/close", map[string]any{"accessRequestIds": ids}, "Bearer "+w.token)
	assert.Equal(t, http.StatusBadRequest, status, "501 ids: %s", body)
	status, body = w.do("POST", "/access-requests/close", map[string]any{"accessRequestIds": ids[:500]}, "Bearer "+w.token)
	assert.Equal(t, http.StatusAccepted, status, "500 ids: %s", body)
	st, ok := w.srv.Status(ids[499])
	require.True(t, ok)
	assert.EqualValues(t, "TERMINATED", st.State)
	st, _ = w.srv.Status(ids[500])
	assert.EqualValues(t, "EXECUTING", st.State)
}

func TestFakeEndOffset400SparesTheFirstPage(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.SetDeviations(fake.Deviations{EndOffset400: true})
	assert.Equal(t, []string{}, w.list(url.Values{"offset": {"0"}}), "an empty listing is an empty first page")
	w.srv.SeedStatuses(2, alice, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	assert.Len(t, w.list(url.Values{"offset": {"1"}}), 1)
	status, _ := w.do("GET", "/access-request-status?offset=2", nil, "Bearer "+w.token)
	assert.Equal(t, http.StatusBadRequest, status, "the offset at the end")
}

func TestFakeAssignedToMatchesTheApprovalsOwner(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.AddStatus(gen.Status{RequestedFor: gen.AccessItemRequestedFor{ID: alice},
		ApprovalDetails: []gen.ApprovalStatus{{CurrentOwner: gen.AccessItemReviewedBy{ID: bob}}}})
	w.srv.AddStatus(gen.Status{AccessRequestID: "ar-unowned", RequestedFor: gen.AccessItemRequestedFor{ID: alice},
		ApprovalDetails: []gen.ApprovalStatus{{}}})
	sts := w.srv.Statuses()
	require.Len(t, sts, 2)
	assert.Len(t, sts[0].AccessRequestID, 32, "AddStatus gives an id when there is none")
	assert.Equal(t, "ar-unowned", sts[1].AccessRequestID, "and keeps the one given")
	assert.Equal(t, []string{sts[0].AccessRequestID}, w.list(url.Values{"assigned-to": {bob}}))
	assert.Equal(t, []string{}, w.list(url.Values{"assigned-to": {alice}}))
}
