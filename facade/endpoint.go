package facade

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// operation is one of the facade's operations: an index into a generation's row of the path
// table.
type operation int

const (
	opCreate operation = iota
	opCancel
	opClose
	opStatus
	opGetConfig
	opSetConfig
	opBulkCancel
	opAdminStatus
	opAccounts
	opGetConfigV2
	opSetConfigV2
	numOperations
)

// route is one operation in one generation: its name in the spec, its path below the tenant's
// root, and whether the vendor calls it experimental (it then refuses a request without
// X-SailPoint-Experimental: true). An operation the generation lacks has no path, and use says
// what to call instead; a deprecated one names its successor.
type route struct {
	op, path     string
	experimental bool
	use          string
	successor    string
}

// routes is the path table: what each operation is called and where it is, per generation. It
// is the one place the generations' paths differ; everything else about a call (its body, its
// checks, its retries, how its answer is read) is shared.
var routes = map[API][numOperations]route{
	APIBeta: {
		opCreate: {op: "createAccessRequest", path: "beta/access-requests"},
		opCancel: {op: "cancelAccessRequest", path: "beta/access-requests/cancel"},
		opClose:  {op: "closeAccessRequest", path: "beta/access-requests/close"},
		opStatus: {op: "listAccessRequestStatus", path: "beta/access-request-status"},
		opGetConfig: {op: "getAccessRequestConfig", path: "beta/access-request-config",
			successor: "GetConfigV2 (the successor's configuration) on a client made with WithAPI(APIV1)"},
		opSetConfig: {op: "setAccessRequestConfig", path: "beta/access-request-config",
			successor: "SetConfigV2, UpdateConfigV2 or PatchConfigV2 (the successor's configuration) on a client made with WithAPI(APIV1)"},
		opBulkCancel: {op: "cancelAccessRequestInBulkV1",
			use: "cancel each request with Cancel, or make the client with WithAPI(APIV1)"},
		opAdminStatus: {op: "listAdministratorsAccessRequestStatusV1",
			use: "list with ListStatusParams.Admin unset, or make the client with WithAPI(APIV1)"},
		opAccounts: {op: "loadAccountSelectionsV1",
			use: "make the client with WithAPI(APIV1)"},
		opGetConfigV2: {op: "getAccessRequestConfigV2",
			use: "read the beta's configuration with GetConfig, or make the client with WithAPI(APIV1)"},
		opSetConfigV2: {op: "setAccessRequestConfigV2",
			use: "write the beta's configuration with SetConfig, or make the client with WithAPI(APIV1)"},
	},
	APIV1: {
		opCreate:      {op: "createAccessRequestV1", path: "access-requests/v1"},
		opCancel:      {op: "cancelAccessRequestV1", path: "access-requests/v1/cancel"},
		opClose:       {op: "closeAccessRequestV1", path: "access-requests/v1/close"},
		opStatus:      {op: "listAccessRequestStatusV1", path: "access-request-status/v1"},
		opBulkCancel:  {op: "cancelAccessRequestInBulkV1", path: "access-requests/v1/bulk-cancel"},
		opAdminStatus: {op: "listAdministratorsAccessRequestStatusV1", path: "access-request-administration/v1", experimental: true},
		opAccounts:    {op: "loadAccountSelectionsV1", path: "access-requests/v1/accounts-selection", experimental: true},
		opGetConfigV2: {op: "getAccessRequestConfigV2", path: "access-request-config/v2"},
		opSetConfigV2: {op: "setAccessRequestConfigV2", path: "access-request-config/v2"},
		opGetConfig: {op: "getAccessRequestConfig",
			use: "the successor's configuration is read with GetConfigV2 (in its own shape, ConfigV2); the beta's, deprecated since 2026-02-26, needs a client made with WithAPI(APIBeta)"},
		opSetConfig: {op: "setAccessRequestConfig",
			use: "the successor's configuration is written with SetConfigV2, UpdateConfigV2 or PatchConfigV2 (in its own shape, ConfigV2); the beta's, deprecated since 2026-02-26, needs a client made with WithAPI(APIBeta)"},
	},
}

