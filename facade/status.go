package facade

import (
	"context"
	"fmt"
	"iter"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/sailkit/accessrequests/gen"
)

// Status is the status of one item requested for one identity.
type Status = gen.RequestedItemStatus

// States a requested item can be in (Status.State).
const (
	StateExecuting              = gen.RequestedItemStatusRequestStateEXECUTING
	StateRequestCompleted       = gen.RequestedItemStatusRequestStateREQUESTCOMPLETED
	StateCancelled              = gen.RequestedItemStatusRequestStateCANCELLED
	StateTerminated             = gen.RequestedItemStatusRequestStateTERMINATED
	StateVerificationPending    = gen.RequestedItemStatusRequestStatePROVISIONINGVERIFICATIONPENDING
	StateRejected               = gen.RequestedItemStatusRequestStateREJECTED
	StateProvisioningFailed     = gen.RequestedItemStatusRequestStatePROVISIONINGFAILED
	StateNotAllItemsProvisioned = gen.RequestedItemStatusRequestStateNOTALLITEMSPROVISIONED
	StateError                  = gen.RequestedItemStatusRequestStateERROR
)

// MaxPageSize is the largest page listAccessRequestStatus returns.
const MaxPageSize = 250

// StatusQuery selects access request statuses. The zero value lists everything the caller may
// see, 250 at a time.
type StatusQuery struct {
	RequestedFor      string // identity the requests are for; "me" for the caller
	RequestedBy       string // identity that made the requests; "me" for the caller
	RegardingIdentity string // requester or target; not with RequestedFor or RequestedBy
	AssignedTo        string // owner of the request's work item; "me" for the caller
	OnlyExecuting     bool   // request-state=EXECUTING, the one state the server filters on
	Filters           string // a filter expression; see the Filter builders
	Sorters           string // comma-separated sort keys; see the Sort builders
	PageSize          int    // 1..250; 0 means 250
	Count             bool   // ask for X-Total-Count
}

// StatusPage is one page of statuses.
type StatusPage struct {
	Items      []Status
	Offset     int  // the offset this page was asked for
	NextOffset int  // the offset of the next page
	Total      int  // from X-Total-Count; valid when HasTotal
	HasTotal   bool // the server sent X-Total-Count
	Last       bool // no page follows: this one was short, or it reached Total
}

func (q StatusQuery) pageSize() int {
	if q.PageSize == 0 {
		return MaxPageSize
	}
	return q.PageSize
}

// validate checks the query before anything is sent.
func (q StatusQuery) validate(offset int) error {
	var p problems
	if q.RegardingIdentity != "" && (q.RequestedFor != "" || q.RequestedBy != "") {
		p.add("regarding-identity", "cannot be combined with requested-for or requested-by")
	}
	if q.PageSize < 0 || q.PageSize > MaxPageSize {
		p.add("limit", "must be between 1 and %d, got %d", MaxPageSize, q.PageSize)
	}
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
	return p.err("listAccessRequestStatus")
}

func (q StatusQuery) params(offset int) *gen.ListAccessRequestStatusParams {
	str := func(s string) *string {
		if s == "" {
			return nil
		}
		return &s
	}
	limit, off := int32(q.pageSize()), int32(offset)
	p := &gen.ListAccessRequestStatusParams{
		RequestedFor: str(q.RequestedFor), RequestedBy: str(q.RequestedBy),
		RegardingIdentity: str(q.RegardingIdentity), AssignedTo: str(q.AssignedTo),
		Filters: str(q.Filters), Sorters: str(q.Sorters), Limit: &limit, Offset: &off,
	}
	if q.Count {
		t := true
		p.Count = &t
	}
	if q.OnlyExecuting {
		s := gen.ListAccessRequestStatusParamsRequestStateEXECUTING
		p.RequestState = &s
	}
	return p
}

// ListStatusPage fetches one page of statuses starting at offset (listAccessRequestStatus).
func (c *Client) ListStatusPage(ctx context.Context, q StatusQuery, offset int) (*StatusPage, error) {
	const op = "listAccessRequestStatus"
	if err := q.validate(offset); err != nil {
		return nil, err
	}
	var items []Status
	resp, err := c.call(ctx, op, &items, func(ctx context.Context) (*http.Response, error) {
		return c.api.ListAccessRequestStatus(ctx, q.params(offset))
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
	page.Last = len(items) < q.pageSize() || (page.HasTotal && page.NextOffset >= page.Total)
	return page, nil
}

// ListStatus iterates over every status the query selects, page by page, with no cap. It stops
// after a short page or at the total when the server reports one, never asks for the same
// offset twice, checks ctx between pages, and yields an error at most once, as its last value.
// Breaking out of the loop stops it; no goroutine is left behind.
func (c *Client) ListStatus(ctx context.Context, q StatusQuery) iter.Seq2[Status, error] {
	return func(yield func(Status, error) bool) {
		offset := 0
		for {
			if err := ctx.Err(); err != nil {
				yield(Status{}, err)
				return
			}
			page, err := c.ListStatusPage(ctx, q, offset)
			if err != nil {
				yield(Status{}, err)
				return
			}
			for _, s := range page.Items {
				if !yield(s, nil) {
					return
				}
			}
			if page.Last || page.NextOffset <= offset {
				return
			}
			offset = page.NextOffset
		}
	}
}

// CollectStatus gathers what ListStatus yields into a slice, stopping after max items when max
// is positive. On error it returns the items gathered so far with the error.
func (c *Client) CollectStatus(ctx context.Context, q StatusQuery, max int) ([]Status, error) {
	var out []Status
	for s, err := range c.ListStatus(ctx, q) {
		if err != nil {
			return out, err
		}
		out = append(out, s)
		if max > 0 && len(out) >= max {
			break
		}
	}
	return out, nil
}
