package facade

import (
	"context"
	"encoding/json"
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
// (cancelAccessRequest). Both fields of p are checked before anything is sent. An unknown id
// gives an error matching ErrNotFound.
func (c *Client) Cancel(ctx context.Context, p CancelParams) error {
	const op = "cancelAccessRequest"
	var bad problems
	if strings.TrimSpace(p.ID) == "" {
		bad.add("accountActivityId", "is required") // the body's name for ID
	}
	if strings.TrimSpace(p.Comment) == "" {
		bad.add("comment", "is required")
	}
	if err := bad.err(op); err != nil {
		return err
	}
	body, err := json.Marshal(gen.CancelAccessRequest{AccountActivityID: p.ID, Comment: p.Comment})
	if err != nil {
		return fmt.Errorf("accessrequests: %s: %w", op, err)
	}
	_, err = c.call(ctx, op, nil, func(ctx context.Context) (*http.Request, error) {
		return newRequest(ctx, http.MethodPost, c.urls.cancel, body)
	})
	return err
}
