package facade

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
)

// MaxAccountSelectionItems is the most items a LoadAccountSelections request may list in its
// requestedItems.
const MaxAccountSelectionItems = 25

// LoadAccountSelections asks, for a request as it would be submitted, which sources and accounts
// each of its items could be provisioned on, per identity, and whether a choice is required
// (loadAccountSelectionsV1). Pick from the answer with Accounts, in ForIdentity or ForMachine:
// a machine identity's grant or modify needs one. The request is checked as Create checks it
// (a machine's items need no account selection yet: that is what this call is for), and its
// requestedItems may hold at most MaxAccountSelectionItems.
//
// It changes nothing on the tenant, but it is a POST, so the client treats it as it treats a
// write: sent again only when the server cannot have acted on it. An error matching
// ErrOutcomeUnknown from it is safe to retry. Only the successor has it, and the vendor calls it
// experimental: the client sends X-SailPoint-Experimental: true. On a beta client it sends
// nothing and returns an error matching ErrNotInAPI.
func (c *Client) LoadAccountSelections(ctx context.Context, req AccessRequest) (*AccountChoices, error) {
	e, err := c.endpoint(opAccounts, "LoadAccountSelections")
	if err != nil {
		return nil, err
	}
	p := validateRequest(req, c.tr.now(), true)
	if n := len(req.RequestedItems); n > MaxAccountSelectionItems {
		p.add("requestedItems", "has %d items; at most %d are allowed when asking for account selections", n, MaxAccountSelectionItems)
	}
	if err := p.err(e.op); err != nil {
		return nil, err
	}
	body, err := json.Marshal(inUTC(req))
	if err != nil {
		return nil, fmt.Errorf("accessrequests: %s: %w", e.op, err)
	}
	var out AccountChoices
	if _, err := c.call(ctx, e.op, &out, func(ctx context.Context) (*http.Request, error) {
		return e.request(ctx, http.MethodPost, e.url, body)
	}); err != nil {
		return nil, err
	}
	return &out, nil
}
