package facade

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"iter"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/sailkit/accessrequests/gen"
)

// MaxPageSize is the largest page a status listing returns.
const MaxPageSize = 250

// MaxPrefetch is the most pages ListStatusParams.Prefetch may ask to have in flight at once.
const MaxPrefetch = 32

// ListStatusParams selects access request statuses. The zero value lists everything the caller may
// see, 250 at a time, through the client's generation's listing (listAccessRequestStatus, or
// listAccessRequestStatusV1 on a v1 client).
type ListStatusParams struct {
	// Admin lists through the administrators' listing (listAdministratorsAccessRequestStatusV1),
	// which sees every identity's requests, filters on the status (AdminStatus) and sorts on
	// the request's id. Only the successor has it: on a beta client a listing with Admin set
	// sends nothing and fails with an error matching ErrNotInAPI. The vendor calls it
	// experimental and refuses it without X-SailPoint-Experimental: true, which the client
	// sends itself.
	Admin bool

	RequestedFor      string // identity the requests are for; "me" for the caller
	RequestedBy       string // identity that made the requests; "me" for the caller
	RegardingIdentity string // requester or target; not with RequestedFor or RequestedBy
	AssignedTo        string // owner of the request's work item; "me" for the caller
	OnlyExecuting     bool   // request-state=EXECUTING, the one state the server filters on
	PageSize          int    // 1..250; 0 means 250
	Count             bool   // ask for X-Total-Count

	// Filters selects statuses: the conditions are joined with "and", checked against the
	// listing's filters (see Listing), and rendered once per listing. RawFilters is the escape hatch, sent as given, for an expression the
	// conditions cannot say; set one or the other.
	Filters    []Condition
	RawFilters string

	// Sorters orders the listing; with neither it nor RawSorters, DefaultSorters. RawSorters
	// is sent as given, for a key this package does not know; set one or the other.
	Sorters    []SortKey // checked against the listing's sorters (see Listing)
	RawSorters string

	// Dedupe makes ListStatus skip a status whose AccessRequestID and AccountActivityItemID it
	// has already yielded: offset paging over a set that changes between pages can repeat
	// entries. It remembers every key yielded, so memory grows with the listing.
	Dedupe bool

	// Prefetch, when above 1, lets ListStatus fetch up to this many pages at once (it asks for
	// the count itself). Pages within the total the first page reports are fetched ahead; past
	// it, pages are fetched one by one while they come back full, so a total that lies costs at
	// most a window of requests and rows added meanwhile are still reached. Items still come in
	// order, and at most Prefetch pages are held in memory. Requests share the client's rate
	// limit and retry budget, so prefetching never outruns it. At most MaxPrefetch.
	Prefetch int
}

// StatusPage is one page of statuses.
type StatusPage struct {
	Items      []Status  // the statuses, in the server's order
	Offset     int       // the offset this page was asked for
	NextOffset int       // the offset of the next page
	Total      int       // from X-Total-Count; valid when HasTotal. Reported, never trusted to end a listing
	HasTotal   bool      // the server sent X-Total-Count
	Last       bool      // the page was short (fewer items than the limit): no page follows
	Warnings   []Warning // values in these items that did not match the spec; the items are kept
}

// statusIdentity are the fields of a status without which it cannot be used: its ids (to wait
// on, cancel or close it, and to tell it from others) and its state. A page with an item whose
// identity has the wrong shape fails with ErrUndecodable rather than hand out an item that
// looks valid but names nothing. Every other field is information: a value of the wrong shape
// there is left empty and reported as a Warning.
var statusIdentity = []string{"accessRequestId", "accountActivityItemId", "id", "state"}

func (q ListStatusParams) pageSize() int {
	if q.PageSize == 0 {
		return MaxPageSize
	}
	return q.PageSize
}

// listing is a ListStatusParams checked, with its filters and sorters rendered, once for all the
// pages it lists, and the endpoint it lists from.
type listing struct {
	q                ListStatusParams
	e                endpoint
	filters, sorters string
	bodies           *bodies // the listing's body buffers; nil for a single page (the client's)
}

