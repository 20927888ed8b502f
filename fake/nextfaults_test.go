package fake_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

func TestFailNextAnswersTheNextCallsAsSet(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.SetFaults(fake.Faults{ServerErrorRatio: 1, Paths: []string{"/access-request-config/v2"}}) // outranked, then left alone
	w.srv.FailNext(
		fake.NextFault{Method: "POST", Path: "/access-requests/v1", Times: 2, Status: http.StatusBadGateway},
		fake.NextFault{Method: "POST", Path: "/access-requests/v1", Status: http.StatusGatewayTimeout, AfterProcessing: true},
		fake.NextFault{Path: "/access-request-status", Status: http.StatusTooManyRequests, RetryAfter: "7"},
		fake.NextFault{Path: "/access-request-config/v2", Status: http.StatusNotFound},
	)
	create := func(role string) (int, http.Header, []byte) {
		return w.call("POST", "/access-requests/v1", grantBody([]string{alice}, role))
	}
	for range 2 {
		status, _, body := create("role-1")
		assert.Equal(t, http.StatusBadGateway, status)
		assert.Contains(t, string(body), `"detailCode":"502.0 Injected Fault"`, "before processing, the vendor's error body")
	}
	assert.Zero(t, w.srv.Creates(), "not acted on")
	status, h, body := create("role-1")
	assert.Equal(t, http.StatusGatewayTimeout, status)
	assert.Equal(t, "text/html", h.Get("Content-Type"), "after processing, a gateway's page: %s", body)
	assert.Equal(t, 1, w.srv.Creates(), "acted on")
	status, _, body = create("role-2")
	assert.Equal(t, http.StatusAccepted, status, "used up: %s", body)

	status, _, _ = w.call("GET", v1Status, nil)
	assert.Equal(t, http.StatusOK, status, "a beta path named without /beta is the beta's only")
	status, h, _ = w.call("GET", betaStatus, nil)
	assert.Equal(t, http.StatusTooManyRequests, status)
	assert.Equal(t, "7", h.Get("Retry-After"))
	status, _, _ = w.call("GET", "/access-request-config/v2", nil)
	assert.Equal(t, http.StatusNotFound, status, "the queued fault before the ratios")
	status, _, _ = w.call("GET", "/access-request-config/v2", nil)
	assert.Equal(t, http.StatusServiceUnavailable, status, "then the ratios again")

	var faults []string
	for _, r := range w.srv.Received() {
		if r.Path == "/access-requests/v1" {
			faults = append(faults, r.Fault+" "+http.StatusText(r.Status))
		}
	}
	assert.Equal(t, []string{"status Bad Gateway", "status Bad Gateway", "gateway Accepted", " Accepted"}, faults,
		"what each call got; after processing, the tenant's own answer")
	assert.Equal(t, 2, w.srv.Count("POST", "/access-requests/v1", http.StatusAccepted))
}

func TestFailNextResetsAStreamAfterProcessingOverHTTP2(t *testing.T) {
	t.Parallel()
	srv := fake.NewServer(fake.WithTLS())
	defer srv.Close()
	srv.FailNext(fake.NextFault{Method: "POST", Reset: true, Times: 2})
	for range 2 {
		err := rawPost(t, srv, "/access-requests", `{}`) // answered 401 by the tenant, then reset
		require.Error(t, err)
		assert.Contains(t, err.Error(), "PROTOCOL_ERROR")
	}
	require.NoError(t, rawPost(t, srv, "/access-requests", `{}`), "used up: answered (401)")
	rec := srv.Received()
	require.Len(t, rec, 3)
	for _, r := range rec[:2] {
		assert.Equal(t, "HTTP/2.0", r.Proto)
		assert.Equal(t, "reset", r.Fault)
		assert.True(t, r.Dropped)
		assert.Equal(t, http.StatusUnauthorized, r.Status)
	}
}

func TestTheRateLimitIsPerGeneration(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	w := newWire(t, fake.WithClock(func() time.Time { return start }))
	w.srv.SetFaults(fake.Faults{RateLimit: 1, RateWindow: time.Hour})
	for _, path := range []string{betaStatus, v1Status, "/access-request-config/v2"} {
		status, _, _ := w.call("GET", path, nil)
		want := http.StatusOK
		if path == "/access-request-config/v2" {
			want = http.StatusTooManyRequests // the successor's one token went on v1Status
		}
		assert.Equal(t, want, status, path)
		status, h, _ := w.call("GET", path, nil)
		assert.Equal(t, http.StatusTooManyRequests, status, path)
		assert.Equal(t, "3600", h.Get("Retry-After"), path)
	}
	assert.Equal(t, 1, w.srv.Count("GET", "/access-request-status", http.StatusOK), "the beta's bucket")
	assert.Equal(t, 1, w.srv.Count("GET", v1Status, http.StatusOK), "the successor's")
}

func TestFaultsPathsAndCountNameEitherGeneration(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.SetFaults(fake.Faults{ServerErrorRatio: 1, Paths: []string{"/access-requests/v1/close", "/access-requests/cancel"}})
	for _, tc := range []struct {
		path string
		want int
	}{
		{"/access-requests/v1/close", http.StatusServiceUnavailable},
		{"/beta/access-requests/close", http.StatusBadRequest},
		{"/beta/access-requests/cancel", http.StatusServiceUnavailable},
		{"/access-requests/v1/cancel", http.StatusNotFound},
	} {
		status, _, body := w.call("POST", tc.path, map[string]any{"accessRequestIds": []string{}, "accountActivityId": "x", "comment": "x"})
		assert.Equal(t, tc.want, status, "%s: %s", tc.path, body)
	}
	assert.Equal(t, 1, w.srv.Count("POST", "/access-requests/v1/close", http.StatusServiceUnavailable))
	assert.Equal(t, 1, w.srv.Count("POST", "/access-requests/cancel", 0), "a beta path without /beta")
	assert.Equal(t, 1, w.srv.Count("POST", "/beta/access-requests/cancel", 0), "or with it")
	assert.Zero(t, w.srv.Count("POST", "/access-requests/close", http.StatusServiceUnavailable))
}

func TestDeviationsApplyToTheSuccessorsListings(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.SeedStatuses(3, alice, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	w.srv.SetDeviations(fake.Deviations{UnknownFields: true, OtherShapes: true, ClaimedTotal: 99})
	for _, l := range []string{betaStatus, v1Status, adminStatus} {
		status, h, body := w.call("GET", l+"?count=true", nil, "X-SailPoint-Experimental", "true")
		require.Equal(t, http.StatusOK, status, string(body))
		assert.Equal(t, "99", h.Get("X-Total-Count"), l)
		var rows []map[string]any
		require.NoError(t, json.Unmarshal(body, &rows))
		require.Len(t, rows, 3)
		assert.Equal(t, "EXTEND_ACCESS", rows[0]["requestType"], l)
		assert.IsType(t, "", rows[0]["approvalIds"], l)
	}
	w.srv.SetDeviations(fake.Deviations{EndOffset400: true})
	for _, l := range []string{betaStatus, v1Status, adminStatus} {
		status, _, body := w.call("GET", l+"?offset=3", nil, "X-SailPoint-Experimental", "true")
		assert.Equal(t, http.StatusBadRequest, status, l)
		assert.True(t, strings.Contains(string(body), "offset invalid"), l)
	}
}
