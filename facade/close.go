package facade

import (
	"context"
	"encoding/json"
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

	// Progress, when set, is called after each call with the number of ids accepted so far
	// and the total.
	Progress func(accepted, total int)
}

// CloseResult accounts for every id of a Close: each is in exactly one of Accepted, Failed and
// NotSent, so a caller can resume with Failed (after checking) and NotSent without closing
// anything twice.
type CloseResult struct {
	Accepted []string // in chunks the server answered 202
	Failed   []string // in the chunk whose call failed; Err says whether it may have acted
	NotSent  []string // in chunks never sent because an earlier one failed
	Calls    int      // calls made
	Err      error    // the failure, or nil
}

// NotAccepted lists the ids the server is not known to have accepted: Failed, then NotSent.
func (r *CloseResult) NotAccepted() []string {
	return append(append([]string(nil), r.Failed...), r.NotSent...)
}

// CloseRequests closes any number of access requests (closeAccessRequest, or
// closeAccessRequestV1 on a v1 client), in calls of at most MaxCloseIDs ids, in order. It stops
// at the first failed call; the result says which ids were accepted, which were in the failed
// call and which were never sent. The returned error is the result's Err. Duplicate and empty
// ids are refused before anything is sent.
func (c *Client) CloseRequests(ctx context.Context, req CloseRequestsParams) (*CloseResult, error) {
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

	r := c.postInChunks(ctx, e, req.IDs, MaxCloseIDs, func(chunk []string) any {
		return gen.CloseAccessRequest{AccessRequestIDs: chunk, ExecutionStatus: req.ExecutionStatus,
			CompletionStatus: req.CompletionStatus, Message: req.Message}
	}, req.Progress)
	return &CloseResult{Accepted: r.accepted, Failed: r.failed, NotSent: r.notSent, Calls: r.calls, Err: r.err}, r.err
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

// chunked accounts for the ids of a write sent in chunks: each is in exactly one list.
type chunked struct {
	accepted, failed, notSent []string
	calls                     int
	err                       error
}

// postInChunks posts ids to e in chunks of at most size, in order, the body of each made by
// body, calling progress (when not nil) after each accepted chunk. It stops at the first
// failure: the chunk whose call failed is failed (none when the context ended before a chunk
// was sent), and the ids after it are not sent.
func (c *Client) postInChunks(ctx context.Context, e endpoint, ids []string, size int, body func(chunk []string) any, progress func(accepted, total int)) chunked {
	var r chunked
	for start := 0; start < len(ids); start += size {
		if r.err = ctx.Err(); r.err != nil {
			r.notSent = ids[start:]
			return r
		}
		chunk := ids[start:min(start+size, len(ids))]
		data, err := json.Marshal(body(chunk))
		if err == nil {
			r.calls++
			_, err = c.call(ctx, e.op, nil, func(ctx context.Context) (*http.Request, error) {
				return e.request(ctx, http.MethodPost, e.url, data)
			})
		} else {
			err = fmt.Errorf("accessrequests: %s: %w", e.op, err)
		}
		if err != nil {
			r.failed, r.notSent, r.err = chunk, ids[start+len(chunk):], err
			return r
		}
		r.accepted = append(r.accepted, chunk...)
		if progress != nil {
			progress(len(r.accepted), len(ids))
		}
	}
	return r
}
