package facade

import (
	"cmp"
	"context"
	"fmt"
	"iter"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/sailkit/accessrequests/gen"
)

// MaxPageSize is the largest page listAccessRequestStatus returns.
const MaxPageSize = 250

// ListStatusParams selects access request statuses. The zero value lists everything the caller may
// see, 250 at a time.
type ListStatusParams struct {
	RequestedFor      string // identity the requests are for; "me" for the caller
	RequestedBy       string // identity that made the requests; "me" for the caller
	RegardingIdentity string // requester or target; not with RequestedFor or RequestedBy
	AssignedTo        string // owner of the request's work item; "me" for the caller
	OnlyExecuting     bool   // request-state=EXECUTING, the one state the server filters on
	PageSize          int    // 1..250; 0 means 250
	Count             bool   // ask for X-Total-Count

	// Filters selects statuses: the conditions are joined with "and", checked, and rendered
	// once per listing. RawFilters is the escape hatch, sent as given, for an expression the
	// conditions cannot say; set one or the other.
	Filters    []Condition
	RawFilters string

	// Sorters orders the listing; with neither it nor RawSorters, DefaultSorters. RawSorters
	// is sent as given, for a key this package does not know; set one or the other.
	Sorters    []SortKey
	RawSorters string

	// Dedupe makes ListStatus skip a status whose accessRequestId and accountActivityItemId it
	// has already yielded: offset paging over a set that changes between pages can repeat
	// entries. It remembers every key yielded, so memory grows with the listing.
	Dedupe bool

	// Prefetch, when above 1, lets ListStatus fetch up to this many pages at once once the
	// first page has told it the total (it asks for the count itself). Items still come in
	// order, and at most Prefetch pages are held in memory. Requests share the client's rate
	// limiter and retry budget, so prefetching never outruns WithRateLimit.
	Prefetch int
}

// StatusPage is one page of statuses.
type StatusPage struct {
	Items      []Status // the statuses, in the server's order
	Offset     int      // the offset this page was asked for
	NextOffset int      // the offset of the next page
	Total      int      // from X-Total-Count; valid when HasTotal
	HasTotal   bool     // the server sent X-Total-Count
	Last       bool     // no page follows: this one was short, or it reached Total
}

func (q ListStatusParams) pageSize() int {
	if q.PageSize == 0 {
		return MaxPageSize
	}
	return q.PageSize
}

// listing is a ListStatusParams checked, with its filters and sorters rendered, once for all the
// pages it lists.
type listing struct {
	q                ListStatusParams
	filters, sorters string
}

// prepare checks the query, and the first offset it will ask for, before anything is sent, and
// renders its filters and sorters.
func (q ListStatusParams) prepare(offset int) (*listing, error) {
	var p problems
	if q.RegardingIdentity != "" && (q.RequestedFor != "" || q.RequestedBy != "") {
		p.add("regarding-identity", "cannot be combined with requested-for or requested-by")
	}
	if q.PageSize < 0 || q.PageSize > MaxPageSize {
		p.add("limit", "must be between 1 and %d, got %d", MaxPageSize, q.PageSize)
	}
	l := &listing{q: q}
	l.filters = typedOrRaw(&p, "Filters", len(q.Filters), q.RawFilters, func() (string, error) { return Filters(q.Filters...) })
	l.sorters = cmp.Or(typedOrRaw(&p, "Sorters", len(q.Sorters), q.RawSorters, func() (string, error) { return Sorters(q.Sorters...) }), DefaultSorters)
	if offset < 0 || offset > math.MaxInt32 {
		p.add("offset", "must be between 0 and %d, got %d", math.MaxInt32, offset)
	}
	for _, s := range []struct{ name, v string }{
		{"requested-for", q.RequestedFor}, {"requested-by", q.RequestedBy},
		{"regarding-identity", q.RegardingIdentity}, {"assigned-to", q.AssignedTo},
	} {
		if s.v != "" && strings.TrimSpace(s.v) != s.v {
			p.add(s.name, "must not start or end with white space")
		}
	}
	if err := p.err("listAccessRequestStatus"); err != nil {
		return nil, err
	}
	return l, nil
}

// typedOrRaw renders the n typed values of a query field, or passes raw on when there are none;
// both set, or values that do not render, are problems.
func typedOrRaw(p *problems, name string, n int, raw string, render func() (string, error)) string {
	if n == 0 {
		return raw
	}
	field := strings.ToLower(name)
	if raw != "" {
		p.add(field, "set %s or Raw%s, not both", name, name)
	}
	s, err := render()
	if err != nil {
		p.add(field, "%s", strings.TrimPrefix(err.Error(), "accessrequests: "))
	}
	return s
}

