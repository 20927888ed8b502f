package contract_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/internal/contract"
)

const status200 = `[{"id":"i1","name":"Engineering","type":"ROLE","state":"EXECUTING","requestType":"GRANT_ACCESS",
"created":"2026-01-02T03:04:05Z","modified":null,"cancelable":true,"accessRequestId":"a1",
"requester":{"type":"IDENTITY","id":"p1","name":"Pat"},"requestedFor":{"type":"IDENTITY","id":"q1","name":"Quinn"},
"cancelledRequestDetails":null,"requesterComment":null,"sodViolationContext":null,
"errorMessages":[[{"locale":"en-US","localeOrigin":null,"text":"x"}]],
"clientMetadata":{"k":"v"},"requestedAccounts":null,"privilegeLevel":null}]`

const config200 = `{"approvalsMustBeExternal":false,"autoApprovalEnabled":true,"reauthorizationEnabled":false,
"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":false,"allowRequestOnBehalfOfEmployeeByManager":true},
"approvalReminderAndEscalationConfig":{"daysUntilEscalation":null,"daysBetweenReminders":1,"maxReminders":2,"fallbackApproverRef":null},
"entitlementRequestConfig":{"allowEntitlementRequest":true,"grantRequestApprovalSchemes":"sourceOwner"}}`

const create202 = `{"newRequests":[{"requestedFor":"q1","requestedItemsDetails":[{"type":"ROLE","id":"r1"}],
"attributesHash":2843118224,"accessRequestIds":["a1"]}],"existingRequests":[]}`

// reply is what the stub server answers for one case.
type reply struct {
	status int
	body   string
	header map[string]string
}

// stub answers every route with the reply given, after draining the request body.
func stub(r reply) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		_, _ = io.Copy(io.Discard, req.Body)
		for k, v := range r.header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(r.status)
		_, _ = io.WriteString(w, r.body)
	})
}

type exchange struct {
	name      string
	method    string
	target    string // path and query below the server root
	body      string
	noToken   bool
	reply     reply
	violation string // "" when the exchange conforms; else a part of the expected violation
	direction string // "request" or "response" for a violation
}

func exchanges() []exchange {
	ok := func(name, method, target, body string, r reply) exchange {
		return exchange{name: name, method: method, target: target, body: body, reply: r}
	}
	return []exchange{
		ok("create a grant", "POST", "/beta/access-requests",
			`{"requestedFor":["q1"],"requestType":"GRANT_ACCESS","requestedItems":[{"type":"ROLE","id":"r1","removeDate":"2030-01-01T00:00:00Z"}]}`,
			reply{202, create202, nil}),
		ok("create in the per-identity form", "POST", "/beta/access-requests",
			`{"requestType":"GRANT_ACCESS","requestedForWithRequestedItems":[{"identityId":"q1","requestedItems":[{"type":"ENTITLEMENT","id":"e1","accountSelection":[{"sourceId":"s1","accounts":[{"nativeIdentity":"CN=q"}]}]}]}]}`,
			reply{202, create202, nil}),
		ok("cancel", "POST", "/beta/access-requests/cancel", `{"accountActivityId":"a1","comment":"mistake"}`, reply{202, `{}`, nil}),
		ok("close", "POST", "/beta/access-requests/close",
			`{"accessRequestIds":["a1","a2"],"executionStatus":"Completed","completionStatus":"Success","message":"done"}`, reply{202, `{}`, nil}),
		ok("get config", "GET", "/beta/access-request-config", "", reply{200, config200, nil}),
		ok("set config", "PUT", "/beta/access-request-config", config200, reply{200, config200, nil}),
		ok("list with every parameter", "GET",
			"/beta/access-request-status?requested-for=me&requested-by=p1&assigned-to=me&count=true&limit=250&offset=0&filters=accessRequestId+eq+%22a1%22&sorters=-created&request-state=EXECUTING",
			"", reply{200, status200, map[string]string{"X-Total-Count": "1"}}),
		ok("list answered 429 with Retry-After", "GET", "/beta/access-request-status", "",
			reply{429, `{"message":"Rate Limit Exceeded"}`, map[string]string{"Retry-After": "10"}}),
		ok("cancel answered 404", "POST", "/beta/access-requests/cancel", `{"accountActivityId":"zz","comment":"c"}`,
			reply{404, `{"detailCode":"404 Not found","trackingId":"t1","messages":[{"locale":"en-US","localeOrigin":"DEFAULT","text":"no"}]}`, nil}),

		{name: "limit above 250", method: "GET", target: "/beta/access-request-status?limit=251",
			reply: reply{200, `[]`, nil}, violation: "limit", direction: "request"},
		{name: "negative offset", method: "GET", target: "/beta/access-request-status?offset=-1",
			reply: reply{200, `[]`, nil}, violation: "offset", direction: "request"},
		{name: "create with no items", method: "POST", target: "/beta/access-requests",
			body: `{"requestedFor":["q1"],"requestType":"GRANT_ACCESS"}`, reply: reply{202, create202, nil},
			violation: "requestedItems", direction: "request"},
		{name: "create with an empty item list", method: "POST", target: "/beta/access-requests",
			body: `{"requestedFor":["q1"],"requestedItems":[]}`, reply: reply{202, create202, nil},
			violation: "minimum number of items", direction: "request"},
		{name: "cancel without a comment", method: "POST", target: "/beta/access-requests/cancel",
			body: `{"accountActivityId":"a1"}`, reply: reply{202, `{}`, nil}, violation: "comment", direction: "request"},
		{name: "request without a token", method: "GET", target: "/beta/access-request-config", noToken: true,
			reply: reply{200, config200, nil}, violation: "bearer", direction: "request"},
		{name: "path without the /beta prefix", method: "GET", target: "/access-request-config",
			reply: reply{200, config200, nil}, violation: "no operation", direction: "request"},
		{name: "undocumented status", method: "GET", target: "/beta/access-request-config",
			reply: reply{418, `{}`, nil}, violation: "418", direction: "response"},
		{name: "404 where the operation has none", method: "GET", target: "/beta/access-request-config",
			reply: reply{404, `{}`, nil}, violation: "404", direction: "response"},
		{name: "response field of the wrong type", method: "GET", target: "/beta/access-request-status",
			reply: reply{200, `[{"id":"i1","cancelable":"yes"}]`, nil}, violation: "cancelable", direction: "response"},
		{name: "response date Go cannot parse", method: "GET", target: "/beta/access-request-status",
			reply: reply{200, `[{"id":"i1","created":"2026-01-02T03:04:05+70:00"}]`, nil}, violation: "created", direction: "response"},
		{name: "a renamed property in the response", method: "GET", target: "/beta/access-request-status",
			reply: reply{200, `[{"id":"i1","accessRequestID":"a1","requestedFor":{"id":"q","nickname":"x"}}]`, nil}, violation: "[0].accessRequestID, [0].requestedFor.nickname", direction: "response"},
		{name: "response enum value outside the spec", method: "GET", target: "/beta/access-request-status",
			reply: reply{200, `[{"id":"i1","state":"PAUSED"}]`, nil}, violation: "state", direction: "response"},
	}
}

