package facade

import (
	"context"
	"fmt"
	"time"
)

// readVerdict is what a request's rows say about a close or cancel whose answer was lost.
type readVerdict int

const (
	undecided      readVerdict = iota // not yet: the write may still take effect
	acted                             // the write took effect (or its end was already reached)
	endedOtherwise                    // the request ended another way: the write cannot act now
)

// closeVerdict: a close took effect once every row of the request is final.
func closeVerdict(rows []Status) readVerdict {
	if allFinal(rows) {
		return acted
	}
	return undecided
}

// cancelVerdict: a cancel took effect once every row is CANCELLED; a request final in another
// state cannot be cancelled any more.
func cancelVerdict(rows []Status) readVerdict {
	cancelled := true
	for _, st := range rows {
		cancelled = cancelled && st.State == StateCancelled
	}
	switch {
	case cancelled:
		return acted
	case allFinal(rows):
		return endedOtherwise
	}
	return undecided
}

// readBackResult sorts the ids of a write whose answer was lost.
type readBackResult struct {
	acted, endedOtherwise, unknown []string
	lookups                        int   // listings made
	err                            error // the last lookup's error, if it failed
}

// readBack settles the ids of a close or cancel whose answer was lost by reading the requests'
// states back from the generation's user listing (lookupIDs): it looks at once, then paced as
// a create's settling is (2 s, growing by half up to 15 s), until verdict decides every id or
// the settle period from sent ends (each round cut at the period's end, the last given at
// least settleGrace), or a lookup fails in a way waiting will not mend. Ids still undecided,
// or not listed, are unknown. With settling off (WithoutSettling) nothing is looked up.
func (c *Client) readBack(ctx context.Context, ids []string, sent time.Time, verdict func([]Status) readVerdict, method string) readBackResult {
	var r readBackResult
	if c.settle.off {
		r.unknown = ids
		return r
	}
	deadline := sent.Add(c.settle.periodOr())
	wait := settleFirstWait
	pending := ids
	for {
		end := deadline
		if grace := c.tr.now().Add(settleGrace); grace.After(end) {
			end = grace
		}
		round, cancel := context.WithDeadline(ctx, end)
		found, err := c.lookupIDs(round, pending, false, method)
		cancel()
		r.lookups += found.listings
		r.err = err
		// A failed lookup still decides the ids of the batches it read whole.
		var still []string
		for _, id := range pending {
			rows := found.rows[id]
			if len(rows) == 0 {
				still = append(still, id) // not listed (yet), or not read
				continue
			}
			switch verdict(rows) {
			case acted:
				r.acted = append(r.acted, id)
			case endedOtherwise:
				r.endedOtherwise = append(r.endedOtherwise, id)
			default:
				still = append(still, id)
			}
		}
		pending = still
		now := c.tr.now()
		if len(pending) == 0 || !now.Before(deadline) || err != nil && !transientLookup(err) {
			break
		}
		if c.tr.sleep(ctx, min(wait, deadline.Sub(now))) != nil {
			break
		}
		wait = min(wait+wait/2, settleMaxWait)
	}
	r.unknown = pending
	return r
}

// failed adds to err, a write's unknown outcome, why the read-back could not settle it when a
// lookup failed (a 403, the context ending): the states were not read, so nothing is said
// about them. The lookup's error is text only: err matches what the write's did, not the
// listing's refusal. Without a failed lookup it returns err as it is.
func (r readBackResult) failed(err error) error {
	if r.err == nil {
		return err
	}
	return fmt.Errorf("%w (read back failed after %d listing(s): %v)", err, r.lookups, r.err)
}
