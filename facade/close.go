package facade

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/sailkit/accessrequests/gen"
)

// MaxCloseIDs is the most request ids the server takes in one closeAccessRequest call.
const MaxCloseIDs = 500

// CloseRequestsParams asks for pending requests to be forced to a final state.
type CloseRequestsParams struct {
	IDs              []string         // access request ids; any number
	ExecutionStatus  ExecutionStatus  // empty: the server's default, Terminated
	CompletionStatus CompletionStatus // empty: the server's default, Failure
	Message          string           // empty: the server's default message

	// ContinueOnError goes on past a failed call to the next chunk; without it the first
	// failure stops the work and the ids after it are NotSent. The context ending always stops.
	ContinueOnError bool

	// SkipFinal reads the requests' states first (as a lost answer is read back) and sends only
	// those not final; the others are Skipped. A run stopped part-way (a signal, SIGKILL, a
	// crash) can then be run again with the same ids without closing anything twice.
	SkipFinal bool

	// Progress, when set, is called after each call with the number of ids accepted so far
	// and the total.
	Progress func(accepted, total int)
}

// BulkResult accounts for every id of a bulk close or cancel: each is in exactly one of
// Accepted, Settled, Unknown, Refused, NotSent and Skipped, so a caller can check Unknown, resend Refused
// (once it has fixed why) and NotSent without changing anything twice.
type BulkResult struct {
	Accepted []string // in calls the server answered 202
	// Settled are in a call whose answer was lost (the outcome was unknown), and whose states,
	// read back from the status listing, show the write took effect: final (a close) or
	// CANCELLED (a cancel).
	Settled []string
	Unknown []string // in a call that failed after it may have reached the server, not settled by reading back: check them
	// Refused are in a call that failed without the server acting on it (refused with a 4xx,
	// or never delivered), or, read back after a lost answer, final in another state than a
	// cancel makes: nothing left to cancel.
	Refused []string
	NotSent []string // in calls never sent: an earlier one failed (without ContinueOnError) or the context ended
	Skipped []string // with SkipFinal: final already, so not sent
	Calls   int      // calls made (the write's; read-back listings are in Lookups)
	Lookups int      // listings made to read states back
	Err     error    // what stopped the work, or the last failure not settled (saying why its read-back failed, if it did); nil when every id is Accepted or Settled
}

// NotAccepted lists the ids the server is not known to have acted on: Unknown, Refused, then
// NotSent.
func (r *BulkResult) NotAccepted() []string {
	return append(append(append([]string(nil), r.Unknown...), r.Refused...), r.NotSent...)
}

// CloseRequests closes any number of access requests (closeAccessRequest, or
// closeAccessRequestV1 on a v1 client), in calls of at most MaxCloseIDs ids, in order. The
// result accounts for every id (see BulkResult). A call whose answer is lost is settled by
// reading its requests' states back (unless the client was made WithoutSettling): those found
// final are Settled, the rest Unknown once the settle period has passed. The beta's listing
// asks for many ids per call; the successor's user listing, one per id. Nothing is sent twice.
// The returned error is the result's Err. Duplicate and empty ids are refused before anything
// is sent.
func (c *Client) CloseRequests(ctx context.Context, req CloseRequestsParams) (*BulkResult, error) {
	e, err := c.endpoint(opClose, "CloseRequests")
	if err != nil {
		return nil, err
	}
	p := checkIDs(req.IDs)
	switch req.ExecutionStatus {
	case "", ExecutionStatusTerminated, ExecutionStatusCompleted:
	default:
		p.add("executionStatus", "must be Terminated or Completed, got %q", req.ExecutionStatus)
	}
	switch req.CompletionStatus {
	case "", CompletionStatusSuccess, CompletionStatusIncomplete, CompletionStatusFailure:
	default:
		p.add("completionStatus", "must be Success, Incomplete or Failure, got %q", req.CompletionStatus)
	}
	if err := p.err(e.op); err != nil {
		return nil, err
	}

	w := chunkedWrite{e: e, size: MaxCloseIDs, cont: req.ContinueOnError, skipFinal: req.SkipFinal, progress: req.Progress, verdict: closeVerdict, method: "CloseRequests",
		body: func(chunk []string) any {
			return gen.CloseAccessRequest{AccessRequestIDs: chunk, ExecutionStatus: req.ExecutionStatus,
				CompletionStatus: req.CompletionStatus, Message: req.Message}
		}}
	r := c.postInChunks(ctx, w, req.IDs)
	return r, r.Err
}

