package facade

import (
	"context"
	"fmt"
	"math"
	"net/url"
	"slices"

	"github.com/sailkit/accessrequests/internal/filter"
)

// MaxLookupURL is the longest URL, in bytes, that a lookup of many requests by id sends
// (WaitAll, and the read-back of a bulk close or cancel whose outcome is unknown): the ids are
// split into filters on the request id with "in" (AccessRequestID().In) so that no listing's
// URL, query string included, passes it, whatever the page's offset. Gateways and proxies
// commonly refuse URLs past 8 KB; 8,000 bytes leaves room for a proxy's own additions. An id
// too long to fit alone is refused before anything is sent.
const MaxLookupURL = 8000

// idLookup is the result of a lookup of requests by id.
type idLookup struct {
	rows     map[string][]Status // by access request id: the rows of the ids asked, and no other
	listings int                 // listings made (a batch of ids or one id each; pages not counted)
}

// lookupIDs lists the rows of the requests ids name: in batches of "accessRequestId in (...)"
// where the listing takes "in" on the id (the beta's user listing, the administrators'), each
// batch's URL within MaxLookupURL; one "accessRequestId eq" listing per id otherwise (the
// successor's user listing). Every page of each listing is read, ending as ListStatusPages
// does (a short page, or a 400 for the offset after a full page; a page served twice fails).
// A row whose id was not asked is dropped: a server that ignores the filter cannot pass
// another request off as one asked. When a listing fails, the rows already read of the
// batches before it are kept and the failed batch's are dropped, with the error: rows holds
// every row of each id it holds.
func (c *Client) lookupIDs(ctx context.Context, ids []string, admin bool, method string) (*idLookup, error) {
	r := &idLookup{rows: make(map[string][]Status, len(ids))}
	asked := make(map[string]bool, len(ids))
	for _, id := range ids {
		asked[id] = true
	}
	batches, err := c.idBatches(ids, admin, method)
	if err != nil {
		return r, err
	}
	for _, b := range batches {
		r.listings++
		// Paged as every listing is (sequential): a 400 for the offset after a full page ends
		// it, and a page served twice fails it rather than being paged for ever.
		var failed error
		c.sequential(ctx, b.l, func(page *StatusPage) bool {
			for _, st := range page.Items {
				if asked[st.AccessRequestID] {
					r.rows[st.AccessRequestID] = append(r.rows[st.AccessRequestID], st)
				}
			}
			return true
		}, func(err error) { failed = err })
		if failed != nil {
			for _, id := range b.ids { // a batch read in part says nothing sure of its ids
				delete(r.rows, id)
			}
			return r, failed
		}
	}
	return r, nil
}

// idBatch is one listing of a lookup by id, ready to send.
type idBatch struct {
	ids    []string // the ids it asks for
	l      *listing
	urlLen int // its first page's URL, in bytes
	// worst is its URL at the longest offset a page may ask for (math.MaxInt32): a later
	// page's offset has more digits than the first's 0, and MaxLookupURL bounds every page.
	worst int
}

// idBatches splits ids into listings whose URLs stay within MaxLookupURL.
func (c *Client) idBatches(ids []string, admin bool, method string) ([]idBatch, error) {
	prepare := func(cond Condition) (idBatch, error) {
		l, err := c.listing(ListStatusParams{Admin: admin, Filters: []Condition{cond}, PageSize: MaxPageSize}, 0, method)
		if err != nil {
			return idBatch{}, err
		}
		n := len(l.pageURL(l.e.url, math.MaxInt32))
		if n > MaxLookupURL {
			return idBatch{}, (&problems{{Field: "accessRequestId", Rule: fmt.Sprintf("makes a lookup URL of %d bytes, more than MaxLookupURL (%d)", n, MaxLookupURL)}}).err(l.e.op)
		}
		return idBatch{l: l, urlLen: len(l.pageURL(l.e.url, 0)), worst: n}, nil
	}
	ls := c.api.StatusListing()
	if admin {
		ls = ListingAdmin
	}
	var out []idBatch
	if !slices.Contains(ls.rules().operators["accessRequestId"], "in") {
		for _, id := range ids {
			b, err := prepare(AccessRequestID().Eq(id))
			if err != nil {
				return nil, err
			}
			b.ids = []string{id}
			out = append(out, b)
		}
		return out, nil
	}
	for start := 0; start < len(ids); {
		// The URL of a batch (at the longest offset) is the URL of its first id alone plus, for
		// each further id, the escaped text it adds: a comma and the quoted id (url.QueryEscape escapes rune by rune,
		// so the lengths add up).
		first, err := prepare(AccessRequestID().In(ids[start]))
		if err != nil {
			return nil, err
		}
		end, n := start+1, first.worst
		for end < len(ids) {
			add := len(url.QueryEscape("," + filter.Quote(ids[end])))
			if n+add > MaxLookupURL {
				break
			}
			n += add
			end++
		}
		cond := AccessRequestID().Eq(ids[start]) // one id alone is asked with eq, as Wait asks
		if end > start+1 {
			cond = AccessRequestID().In(ids[start:end]...)
		}
		b, err := prepare(cond)
		if err != nil {
			return nil, err
		}
		b.ids = ids[start:end]
		out = append(out, b)
		start = end
	}
	return out, nil
}