func newRequest(t *testing.T, base string, e exchange) *http.Request {
	t.Helper()
	var body io.Reader
	if e.body != "" {
		body = strings.NewReader(e.body)
	}
	req, err := http.NewRequestWithContext(context.Background(), e.method, base+e.target, body)
	require.NoError(t, err)
	if e.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if !e.noToken {
		req.Header.Set("Authorization", "Bearer test-token")
	}
	return req
}

func assertOutcome(t *testing.T, h *contract.Harness, e exchange) {
	t.Helper()
	got := h.Violations()
	if e.violation == "" {
		for _, v := range got {
			t.Errorf("unexpected violation: %v", v)
		}
		assert.Equal(t, 2, h.Checked(), "request and response should both be checked")
		return
	}
	require.Len(t, got, 1, "exactly one violation expected")
	assert.Equal(t, e.direction, got[0].Direction)
	assert.Contains(t, got[0].Error(), e.violation)
}

// Every exchange is checked on both sides of a connection: as a server middleware and as a
// client transport, over plain HTTP/1.1 and over TLS with HTTP/2.
func TestHarnessAsServerMiddleware(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		for _, e := range exchanges() {
			t.Run(p.name+"/"+e.name, func(t *testing.T) {
				t.Parallel()
				h, err := contract.New(context.Background())
				require.NoError(t, err)
				srv := p.start(h.Handler(stub(e.reply)))
				defer srv.Close()
				resp, err := srv.Client().Do(newRequest(t, srv.URL, e))
				require.NoError(t, err)
				got, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				assert.Equal(t, p.major, resp.ProtoMajor)
				assert.Equal(t, e.reply.status, resp.StatusCode, "the middleware must not change the status")
				assert.Equal(t, e.reply.body, string(got), "the middleware must not change the body")
				assertOutcome(t, h, e)
			})
		}
	}
}

func TestHarnessAsClientTransport(t *testing.T) {
	t.Parallel()
	for _, p := range protocols {
		for _, e := range exchanges() {
			t.Run(p.name+"/"+e.name, func(t *testing.T) {
				t.Parallel()
				h, err := contract.New(context.Background())
				require.NoError(t, err)
				srv := p.start(stub(e.reply))
				defer srv.Close()
				client := &http.Client{Transport: h.RoundTripper(srv.Client().Transport)}
				resp, err := client.Do(newRequest(t, srv.URL, e))
				require.NoError(t, err)
				got, _ := io.ReadAll(resp.Body)
				_ = resp.Body.Close()
				assert.Equal(t, p.major, resp.ProtoMajor)
				assert.Equal(t, e.reply.body, string(got), "the transport must hand the body on")
				assertOutcome(t, h, e)
			})
		}
	}
}

// protocols are the two ways the harness is exercised: plain HTTP/1.1, and TLS with HTTP/2 as
// the real API is usually served.
var protocols = []struct {
	name  string
	major int
	start func(http.Handler) *httptest.Server
}{
	{"HTTP1.1", 1, httptest.NewServer},
	{"TLS+HTTP2", 2, func(h http.Handler) *httptest.Server {
		srv := httptest.NewUnstartedServer(h)
		srv.EnableHTTP2 = true
		srv.StartTLS()
		return srv
	}},
}

func TestSpecLoadsWithExamplesValidated(t *testing.T) {
	t.Parallel()
	doc, err := contract.Load(context.Background())
	require.NoError(t, err)
	ops := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			ops[op.OperationID] = true
		}
	}
	assert.Equal(t, map[string]bool{
		"createAccessRequest": true, "cancelAccessRequest": true, "closeAccessRequest": true,
		"getAccessRequestConfig": true, "setAccessRequestConfig": true, "listAccessRequestStatus": true,
	}, ops)
}