// checkIDs refuses, as problems of accessRequestIds, an empty list, an empty id and an id
// named twice.
func checkIDs(ids []string) problems {
	var p problems
	if len(ids) == 0 {
		p.add("accessRequestIds", "must name at least one request")
	}
	seen := make(map[string]int, len(ids))
	for i, id := range ids {
		if strings.TrimSpace(id) == "" {
			p.add(fmt.Sprintf("accessRequestIds[%d]", i), "is empty")
		} else if j, dup := seen[id]; dup {
			p.add(fmt.Sprintf("accessRequestIds[%d]", i), "repeats accessRequestIds[%d] (%s)", j, id)
		} else {
			seen[id] = i
		}
	}
	return p
}

// chunkedWrite is a bulk write sent in chunks.
type chunkedWrite struct {
	e         endpoint
	size      int                      // the most ids in one call
	body      func(chunk []string) any // the body of a call
	cont      bool                     // go on past a failed call
	skipFinal bool                     // send only the requests not final yet
	progress  func(accepted, total int)
	verdict   func([]Status) readVerdict // what the rows of a request whose answer was lost say
	method    string                     // the facade method, for errors
}

// postInChunks posts ids in chunks of at most w.size, in order, calling w.progress (when not
// nil) after each chunk with the ids accepted or settled so far. A chunk whose answer was lost is read back (readBack); a
// failed chunk stops the work unless w.cont. Every id ends in one list of the result.
func (c *Client) postInChunks(ctx context.Context, w chunkedWrite, ids []string) *BulkResult {
	r := &BulkResult{}
	if w.skipFinal {
		found, err := c.lookupIDs(ctx, ids, false, w.method)
		r.Lookups += found.listings
		if err != nil {
			r.NotSent, r.Err = ids, err
			return r
		}
		var send []string
		for _, id := range ids {
			if rows := found.rows[id]; len(rows) > 0 && allFinal(rows) {
				r.Skipped = append(r.Skipped, id)
			} else {
				send = append(send, id)
			}
		}
		ids = send
	}
	for start := 0; start < len(ids); start += w.size {
		if err := ctx.Err(); err != nil {
			r.NotSent, r.Err = ids[start:], err
			return r
		}
		chunk := ids[start:min(start+w.size, len(ids))]
		sent := c.tr.now()
		err := c.postChunk(ctx, w, chunk, &r.Calls)
		switch {
		case err == nil:
			r.Accepted = append(r.Accepted, chunk...)
		case errors.Is(err, ErrOutcomeUnknown):
			rb := c.readBack(ctx, chunk, sent, w.verdict, w.method)
			r.Lookups += rb.lookups
			r.Settled = append(r.Settled, rb.acted...)
			r.Refused = append(r.Refused, rb.endedOtherwise...)
			r.Unknown = append(r.Unknown, rb.unknown...)
			switch {
			case len(rb.acted) == len(chunk):
				err = nil // every id took effect
			case len(rb.unknown) > 0:
				err = rb.failed(err)
			default: // every id known: some ended another way, which no write can change now
				err = fmt.Errorf("accessrequests: %s: %d of %d request(s) read back final in another state than the write makes, after its answer was lost (%v)",
					w.e.op, len(rb.endedOtherwise), len(chunk), err)
			}
		default:
			r.Refused = append(r.Refused, chunk...)
		}
		if err != nil {
			r.Err = err
			if !w.cont {
				r.NotSent = ids[start+len(chunk):]
				return r
			}
		}
		if w.progress != nil {
			w.progress(len(r.Accepted)+len(r.Settled), len(ids))
		}
	}
	return r
}

// postChunk sends one chunk, counting the call.
func (c *Client) postChunk(ctx context.Context, w chunkedWrite, chunk []string, calls *int) error {
	data, err := json.Marshal(w.body(chunk))
	if err != nil {
		return fmt.Errorf("accessrequests: %s: %w", w.e.op, err)
	}
	*calls++
	_, err = c.call(ctx, w.e.op, nil, func(ctx context.Context) (*http.Request, error) {
		return w.e.request(ctx, http.MethodPost, w.e.url, data)
	})
	return err
}
