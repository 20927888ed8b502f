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

// statusV1 is a row of the successor's listings: the beta's fields and the successor's own.
const statusV1 = `[{"id":null,"name":"Deploy","type":"ENTITLEMENT","state":"EXECUTING","requestType":"GRANT_ACCESS",
"created":"2026-01-02T03:04:05Z","cancelable":true,"accessRequestId":"a1","identityType":"MACHINE",
"requestedFor":{"type":"MACHINE_IDENTITY","id":"m1","name":"build-bot"},
"jitDetails":[{"applicationId":"app1","attributeName":"groups","attributeValues":["CN=Eng"],"window":"1h"}],
"form":{"formDefinitionId":"fd1","formInstanceId":"fi1","formData":{"department":"Engineering"},"formElements":[{"id":"e1"}]},
"reauthorizationRequired":false}]`

const configV2 = `{"approvalsMustBeExternal":false,"reauthorizationEnabled":false,"govGroupVisibilityEnabled":true,
"machineIdentityAccessRequestEnabled":true,
"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":false,"allowRequestOnBehalfOfEmployeeByManager":true,
"allowRequestOnBehalfOfForMachineIdentity":true,"allowRequestForMachineByOwner":false},
"entitlementRequestConfig":{"accessRequestConfig":{"approvalSchemes":[{"approverType":"GOVERNANCE_GROUP","approverId":"g1"}],
"requestCommentRequired":true,"denialCommentRequired":false,"reauthorizationRequired":false,"requireEndDate":true,
"maxPermittedAccessDuration":{"value":5,"timeUnit":"DAYS"},"formDefinitionId":null},
"revocationRequestConfig":{"approvalSchemes":[{"approverType":"MANAGER","approverId":null}]}}}`

const choices200 = `{"identities":[{"type":"IDENTITY","id":"q1","name":"Quinn","accountsSelectionRequired":true,
"requestedItems":[{"type":"ENTITLEMENT","id":"e1","name":"Deploy","description":"d","accountsSelectionBlocked":false,
"accountsSelectionBlockedReason":null,"sources":[{"type":"SOURCE","id":"s1","name":"AD",
"accounts":[{"type":"ACCOUNT","id":"acc1","name":"quinn","uuid":"{u1}","nativeIdentity":"CN=q"}]}]}]}]}`