func (l *listing) params(offset int) *gen.ListAccessRequestStatusParams {
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

// ListStatusPage fetches one page of statuses starting at offset (listAccessRequestStatus).
func (c *Client) ListStatusPage(ctx context.Context, q ListStatusParams, offset int) (*StatusPage, error) {
	l, err := q.prepare(offset)
	if err != nil {
		return nil, err
	}
	return c.page(ctx, l, offset)
}

// page fetches one page of a prepared listing.
func (c *Client) page(ctx context.Context, l *listing, offset int) (*StatusPage, error) {
	const op = "listAccessRequestStatus"
	if offset < 0 || offset > math.MaxInt32 {
		return nil, (&problems{{Field: "offset", Rule: fmt.Sprintf("must be between 0 and %d, got %d", math.MaxInt32, offset)}}).err(op)
	}
	q := l.q
	var items []Status
	resp, err := c.call(ctx, op, &items, func(ctx context.Context) (*http.Response, error) {
		return c.api.ListAccessRequestStatus(ctx, l.params(offset))
	})
	if err != nil {
		return nil, err
	}
	page := &StatusPage{Items: items, Offset: offset, NextOffset: offset + len(items)}
	if v := resp.Header.Get("X-Total-Count"); v != "" {
		// Parsed wider than the spec's int32: a large count must not fail a good page.
		if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil && n >= 0 {
			page.Total, page.HasTotal = int(min(n, math.MaxInt32)), true
		}
	}
	if len(items) > q.pageSize() {
		return nil, &ResponseError{Operation: op, StatusCode: resp.StatusCode,
			Err: fmt.Errorf("page has %d items, more than the limit of %d", len(items), q.pageSize())}
	}
	// A total the page itself contradicts (more items than it claims) is not trusted to end
	// the listing: only a short page does then.
	page.Last = len(items) < q.pageSize() || (page.HasTotal && page.NextOffset == page.Total)
	return page, nil
}

// ListStatus iterates over every status the query selects, page by page, with no cap. It stops
// after a short page or at the total when the server reports one, never asks for the same
// offset twice, checks ctx between pages, and yields an error at most once, as its last value.
// Breaking out of the loop stops it; no goroutine is left behind.
func (c *Client) ListStatus(ctx context.Context, q ListStatusParams) iter.Seq2[Status, error] {
	return func(yield func(Status, error) bool) {
		l, err := q.prepare(0)
		if err != nil {
			yield(Status{}, err)
			return
		}
		var seen map[string]bool
		if q.Dedupe {
			seen = map[string]bool{}
		}
		emit := func(items []Status) bool {
			for _, s := range items {
				if seen != nil {
					key := s.AccessRequestId + "/" + s.AccountActivityItemId
					if seen[key] {
						continue
					}
					seen[key] = true
				}
				if !yield(s, nil) {
					return false
				}
			}
			return true
		}
		if q.Prefetch > 1 {
			c.prefetch(ctx, l, emit, func(err error) { yield(Status{}, err) })
			return
		}
		c.sequential(ctx, l, 0, emit, func(err error) { yield(Status{}, err) })
	}
}

// sequential pages from offset one page at a time, handing each page to emit, until a last
// page, a stop from emit, or an error (handed to fail).
func (c *Client) sequential(ctx context.Context, l *listing, offset int, emit func([]Status) bool, fail func(error)) {
	prevKey, prevOffset := "", offset
	for {
		if err := ctx.Err(); err != nil {
			fail(err)
			return
		}
		page, err := c.page(ctx, l, offset)
		if err != nil {
			fail(err)
			return
		}
		key := pageKey(page.Items)
		if key != "" && key == prevKey {
			fail(fmt.Errorf("accessrequests: listAccessRequestStatus: %w: offsets %d and %d returned the same entries",
				ErrInconsistentPage, prevOffset, offset))
			return
		}
		prevKey, prevOffset = key, offset
		if !emit(page.Items) || page.Last || page.NextOffset <= offset {
			return
		}
		offset = page.NextOffset
	}
}

// CollectStatus gathers what ListStatus yields into a slice, stopping after limit items when limit
// is positive. On error it returns the items gathered so far with the error.
func (c *Client) CollectStatus(ctx context.Context, q ListStatusParams, limit int) ([]Status, error) {
	var out []Status
	for s, err := range c.ListStatus(ctx, q) {
		if err != nil {
			return out, err
		}
		out = append(out, s)
		if limit > 0 && len(out) >= limit {
			break
		}
	}
	return out, nil
}

// prefetch lists with up to q.Prefetch pages in flight once the first page gives the total.
// Every goroutine it starts has ended when it returns.
func (c *Client) prefetch(ctx context.Context, l *listing, emit func([]Status) bool, fail func(error)) {
	counted := *l
	counted.q.Count = true
	l = &counted
	q := l.q
	first, err := c.page(ctx, l, 0)
	if err != nil {
		fail(err)
		return
	}
	if !emit(first.Items) || first.Last {
		return
	}
	size := q.pageSize()
	if first.NextOffset > first.Total {
		// The total is contradicted by the first page: page on one at a time instead.
		c.sequential(ctx, l, first.NextOffset, emit, fail)
		return
	}
	var offsets []int
	for off := first.NextOffset; off < first.Total; off += size {
		offsets = append(offsets, off)
	}

	ctx, cancel := context.WithCancel(ctx)
	type result struct {
		page *StatusPage
		err  error
	}
	slots := make([]chan result, len(offsets))
	for i := range slots {
		slots[i] = make(chan result, 1)
	}
	inFlight := make(chan struct{}, q.Prefetch) // a token per page fetched but not yet emitted
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i, off := range offsets {
			select {
			case inFlight <- struct{}{}:
			case <-ctx.Done():
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := c.page(ctx, l, off)
				slots[i] <- result{p, err}
			}()
		}
	}()

	prevKey := pageKey(first.Items)
	for i := range offsets {
		var r result
		select {
		case r = <-slots[i]:
		case <-ctx.Done():
			fail(ctx.Err())
			return
		}
		<-inFlight
		if r.err != nil {
			fail(r.err)
			return
		}
		key := pageKey(r.page.Items)
		if key != "" && key == prevKey {
			fail(fmt.Errorf("accessrequests: listAccessRequestStatus: %w: two pages before offset %d returned the same entries",
				ErrInconsistentPage, offsets[i]))
			return
		}
		prevKey = key
		if !emit(r.page.Items) || len(r.page.Items) < size {
			return
		}
	}
}

