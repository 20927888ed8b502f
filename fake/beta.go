package fake

// The beta's operations (under /beta). The configuration's are in config.go.

import (
	"context"

	"github.com/sailkit/accessrequests/gen/server"
)

// CreateAccessRequest records one EXECUTING status per identity and item (see tenant.create).
func (t *tenant) CreateAccessRequest(ctx context.Context, req server.CreateAccessRequestRequestObject) (server.CreateAccessRequestResponseObject, error) {
	out, err := t.create(ctx, req.Body, betaAPI)
	if err != nil {
		return nil, err
	}
	return server.CreateAccessRequest202JSONResponse(out), nil
}

// CancelAccessRequest moves a cancelable request to CANCELLED.
func (t *tenant) CancelAccessRequest(_ context.Context, req server.CancelAccessRequestRequestObject) (server.CancelAccessRequestResponseObject, error) {
	nf, err := t.cancel(req.Body)
	if nf != nil {
		return server.CancelAccessRequest404JSONResponse{NotFoundJSONResponse: *nf}, nil
	}
	if err != nil {
		return nil, err
	}
	return accepted{}, nil
}

// CloseAccessRequest moves every named request to the final state the statuses ask for.
func (t *tenant) CloseAccessRequest(_ context.Context, req server.CloseAccessRequestRequestObject) (server.CloseAccessRequestResponseObject, error) {
	if err := t.close(req.Body); err != nil {
		return nil, err
	}
	return accepted{}, nil
}

// ListAccessRequestStatus filters, sorts and pages the statuses, as the beta shows them.
func (t *tenant) ListAccessRequestStatus(_ context.Context, req server.ListAccessRequestStatusRequestObject) (server.ListAccessRequestStatusResponseObject, error) {
	pg := t.list(req.Params, betaListing)
	if pg.refuse != "" {
		return server.ListAccessRequestStatus400JSONResponse{BadRequestJSONResponse: badRequestBody(pg.refuse)}, nil
	}
	resp := server.ListAccessRequestStatus200JSONResponse{Body: pg.rows}
	resp.Headers.XTotalCount = pg.total
	return resp, nil
}
