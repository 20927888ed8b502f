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

// CancelParams names the request Cancel cancels, and why. Both fields are required.
type CancelParams struct {
	// ID is the request's id, as in Status.AccessRequestID and CreateResult. (The API calls
	// it the account activity's id in this one body.)
	ID string
	// Comment says why the request is cancelled; the server records it.
	Comment string
}

// Cancel cancels a pending access request that has not passed its approval step
// (cancelAccessRequest, or cancelAccessRequestV1 on a v1 client). Both fields of p are checked
// before anything is sent. An unknown id gives an error matching ErrNotFound.
func (c *Client) Cancel(ctx context.Context, p CancelParams) error {
	e, err := c.endpoint(opCancel, "Cancel")
	if err != nil {
		return err
	}
	var bad problems
	if strings.TrimSpace(p.ID) == "" {
		bad.add("accountActivityId", "is required") // the body's name for ID
	}
	if strings.TrimSpace(p.Comment) == "" {
		bad.add("comment", "is required")
	}
	if err := bad.err(e.op); err != nil {
		return err
	}
	body, err := json.Marshal(gen.CancelAccessRequest{AccountActivityID: p.ID, Comment: p.Comment})
	if err != nil {
		return fmt.Errorf("accessrequests: %s: %w", e.op, err)
	}
	_, err = c.call(ctx, e.op, nil, func(ctx context.Context) (*http.Request, error) {
		return e.request(ctx, http.MethodPost, e.url, body)
	})
	return err
}

// MaxBulkCancelIDs is the most request ids the server takes in one bulk cancel call
// (cancelAccessRequestInBulkV1).
const MaxBulkCancelIDs = 50

// CancelRequestsParams asks for pending requests to be cancelled in bulk, with one comment for
// all of them.
type CancelRequestsParams struct {
	IDs     []string // access request ids; any number, none empty or repeated
	Comment string   // why they are cancelled; required

	// Progress, when set, is called after each call with the number of ids accepted so far
	// and the total.
	Progress func(accepted, total int)
}

// CancelResult accounts for every id of a CancelRequests: each is in exactly one of Accepted,
// Unknown, Refused and NotSent, so a caller can check Unknown, resend Refused (once it has
// fixed why) and NotSent without cancelling anything twice.
type CancelResult struct {
	Accepted []string // in calls the server answered 202
	Unknown  []string // in the call that failed after it may have reached the server (Err matches ErrOutcomeUnknown): check them
	Refused  []string // in the call that failed without the server acting on it: refused (a 4xx), or never delivered
	NotSent  []string // in calls never sent because an earlier one failed or the context ended
	Calls    int      // calls made
	Err      error    // the failure, or nil
}

// NotAccepted lists the ids the server is not known to have accepted: Unknown, Refused, then
// NotSent.
func (r *CancelResult) NotAccepted() []string {
	return append(append(append([]string(nil), r.Unknown...), r.Refused...), r.NotSent...)
}

// CancelRequests cancels any number of pending access requests with one comment
// (cancelAccessRequestInBulkV1), in calls of at most MaxBulkCancelIDs ids, in order. It stops
// at the first failed call; the result says which ids were accepted, which were in the failed
// call (Unknown when the server may have acted on it, Refused when it did not) and which were
// never sent. The returned error is the result's Err. Empty and repeated ids and an empty
// comment are refused before anything is sent.
//
// Only the successor has bulk cancel: on a beta client CancelRequests sends nothing and returns
// an error matching ErrNotInAPI; cancel each request with Cancel there.
func (c *Client) CancelRequests(ctx context.Context, req CancelRequestsParams) (*CancelResult, error) {
	e, err := c.endpoint(opBulkCancel, "CancelRequests")
	if err != nil {
		return nil, err
	}
	p := checkIDs(req.IDs)
	if strings.TrimSpace(req.Comment) == "" {
		p.add("comment", "is required")
	}
	if err := p.err(e.op); err != nil {
		return nil, err
	}
	r := c.postInChunks(ctx, e, req.IDs, MaxBulkCancelIDs, func(chunk []string) any {
		return gen.BulkCancelAccessRequest{AccessRequestIDs: chunk, Comment: req.Comment}
	}, req.Progress)
	res := &CancelResult{Accepted: r.accepted, NotSent: r.notSent, Calls: r.calls, Err: r.err}
	if errors.Is(r.err, ErrOutcomeUnknown) {
		res.Unknown = r.failed
	} else {
		res.Refused = r.failed
	}
	return res, r.err
}
