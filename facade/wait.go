package facade

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// WaitParams paces Wait and WaitAll. No field may be negative.
type WaitParams struct {
	Interval    time.Duration // first wait between polls; 2 s when 0
	MaxInterval time.Duration // waits grow by half each poll up to this; 30 s (or Interval, if longer) when 0
	// Timeout bounds the whole wait: when it passes with a request not final, the wait ends
	// with an error matching context.DeadlineExceeded. 0: only ctx bounds it.
	Timeout time.Duration
	// Admin polls through the administrators' listing (the successor's only), which takes
	// "in" on the request's id: WaitAll then asks for many ids per listing on v1 too.
	Admin bool
	// OnFinal, when set, is called by WaitAll with each request's rows as soon as every one of
	// them is final, in the order the polls find them. An error it returns ends the wait.
	OnFinal func(accessRequestID string, rows []Status) error
}

// check refuses negative durations and a maximum below the first interval, naming the field.
func (p WaitParams) check() problems {
	var bad problems
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"interval", p.Interval}, {"maxInterval", p.MaxInterval}, {"timeout", p.Timeout}} {
		if d.v < 0 {
			bad.add(d.name, "must not be negative, got %s", d.v)
		}
	}
	if p.MaxInterval > 0 && p.Interval > p.MaxInterval {
		bad.add("maxInterval", "must not be less than interval (%s), got %s", p.Interval, p.MaxInterval)
	}
	return bad
}

// pace returns the first wait and the longest.
func (p WaitParams) pace() (first, longest time.Duration) {
	first = cmp.Or(p.Interval, 2*time.Second)
	return first, cmp.Or(p.MaxInterval, max(30*time.Second, first))
}

// WaitAllResult accounts for every id of a WaitAll: each is in exactly one of Final, Pending
// and NotFound.
type WaitAllResult struct {
	Final    map[string][]Status // by id: the request's rows, every one final
	Pending  []string            // not final when the wait ended early (timeout, ctx, an error), in the order given
	NotFound []string            // not listed at all: unknown ids, or requests not listed yet
	Listings int                 // listings made, over every poll (pages not counted)
	Polls    int                 // rounds of polling
}

// Wait polls the status of one access request until it reaches a final state (see IsFinal:
// every row of the request, one per item, is final) and returns its first row. It stops when
// ctx ends or p.Timeout passes. An id the server does not list gives ErrNotFound.
//
// Each poll is one listing filtered on the request's id with "eq", the one lookup by id every
// listing accepts, so a poll costs the same on either generation. Only rows carrying the id
// asked count: a server that ignores the filter cannot pass another request off as this one.
func (c *Client) Wait(ctx context.Context, accessRequestID string, p WaitParams) (Status, error) {
	if strings.TrimSpace(accessRequestID) == "" {
		e, err := c.endpoint(opStatus, "Wait")
		if err != nil {
			return Status{}, err
		}
		return Status{}, (&problems{{Field: "accessRequestId", Rule: "is required"}}).err(e.op)
	}
	p.OnFinal = nil
	res, err := c.waitAll(ctx, []string{accessRequestID}, p, "Wait")
	if err != nil {
		return Status{}, err
	}
	return res.Final[accessRequestID][0], nil
}

// WaitAll polls many access requests until each reaches a final state (every row final, see
// IsFinal), with as few listings as the listing's filters allow: on the beta's user listing
// and the administrators' (p.Admin), batches of AccessRequestID().In(...) whose URLs stay within
// MaxLookupURL; on the successor's user listing, which has no "in" on the id, one listing per id,
// as Wait makes. Each poll asks only for the requests not final yet; waits between polls grow
// as Wait's do. Only rows carrying an id asked count.
//
// The result accounts for every id. An id no listing shows is put in NotFound and not polled
// again; the wait goes on for the others and then returns an error matching ErrNotFound. When
// ctx ends, p.Timeout passes (an error matching context.DeadlineExceeded) or a listing fails,
// the ids not final are in Pending, with the error. Empty and repeated ids are refused before
// anything is sent.
func (c *Client) WaitAll(ctx context.Context, ids []string, p WaitParams) (*WaitAllResult, error) {
	e, err := c.endpoint(opStatus, "WaitAll")
	if err != nil {
		return nil, err
	}
	if bad := checkIDs(ids); len(bad) > 0 {
		return nil, bad.err(e.op)
	}
	return c.waitAll(ctx, ids, p, "WaitAll")
}