// bodies are buffers that bodies are read into, kept for the next response: a page of
// statuses is a third of a megabyte. A listing holds its own for its whole life (one for each
// page in flight), so reading a page allocates nothing after the first; a Client keeps
// keptBodies of up to maxKeptBody for its other calls, and a listing that ends hands its
// buffers to them. (A sync.Pool missed often: a goroutine that moved to another processor
// between two calls found its buffer gone, and a body of unknown length was then read into a
// buffer that doubled from 4 KiB.) Nothing decoded refers to a buffer (both decoders copy every
// string and raw value out of it; TestABodyBufferIsReusedWithoutAliasing), so it is reused as
// soon as the body is decoded.
type bodies struct {
	keep int     // the most buffers kept, each up to maxKeptBody; 0: every buffer, whatever its size
	from *bodies // where a listing's buffers come from when it has none free (the client's)
	mu   sync.Mutex
	free []*[]byte
}

const (
	keptBodies  = 2
	maxKeptBody = 1 << 20
)

func (b *bodies) get() *[]byte {
	if b == nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if n := len(b.free); n > 0 {
		buf := b.free[n-1]
		b.free = b.free[:n-1]
		return buf
	}
	if b.from != nil {
		return b.from.get()
	}
	return new([]byte)
}

func (b *bodies) put(buf *[]byte) {
	if b == nil || buf == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.keep > 0 && (len(b.free) >= b.keep || cap(*buf) > maxKeptBody) {
		return // left to the collector
	}
	b.free = append(b.free, buf)
}

// handTo gives a listing's buffers to the client's, when the listing ends.
func (b *bodies) handTo(to *bodies) {
	for _, buf := range b.free {
		to.put(buf)
	}
	b.free = nil
}

// listing resolves the endpoint q lists from in the client's generation, refusing Admin on a
// beta client, and prepares q for it.
func (c *Client) listing(q ListStatusParams, offset int, method string) (*listing, error) {
	o := opStatus
	if q.Admin {
		o = opAdminStatus
	}
	e, err := c.endpoint(o, method)
	if err != nil {
		return nil, err
	}
	l, err := q.prepare(Listing(e.op), offset)
	if err != nil {
		return nil, err
	}
	l.e = e
	return l, nil
}

