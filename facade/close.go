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

// CloseRequests closes any number of access requests (closeAccessRequest), in calls of at most
// MaxCloseIDs ids, in order. It stops at the first failed call; the result says which ids were
// accepted, which were in the failed call and which were never sent. The returned error is the
// result's Err. Duplicate and empty ids are refused before anything is sent.
func (c *Client) CloseRequests(ctx context.Context, req CloseRequestsParams) (*CloseResult, error) {
	const op = "closeAccessRequest"
	var p problems
	if len(req.IDs) == 0 {
		p.add("accessRequestIds", "must name at least one request")
	}
	seen := make(map[string]int, len(req.IDs))
	for i, id := range req.IDs {
		if strings.TrimSpace(id) == "" {
			p.add(fmt.Sprintf("accessRequestIds[%d]", i), "is empty")
		} else if j, dup := seen[id]; dup {
			p.add(fmt.Sprintf("accessRequestIds[%d]", i), "repeats accessRequestIds[%d] (%s)", j, id)
		} else {
			seen[id] = i
		}
	}
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
	if err := p.err(op); err != nil {
		return nil, err
	}

	res := &CloseResult{}
	for start := 0; start < len(req.IDs); start += MaxCloseIDs {
		if err := ctx.Err(); err != nil {
			res.NotSent = append(res.NotSent, req.IDs[start:]...)
			res.Err = err
			return res, err
		}
		chunk := req.IDs[start:min(start+MaxCloseIDs, len(req.IDs))]
		body, err := json.Marshal(gen.CloseAccessRequest{AccessRequestIDs: chunk, ExecutionStatus: req.ExecutionStatus,
			CompletionStatus: req.CompletionStatus, Message: req.Message})
		if err == nil {
			res.Calls++
			_, err = c.call(ctx, op, nil, func(ctx context.Context) (*http.Request, error) {
				return newRequest(ctx, http.MethodPost, c.urls.close, body)
			})
		}
		if err != nil {
			res.Failed = append(res.Failed, chunk...)
			res.NotSent = append(res.NotSent, req.IDs[start+len(chunk):]...)
			res.Err = err
			return res, err
		}
		res.Accepted = append(res.Accepted, chunk...)
		if req.Progress != nil {
			req.Progress(len(res.Accepted), len(req.IDs))
		}
	}
	return res, nil
}