func (c *Client) waitAll(ctx context.Context, ids []string, p WaitParams, method string) (*WaitAllResult, error) {
	op := opStatus
	if p.Admin {
		op = opAdminStatus
	}
	e, err := c.endpoint(op, method)
	if err != nil {
		return nil, err
	}
	if bad := p.check(); len(bad) > 0 {
		return nil, bad.err(e.op)
	}
	res := &WaitAllResult{Final: make(map[string][]Status, len(ids))}
	if p.Timeout > 0 {
		// On the client's clock, which the rate limiter also reads.
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, c.tr.now().Add(p.Timeout))
		defer cancel()
	}
	interval, longest := p.pace()
	pending := ids
	for {
		res.Polls++
		found, err := c.lookupIDs(ctx, pending, p.Admin, method)
		res.Listings += found.listings
		if err != nil {
			res.Pending = pending
			return res, c.timedOut(ctx, e.op, p, len(pending), err)
		}
		var still []string
		for _, id := range pending {
			rows := found.rows[id]
			switch {
			case len(rows) == 0:
				res.NotFound = append(res.NotFound, id)
			case allFinal(rows):
				res.Final[id] = rows
				if p.OnFinal != nil {
					if err := p.OnFinal(id, rows); err != nil {
						res.Pending = append(still, pendingAfter(pending, id)...)
						return res, err
					}
				}
			default:
				still = append(still, id)
			}
		}
		pending = still
		if len(pending) == 0 {
			break
		}
		if err := c.tr.sleep(ctx, interval); err != nil {
			res.Pending = pending
			return res, c.timedOut(ctx, e.op, p, len(pending), err)
		}
		interval = min(interval+interval/2, longest)
	}
	if n := len(res.NotFound); n > 0 {
		return res, fmt.Errorf("accessrequests: %s: access request %s: %w", e.op, describeIDs(res.NotFound), ErrNotFound)
	}
	return res, nil
}

// timedOut says how many requests p.Timeout left pending, when it is what ended the wait: its
// deadline passed, or the rate limiter refused a wait past it before it came. A deadline error
// with more time left than one call's own bound (WithTimeout) is that call's, not p.Timeout's.
func (c *Client) timedOut(ctx context.Context, op string, p WaitParams, pending int, err error) error {
	if p.Timeout <= 0 {
		return err
	}
	dl, _ := ctx.Deadline()
	ours := errors.Is(ctx.Err(), context.DeadlineExceeded) ||
		ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) && (c.timeout == 0 || dl.Sub(c.tr.now()) < c.timeout)
	if ours {
		return fmt.Errorf("accessrequests: %s: %d request(s) not final after %s: %w", op, pending, p.Timeout, err)
	}
	return err
}

// pendingAfter lists the ids after id in ids: those a poll had not reached when it stopped.
func pendingAfter(ids []string, id string) []string {
	for i, x := range ids {
		if x == id {
			return ids[i+1:]
		}
	}
	return nil
}

// allFinal reports whether every row is in a final state.
func allFinal(rows []Status) bool {
	for _, st := range rows {
		if !IsFinal(st.State) {
			return false
		}
	}
	return true
}

// describeIDs names one id, or the first and how many more.
func describeIDs(ids []string) string {
	if len(ids) == 1 {
		return ids[0]
	}
	return fmt.Sprintf("%s and %d more", ids[0], len(ids)-1)
}