// prepare checks the query, and the first offset it will ask for, against listing ls before
// anything is sent, and renders its filters and sorters.
func (q ListStatusParams) prepare(ls Listing, offset int) (*listing, error) {
	var p problems
	if q.RegardingIdentity != "" && (q.RequestedFor != "" || q.RequestedBy != "") {
		p.add("regarding-identity", "cannot be combined with requested-for or requested-by")
	}
	if q.PageSize < 0 || q.PageSize > MaxPageSize {
		p.add("limit", "must be between 1 and %d, got %d", MaxPageSize, q.PageSize)
	}
	if q.Prefetch < 0 || q.Prefetch > MaxPrefetch {
		p.add("prefetch", "must be between 0 and %d, got %d", MaxPrefetch, q.Prefetch)
	}
	l := &listing{q: q}
	l.filters = typedOrRaw(&p, "Filters", len(q.Filters), q.RawFilters, func() (string, error) { return ls.Filters(q.Filters...) })
	l.sorters = cmp.Or(typedOrRaw(&p, "Sorters", len(q.Sorters), q.RawSorters, func() (string, error) { return ls.Sorters(q.Sorters...) }), DefaultSorters)
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
	if err := p.err(string(ls)); err != nil {
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

// ListStatusPage fetches one page of statuses starting at offset (listAccessRequestStatus, or
// the successor's listing on a v1 client; see ListStatusParams.Admin).
// A value of the wrong shape in an item's information is reported in the page's Warnings; an
// AccessRequestID, AccountActivityItemID, ID or State of the wrong shape fails the page instead
// (the item could not be told apart or followed up). Some tenants answer 400 for an offset at or past
// the end: ListStatusPage returns that error as is, while ListStatusPages and ListStatus read it
// as the end of the listing.
func (c *Client) ListStatusPage(ctx context.Context, q ListStatusParams, offset int) (*StatusPage, error) {
	l, err := c.listing(q, offset, "ListStatusPage")
	if err != nil {
		return nil, err
	}
	return c.page(ctx, l, offset)
}

// page fetches one page of a prepared listing.
func (c *Client) page(ctx context.Context, l *listing, offset int) (*StatusPage, error) {
	op := l.e.op
	if offset < 0 || offset > math.MaxInt32 {
		return nil, (&problems{{Field: "offset", Rule: fmt.Sprintf("must be between 0 and %d, got %d", math.MaxInt32, offset)}}).err(op)
	}
	q := l.q
	var items []Status // made for the page's items at once (see decodeBody)
	buf := l.bodies.get()
	defer l.bodies.put(buf)
	read := readOptions{decodeOptions: decodeOptions{critical: statusIdentity, maxItems: q.pageSize()}, buf: buf}
	resp, warnings, err := c.callWarn(ctx, op, &items, read, func(ctx context.Context) (*http.Request, error) {
		return l.e.request(ctx, http.MethodGet, l.pageURL(l.e.url, offset), nil)
	})
	if err != nil {
		return nil, err
	}
	page := &StatusPage{Items: items, Offset: offset, NextOffset: offset + len(items), Warnings: warnings}
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
	page.Last = len(items) < q.pageSize()
	return page, nil
}

// ListStatusPages iterates over the pages of a listing, so a caller can show rows as they
// arrive along with each page's Total and Warnings. It ends after the first short page, or when
// the server answers 400 for the offset that follows a full page (some tenants do so at the
// end instead of sending an empty page). The total is never trusted to end a listing: a full
// page that reaches it is followed by one more request, so a total that is too low loses
// nothing. It never asks for the same offset twice, checks ctx between pages, and yields an
// error at most once, as its last value. Breaking out of the loop stops it; no goroutine is
// left behind. With q.Prefetch above 1, pages are fetched ahead (see ListStatusParams.Prefetch).
func (c *Client) ListStatusPages(ctx context.Context, q ListStatusParams) iter.Seq2[*StatusPage, error] {
	return func(yield func(*StatusPage, error) bool) {
		l, err := c.listing(q, 0, "ListStatusPages")
		if err != nil {
			yield(nil, err)
			return
		}
		l.bodies = &bodies{from: c.bodies}
		defer l.bodies.handTo(c.bodies)
		emit := func(p *StatusPage) bool { return yield(p, nil) }
		fail := func(err error) { yield(nil, err) }
		if q.Prefetch > 1 {
			c.prefetch(ctx, l, emit, fail)
			return
		}
		c.sequential(ctx, l, emit, fail)
	}
}

// ListStatus iterates over every status the query selects, item by item, with no cap, ending
// as ListStatusPages does. Items with values that do not match the spec are yielded with what
// decoded (the warnings are logged and go to WithWarningHandler; ListStatusPages has them per
// page).
func (c *Client) ListStatus(ctx context.Context, q ListStatusParams) iter.Seq2[Status, error] {
	return func(yield func(Status, error) bool) {
		var seen map[string]bool
		if q.Dedupe {
			seen = map[string]bool{}
		}
		for page, err := range c.ListStatusPages(ctx, q) {
			if err != nil {
				yield(Status{}, err)
				return
			}
			for _, s := range page.Items {
				if seen != nil {
					key := s.AccessRequestID + "/" + s.AccountActivityItemID
					if seen[key] {
						continue
					}
					seen[key] = true
				}
				if !yield(s, nil) {
					return
				}
			}
		}
	}
}

// sequential pages from offset 0 one page at a time, handing each page to emit, until a last
// page, the end (see endedAt), a stop from emit, or an error (handed to fail).
func (c *Client) sequential(ctx context.Context, l *listing, emit func(*StatusPage) bool, fail func(error)) {
	var prev *StatusPage
	offset := 0
	for {
		if err := ctx.Err(); err != nil {
			fail(err)
			return
		}
		page, err := c.page(ctx, l, offset)
		if err != nil {
			if !c.endedAt(ctx, l, err, offset, prev) {
				fail(err)
			}
			return
		}
		if err := l.repeated(prev, page); err != nil {
			fail(err)
			return
		}
		if !emit(page) || page.Last {
			return
		}
		prev, offset = page, page.NextOffset
	}
}

// endedAt reports whether err, for the page at offset, is the end of the listing: a 400 for
// the offset right after a full page (prev). The server accepted the same query at every
// earlier offset, so only the offset can be what it refuses.
func (c *Client) endedAt(ctx context.Context, l *listing, err error, offset int, prev *StatusPage) bool {
	if prev == nil || !errors.Is(err, ErrBadRequest) || prev.Last || offset != prev.NextOffset {
		return false
	}
	if prev.HasTotal && offset < prev.Total {
		c.tr.log.WarnContext(ctx, "listing ended at a 400 for the offset after a full page, before the total the server claimed",
			"operation", l.e.op, "offset", offset, "total", prev.Total)
	} else {
		c.tr.log.DebugContext(ctx, "listing ended at a 400 for the offset after a full page",
			"operation", l.e.op, "offset", offset)
	}
	return true
}

// repeated fails a page that holds the same entries as the one before it: a server serving the
// same page at every offset would otherwise be paged until a lying total, or forever.
func (l *listing) repeated(prev, page *StatusPage) error {
	if prev == nil {
		return nil
	}
	if key := pageKey(page.Items); key != "" && key == pageKey(prev.Items) {
		return fmt.Errorf("accessrequests: %s: %w: offsets %d and %d returned the same entries",
			l.e.op, ErrInconsistentPage, prev.Offset, page.Offset)
	}
	return nil
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

// prefetch lists with up to q.Prefetch pages in flight. Planning follows the window, never the
// total: offsets are chosen one at a time as slots free up. Within the total the first page
// claimed, pages are fetched ahead; past it, one page at a time and only after a full page, as
// sequential paging would (so rows added during the listing are reached, and a lying total
// costs at most a window of requests). Every goroutine it starts has ended when it returns.
func (c *Client) prefetch(ctx context.Context, l *listing, emit func(*StatusPage) bool, fail func(error)) {
	counted := *l
	counted.q.Count = true
	l = &counted
	first, err := c.page(ctx, l, 0)
	if err != nil {
		fail(err)
		return
	}
	if !emit(first) || first.Last {
		return
	}
	total := math.MaxInt
	if first.HasTotal {
		total = first.Total
	}

	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	defer func() { cancel(); wg.Wait() }()
	type result struct {
		offset int
		page   *StatusPage
		err    error
	}
	var inFlight []chan result // in offset order; never more than Prefetch
	next, size := first.NextOffset, l.q.pageSize()
	prev := first
	for {
		for len(inFlight) < l.q.Prefetch && (next < total || len(inFlight) == 0) {
			slot, off := make(chan result, 1), next
			wg.Add(1)
			go func() {
				defer wg.Done()
				p, err := c.page(ctx, l, off)
				slot <- result{off, p, err}
			}()
			inFlight = append(inFlight, slot)
			next += size
		}
		var r result
		select {
		case r = <-inFlight[0]:
		case <-ctx.Done():
			fail(ctx.Err())
			return
		}
		inFlight = inFlight[1:]
		if r.err != nil {
			if !c.endedAt(ctx, l, r.err, r.offset, prev) {
				fail(r.err)
			}
			return
		}
		if err := l.repeated(prev, r.page); err != nil {
			fail(err)
			return
		}
		if !emit(r.page) || r.page.Last {
			return
		}
		prev = r.page
	}
}

// pageKey identifies a page by its first and last entries, to notice a server that serves
// the same page again at the next offset (which would otherwise page on until a lying total).
func pageKey(items []Status) string {
	if len(items) == 0 {
		return ""
	}
	key := func(s Status) string {
		return s.AccessRequestID + "/" + s.AccountActivityItemID + "/" + s.ID
	}
	return fmt.Sprintf("%d|%s|%s", len(items), key(items[0]), key(items[len(items)-1]))
}

// SodMessages returns the messages of a status's separation-of-duties check, whether the
// server sent one message or a list of them (the vendor shows both). It returns nil when there
// are none or the value is neither shape.
func SodMessages(st Status) []Message {
	m := st.SodViolationContext.ViolationCheckResult.Message
	if m == nil {
		return nil
	}
	list, err := m.AsErrorMessageList()
	if err != nil {
		one, err := m.AsErrorMessage()
		if err != nil {
			return nil
		}
		list = gen.ErrorMessageList{one}
	}
	out := make([]Message, 0, len(list))
	for _, e := range list {
		out = append(out, Message{Locale: e.Locale, LocaleOrigin: string(e.LocaleOrigin), Text: e.Text})
	}
	return out
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
