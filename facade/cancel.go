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
	sent := c.tr.now()
	_, err = c.call(ctx, e.op, nil, func(ctx context.Context) (*http.Request, error) {
		return e.request(ctx, http.MethodPost, e.url, body)
	})
	if !errors.Is(err, ErrOutcomeUnknown) || c.settle.off {
		return err
	}
	switch rb := c.readBack(ctx, []string{p.ID}, sent, cancelVerdict, "Cancel"); {
	case len(rb.acted) == 1:
		c.tr.log.InfoContext(ctx, "cancel settled: its answer was lost and the request reads back CANCELLED",
			"operation", e.op, "lookups", rb.lookups)
		return nil
	case len(rb.endedOtherwise) == 1:
		// Known: the cancel did not act and cannot now, so not an unknown outcome.
		return fmt.Errorf("accessrequests: %s: the request read back final in another state, after the cancel's answer was lost (%v): nothing is left to cancel", e.op, err)
	case rb.err != nil:
		return rb.failed(err)
	default:
		return fmt.Errorf("%w (read back over %d listing(s): not cancelled yet)", err, rb.lookups)
	}
}

// MaxBulkCancelIDs is the most request ids the server takes in one bulk cancel call
// (cancelAccessRequestInBulkV1).
const MaxBulkCancelIDs = 50

// CancelRequestsParams asks for pending requests to be cancelled in bulk, with one comment for
// all of them.
type CancelRequestsParams struct {
	IDs     []string // access request ids; any number, none empty or repeated
	Comment string   // why they are cancelled; required

	// ContinueOnError goes on past a failed call to the next chunk; without it the first
	// failure stops the work and the ids after it are NotSent. The context ending always stops.
	ContinueOnError bool

	// SkipFinal reads the requests' states first and sends only those not final (a final
	// request cannot be cancelled); the others are Skipped. A run stopped part-way can then be
	// run again with the same ids.
	SkipFinal bool

	// Progress, when set, is called after each call with the number of ids accepted so far
	// and the total.
	Progress func(accepted, total int)
}

// CancelRequests cancels any number of pending access requests with one comment
// (cancelAccessRequestInBulkV1), in calls of at most MaxBulkCancelIDs ids, in order. The
// result accounts for every id (see BulkResult). A call whose answer is lost is settled by
// reading its requests' states back (unless the client was made WithoutSettling): CANCELLED
// ones are Settled, ones final in another state Refused, the rest Unknown once the settle
// period has passed. Nothing is sent twice. The returned error is the result's Err. Empty and
// repeated ids and an empty comment are refused before anything is sent.
//
// Only the successor has bulk cancel: on a beta client CancelRequests sends nothing and returns
// an error matching ErrNotInAPI; cancel each request with Cancel there.
func (c *Client) CancelRequests(ctx context.Context, req CancelRequestsParams) (*BulkResult, error) {
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
	w := chunkedWrite{e: e, size: MaxBulkCancelIDs, cont: req.ContinueOnError, skipFinal: req.SkipFinal, progress: req.Progress, verdict: cancelVerdict, method: "CancelRequests",
		body: func(chunk []string) any {
			return gen.BulkCancelAccessRequest{AccessRequestIDs: chunk, Comment: req.Comment}
		}}
	r := c.postInChunks(ctx, w, req.IDs)
	return r, r.Err
}