// experimental is the header the vendor's experimental operations require.
var experimental = map[string]string{"X-SailPoint-Experimental": "true"}

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
	header    map[string]string // request headers beyond the token and the content type
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

		ok("get config answered with X-Deprecated", "GET", "/beta/access-request-config", "",
			reply{200, config200, map[string]string{"X-Deprecated": "true"}}),

		// The successor's operations.
		ok("v1 create a grant", "POST", "/access-requests/v1",
			`{"requestedFor":["q1"],"requestType":"GRANT_ACCESS","requestedItems":[{"type":"ROLE","id":"r1","formInstanceId":"fi1"}]}`,
			reply{202, create202, nil}),
		ok("v1 create for a machine identity", "POST", "/access-requests/v1",
			`{"requestType":"GRANT_ACCESS","requestedForWithRequestedItems":[{"identityId":"m1","identityType":"MACHINE","requestedItems":[{"type":"ENTITLEMENT","id":"e1","accountSelection":[{"sourceId":"s1","accounts":[{"nativeIdentity":"CN=m"}]}]}]}]}`,
			reply{202, create202, nil}),
		ok("v1 cancel", "POST", "/access-requests/v1/cancel", `{"accountActivityId":"a1","comment":"mistake"}`, reply{202, `{}`, nil}),
		ok("v1 close", "POST", "/access-requests/v1/close", `{"accessRequestIds":["a1"]}`, reply{202, `{}`, nil}),
		ok("v1 bulk cancel", "POST", "/access-requests/v1/bulk-cancel", `{"accessRequestIds":["a1","a2"],"comment":"mistake"}`, reply{202, `{}`, nil}),
		{name: "v1 account selections", method: "POST", target: "/access-requests/v1/accounts-selection", header: experimental,
			body:  `{"requestType":"GRANT_ACCESS","requestedFor":["q1"],"requestedItems":[{"type":"ENTITLEMENT","id":"e1"}]}`,
			reply: reply{200, choices200, nil}},
		ok("v1 list with every parameter", "GET",
			"/access-request-status/v1?requested-for=me&count=true&limit=250&offset=0&filters=accessRequestId+eq+%22a1%22&sorters=-created&request-state=EXECUTING",
			"", reply{200, statusV1, map[string]string{"X-Total-Count": "1"}}),
		{name: "administrators' listing", method: "GET", target: "/access-request-administration/v1?filters=status+eq+%22EXECUTING%22&sorters=accessRequestId",
			header: experimental, reply: reply{200, statusV1, nil}},
		ok("get config v2", "GET", "/access-request-config/v2", "", reply{200, configV2, nil}),
		ok("set config v2", "PUT", "/access-request-config/v2", configV2, reply{200, configV2, nil}),
		ok("v1 list answered 429 with Retry-After", "GET", "/access-request-status/v1", "",
			reply{429, `{"message":"Rate Limit Exceeded"}`, map[string]string{"Retry-After": "10"}}),

		{name: "administrators' listing without the experimental header", method: "GET", target: "/access-request-administration/v1",
			reply: reply{200, `[]`, nil}, violation: "X-SailPoint-Experimental", direction: "request"},
		{name: "account selections without the experimental header", method: "POST", target: "/access-requests/v1/accounts-selection",
			body:  `{"requestedFor":["q1"],"requestedItems":[{"type":"ROLE","id":"r1"}]}`,
			reply: reply{200, choices200, nil}, violation: "X-SailPoint-Experimental", direction: "request"},
		{name: "bulk cancel of 51 ids", method: "POST", target: "/access-requests/v1/bulk-cancel",
			body: `{"comment":"c","accessRequestIds":["` + strings.Repeat(`a","`, 50) + `a"]}`, reply: reply{202, `{}`, nil},
			violation: "accessRequestIds", direction: "request"},
		{name: "v1 create with neither request form", method: "POST", target: "/access-requests/v1",
			body: `{"requestType":"GRANT_ACCESS"}`, reply: reply{202, create202, nil}, violation: "anyOf", direction: "request"},
		{name: "account selections of 26 items", method: "POST", target: "/access-requests/v1/accounts-selection", header: experimental,
			body:  `{"requestedFor":["q1"],"requestedItems":[` + strings.Repeat(`{"type":"ROLE","id":"r"},`, 25) + `{"type":"ROLE","id":"r"}]}`,
			reply: reply{200, choices200, nil}, violation: "requestedItems", direction: "request"},
		{name: "X-Deprecated other than true", method: "GET", target: "/beta/access-request-config",
			reply: reply{200, config200, map[string]string{"X-Deprecated": "yes"}}, violation: "X-Deprecated", direction: "response"},
		{name: "successor path under /beta", method: "GET", target: "/beta/access-request-status/v1",
			reply: reply{200, `[]`, nil}, violation: "no operation", direction: "request"},
		{name: "configuration v1 (left out of the spec)", method: "GET", target: "/access-request-config/v1",
			reply: reply{200, config200, nil}, violation: "no operation", direction: "request"},
		{name: "config v2 setting of the wrong type", method: "GET", target: "/access-request-config/v2",
			reply: reply{200, `{"machineIdentityAccessRequestEnabled":"yes"}`, nil}, violation: "machineIdentityAccessRequestEnabled", direction: "response"},

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
	for k, v := range e.header {
		req.Header.Set(k, v)
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
		"createAccessRequestV1": true, "cancelAccessRequestV1": true, "closeAccessRequestV1": true,
		"cancelAccessRequestInBulkV1": true, "loadAccountSelectionsV1": true, "listAccessRequestStatusV1": true,
		"listAdministratorsAccessRequestStatusV1": true, "getAccessRequestConfigV2": true, "setAccessRequestConfigV2": true,
	}, ops)
}
