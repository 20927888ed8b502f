package facade

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/sailkit/accessrequests/gen"
)

// Cancel cancels a pending access request that has not passed its approval step
// (cancelAccessRequest). accessRequestID is the request's id, as in Status.AccessRequestID and
// CreateResult (the API calls it accountActivityId in this one body); both it and comment are
// required and checked before anything is sent. An unknown id gives an error matching
// ErrNotFound.
func (c *Client) Cancel(ctx context.Context, accessRequestID, comment string) error {
	const op = "cancelAccessRequest"
	var p problems
	if strings.TrimSpace(accessRequestID) == "" {
		p.add("accountActivityId", "is required")
	}
	if strings.TrimSpace(comment) == "" {
		p.add("comment", "is required")
	}
	if err := p.err(op); err != nil {
		return err
	}
	body, err := json.Marshal(gen.CancelAccessRequest{AccountActivityID: accessRequestID, Comment: comment})
	if err != nil {
		return fmt.Errorf("accessrequests: %s: %w", op, err)
	}
	_, err = c.call(ctx, op, nil, func(ctx context.Context) (*http.Request, error) {
		return newRequest(ctx, http.MethodPost, c.urls.cancel, body)
	})
	return err
}
