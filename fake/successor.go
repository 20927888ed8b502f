package fake

// The successor's operations (/access-requests/v1 and its relatives), on the same state as the
// beta's. The configuration v2 is in config.go; the experimental header and X-Deprecated are
// handled around the operations (server.go), from what the spec says of each.

import (
	"context"
	"strings"

	"github.com/sailkit/accessrequests/gen"
	"github.com/sailkit/accessrequests/gen/server"
)

// CreateAccessRequestV1 records a request as the beta's create does, after the successor's
// rules (machine identities, forms, dates: rules.go).
func (t *tenant) CreateAccessRequestV1(ctx context.Context, req server.CreateAccessRequestV1RequestObject) (server.CreateAccessRequestV1ResponseObject, error) {
	out, err := t.create(ctx, req.Body, successorAPI)
	if err != nil {
		return nil, err
	}
	return server.CreateAccessRequestV1202JSONResponse(out), nil
}

// CancelAccessRequestV1 is the beta's cancel.
func (t *tenant) CancelAccessRequestV1(_ context.Context, req server.CancelAccessRequestV1RequestObject) (server.CancelAccessRequestV1ResponseObject, error) {
	nf, err := t.cancel(req.Body)
	if nf != nil {
		return server.CancelAccessRequestV1404JSONResponse{NotFoundJSONResponse: *nf}, nil
	}
	if err != nil {
		return nil, err
	}
	return accepted{}, nil
}

// CloseAccessRequestV1 is the beta's close.
func (t *tenant) CloseAccessRequestV1(_ context.Context, req server.CloseAccessRequestV1RequestObject) (server.CloseAccessRequestV1ResponseObject, error) {
	if err := t.close(req.Body); err != nil {
		return nil, err
	}
	return accepted{}, nil
}

// maxBulkCancel is the most ids one bulk cancel takes (the vendor's limit).
const maxBulkCancel = 50

// CancelAccessRequestInBulkV1 cancels up to 50 requests. The vendor's answer is 202 with an
// empty body, as for one cancel: it says nothing per id, so the outcome of each id is its
// state afterwards, read back from a status listing. An id the tenant does not know makes the
// whole call a 404 naming it, and nothing is cancelled; a request that can no longer be
// cancelled (past its approval, or final) is left as it is, and the others are cancelled.
func (t *tenant) CancelAccessRequestInBulkV1(_ context.Context, req server.CancelAccessRequestInBulkV1RequestObject) (server.CancelAccessRequestInBulkV1ResponseObject, error) {
	ids := req.Body.AccessRequestIDs
	if len(ids) == 0 || len(ids) > maxBulkCancel {
		return nil, badRequest("accessRequestIds must hold between 1 and %d ids, got %d", maxBulkCancel, len(ids))
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if unknown := t.unknownLocked(ids); len(unknown) > 0 {
		return server.CancelAccessRequestInBulkV1404JSONResponse{NotFoundJSONResponse: notFoundBody(
			"no access requests " + strings.Join(unknown[:min(5, len(unknown))], ", "))}, nil
	}
	now := t.now().UTC()
	for _, id := range ids {
		if s := t.byID[id]; s.Cancelable {
			t.cancelLocked(s, req.Body.Comment, now)
		}
	}
	return accepted{}, nil
}

// LoadAccountSelectionsV1 answers, for each identity and item of a request, the accounts it
// could be provisioned on (see AddIdentity), after the successor's rules for who may be named
// beside whom; it records nothing.
func (t *tenant) LoadAccountSelectionsV1(ctx context.Context, req server.LoadAccountSelectionsV1RequestObject) (server.LoadAccountSelectionsV1ResponseObject, error) {
	r, err := parseRequest(req.Body)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if err := t.checkSuccessorLocked(ctx, r, t.now().UTC(), false); err != nil {
		return nil, err
	}
	return server.LoadAccountSelectionsV1200JSONResponse(t.accountChoicesLocked(r)), nil
}

// ListAccessRequestStatusV1 is the successor's status listing, with its own filters.
func (t *tenant) ListAccessRequestStatusV1(_ context.Context, req server.ListAccessRequestStatusV1RequestObject) (server.ListAccessRequestStatusV1ResponseObject, error) {
	pg := t.list(gen.ListAccessRequestStatusParams(req.Params), v1Listing)
	if pg.refuse != "" {
		return server.ListAccessRequestStatusV1400JSONResponse{BadRequestJSONResponse: badRequestBody(pg.refuse)}, nil
	}
	resp := server.ListAccessRequestStatusV1200JSONResponse{Body: pg.rows}
	resp.Headers.XTotalCount = pg.total
	return resp, nil
}

// ListAdministratorsAccessRequestStatusV1 is the administrators' listing: every identity's
// requests, filtered on status too.
func (t *tenant) ListAdministratorsAccessRequestStatusV1(_ context.Context, req server.ListAdministratorsAccessRequestStatusV1RequestObject) (server.ListAdministratorsAccessRequestStatusV1ResponseObject, error) {
	p := req.Params
	pg := t.list(gen.ListAccessRequestStatusParams{
		RequestedFor: p.RequestedFor, RequestedBy: p.RequestedBy, RegardingIdentity: p.RegardingIdentity,
		AssignedTo: p.AssignedTo, Count: p.Count, Limit: p.Limit, Offset: p.Offset,
		Filters: p.Filters, Sorters: p.Sorters, RequestState: p.RequestState,
	}, adminListing)
	if pg.refuse != "" {
		return server.ListAdministratorsAccessRequestStatusV1400JSONResponse{BadRequestJSONResponse: badRequestBody(pg.refuse)}, nil
	}
	resp := server.ListAdministratorsAccessRequestStatusV1200JSONResponse{Body: pg.rows}
	resp.Headers.XTotalCount = pg.total
	return resp, nil
}