// endpoint is a route of the client's generation with its URL joined once, when the client is
// made. The facade builds its requests itself rather than through the generated request
// builders, which parse the server URL, format the path and resolve it again on every call
// (19 allocations for a create where net/http's own NewRequest takes 8); the requests are the
// same (TestRequestsAreTheGeneratedClients).
type endpoint struct {
	route
	url string // "" when the generation lacks the operation
}

// newEndpoints joins every route of api's row onto the tenant's root.
func newEndpoints(root *url.URL, api API) [numOperations]endpoint {
	var out [numOperations]endpoint
	for i, r := range routes[api] {
		out[i].route = r
		if r.path != "" {
			out[i].url = root.JoinPath(strings.Split(r.path, "/")...).String()
		}
	}
	return out
}

// endpoint returns the client's endpoint for o, or, when its generation lacks o, a
// *NotInAPIError naming method (the facade method called) before anything is sent.
func (c *Client) endpoint(o operation, method string) (endpoint, error) {
	e := c.urls[o]
	if e.url == "" {
		return e, &NotInAPIError{Method: method, API: c.api, Use: e.use}
	}
	return e, nil
}

// experimentalHeader is the header the vendor requires on its experimental operations, in its
// canonical form (as Header.Set would write it), and its one value.
var (
	experimentalHeader = http.CanonicalHeaderKey("X-SailPoint-Experimental")
	experimentalTrue   = []string{"true"}
)

// request makes a request of the endpoint's operation to target (its URL, with a query for a
// listing), with the experimental header when the operation needs it.
func (e endpoint) request(ctx context.Context, method, target string, body []byte) (*http.Request, error) {
	req, err := newRequest(ctx, method, target, body)
	if err == nil && e.experimental {
		req.Header[experimentalHeader] = experimentalTrue // shared and read-only, as contentJSON
	}
	return req, err
}

var contentJSON = []string{"application/json"}

// newRequest makes one operation's request, with body as its JSON (nil for none). The body
// stays a *bytes.Reader: net/http then writes the headers and a small body in one packet (a
// body of any other type makes it flush the headers first, which cost a create 20% of its
// time on loopback).
func newRequest(ctx context.Context, method, target string, body []byte) (*http.Request, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, target, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header["Content-Type"] = contentJSON // shared and read-only, as net/http treats it
	}
	return req, nil
}

// pageURL is the URL of a listing's page at offset, under the listAccessRequestStatus endpoint
// base. Its query is encoded as the spec says and as the generated client encodes it: form
// style, exploded, each value query-escaped, in the spec's order of parameters
// (TestRequestsAreTheGeneratedClients).
func (l *listing) pageURL(base string, offset int) string {
	q := l.q
	var b strings.Builder
	b.Grow(len(base) + 96 + len(q.RequestedFor) + len(q.RequestedBy) + len(q.RegardingIdentity) + len(q.AssignedTo) + 2*len(l.filters) + len(l.sorters))
	b.WriteString(base)
	sep := byte('?')
	add := func(name, value string) {
		b.WriteByte(sep)
		sep = '&'
		b.WriteString(name)
		b.WriteByte('=')
		b.WriteString(url.QueryEscape(value))
	}
	for _, p := range [...]struct{ name, value string }{
		{"requested-for", q.RequestedFor}, {"requested-by", q.RequestedBy},
		{"regarding-identity", q.RegardingIdentity}, {"assigned-to", q.AssignedTo},
	} {
		if p.value != "" {
			add(p.name, p.value)
		}
	}
	if q.Count {
		add("count", "true")
	}
	add("limit", strconv.Itoa(q.pageSize()))
	add("offset", strconv.Itoa(offset))
	if l.filters != "" {
		add("filters", l.filters)
	}
	if l.sorters != "" {
		add("sorters", l.sorters)
	}
	if q.OnlyExecuting {
		add("request-state", "EXECUTING")
	}
	return b.String()
}
