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

// endpoints are the operations' URLs, joined once when the client is made. The facade builds
// its requests itself rather than through the generated request builders, which parse the
// server URL, format the path and resolve it again on every call (19 allocations for a create
// where net/http's own NewRequest takes 8); the requests are the same (TestRequestsAreTheGeneratedClients).
type endpoints struct {
	config, status, create, cancel, close string
}

func newEndpoints(api *url.URL) endpoints {
	at := func(path string) string { return api.JoinPath(path).String() }
	return endpoints{
		config: at("access-request-config"),
		status: at("access-request-status"),
		create: at("access-requests"),
		cancel: at("access-requests/cancel"),
		close:  at("access-requests/close"),
	}
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