// pageKey identifies a page by its first and last entries, to notice a server that serves
// the same page again at the next offset (which would otherwise page on until a lying total).
func pageKey(items []Status) string {
	if len(items) == 0 {
		return ""
	}
	key := func(s Status) string {
		return s.AccessRequestId + "/" + s.AccountActivityItemId + "/" + s.Id
	}
	return fmt.Sprintf("%d|%s|%s", len(items), key(items[0]), key(items[len(items)-1]))
}

// IsFinal reports whether a state is one a request does not leave.
func IsFinal(state State) bool {
	switch state {
	case StateRequestCompleted, StateCancelled, StateTerminated, StateRejected,
		StateProvisioningFailed, StateNotAllItemsProvisioned, StateError:
		return true
	}
	return false
}

// WaitParams paces Wait.
type WaitParams struct {
	Interval    time.Duration // first wait between polls; 2 s when 0
	MaxInterval time.Duration // waits grow by half each poll up to this; 30 s when 0
}

// Wait polls the status of one access request until it reaches a final state (see IsFinal) and
// returns it. It stops when ctx ends. An id the server does not list gives ErrNotFound.
func (c *Client) Wait(ctx context.Context, accessRequestID string, opts WaitParams) (Status, error) {
	if strings.TrimSpace(accessRequestID) == "" {
		return Status{}, (&problems{{Field: "accessRequestId", Rule: "is required"}}).err("listAccessRequestStatus")
	}
	l, err := ListStatusParams{Filters: []Condition{AccessRequestID().Eq(accessRequestID)}, PageSize: 1}.prepare(0)
	if err != nil {
		return Status{}, err
	}
	interval := cmp.Or(opts.Interval, 2*time.Second)
	maxInterval := cmp.Or(opts.MaxInterval, 30*time.Second)
	for {
		page, err := c.page(ctx, l, 0)
		if err != nil {
			return Status{}, err
		}
		if len(page.Items) == 0 {
			return Status{}, fmt.Errorf("accessrequests: access request %s: %w", accessRequestID, ErrNotFound)
		}
		if st := page.Items[0]; IsFinal(st.State) {
			return st, nil
		}
		if err := c.tr.sleep(ctx, interval); err != nil {
			return Status{}, err
		}
		interval = min(interval+interval/2, maxInterval)
	}
}
