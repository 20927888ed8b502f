package fake

// The successor's operations (issue 20), answered 501 in the vendor's error shape until the
// fake serves them. This whole file is a placeholder: it exists so that *tenant implements the
// generated server interface, which now holds both generations, and is replaced when the fake
// serves the successor over the same state as the beta.

import (
	"context"
	"net/http"

	"github.com/sailkit/accessrequests/gen/server"
)

// notYet is the answer of every successor operation the fake does not serve yet.
func notYet(operation string) error {
	return &httpError{status: http.StatusNotImplemented, code: "501 Not Implemented",
		msg: "the fake tenant does not serve " + operation + " yet"}
}

// CreateAccessRequestV1 is not served yet (501).
func (t *tenant) CreateAccessRequestV1(context.Context, server.CreateAccessRequestV1RequestObject) (server.CreateAccessRequestV1ResponseObject, error) {
	return nil, notYet("createAccessRequestV1")
}

// CancelAccessRequestV1 is not served yet (501).
func (t *tenant) CancelAccessRequestV1(context.Context, server.CancelAccessRequestV1RequestObject) (server.CancelAccessRequestV1ResponseObject, error) {
	return nil, notYet("cancelAccessRequestV1")
}

// CloseAccessRequestV1 is not served yet (501).
func (t *tenant) CloseAccessRequestV1(context.Context, server.CloseAccessRequestV1RequestObject) (server.CloseAccessRequestV1ResponseObject, error) {
	return nil, notYet("closeAccessRequestV1")
}

// CancelAccessRequestInBulkV1 is not served yet (501).
func (t *tenant) CancelAccessRequestInBulkV1(context.Context, server.CancelAccessRequestInBulkV1RequestObject) (server.CancelAccessRequestInBulkV1ResponseObject, error) {
	return nil, notYet("cancelAccessRequestInBulkV1")
}

// LoadAccountSelectionsV1 is not served yet (501).
func (t *tenant) LoadAccountSelectionsV1(context.Context, server.LoadAccountSelectionsV1RequestObject) (server.LoadAccountSelectionsV1ResponseObject, error) {
	return nil, notYet("loadAccountSelectionsV1")
}

// ListAccessRequestStatusV1 is not served yet (501).
func (t *tenant) ListAccessRequestStatusV1(context.Context, server.ListAccessRequestStatusV1RequestObject) (server.ListAccessRequestStatusV1ResponseObject, error) {
	return nil, notYet("listAccessRequestStatusV1")
}

// ListAdministratorsAccessRequestStatusV1 is not served yet (501).
func (t *tenant) ListAdministratorsAccessRequestStatusV1(context.Context, server.ListAdministratorsAccessRequestStatusV1RequestObject) (server.ListAdministratorsAccessRequestStatusV1ResponseObject, error) {
	return nil, notYet("listAdministratorsAccessRequestStatusV1")
}

// GetAccessRequestConfigV2 is not served yet (501).
func (t *tenant) GetAccessRequestConfigV2(context.Context, server.GetAccessRequestConfigV2RequestObject) (server.GetAccessRequestConfigV2ResponseObject, error) {
	return nil, notYet("getAccessRequestConfigV2")
}

// SetAccessRequestConfigV2 is not served yet (501).
func (t *tenant) SetAccessRequestConfigV2(context.Context, server.SetAccessRequestConfigV2RequestObject) (server.SetAccessRequestConfigV2ResponseObject, error) {
	return nil, notYet("setAccessRequestConfigV2")
}
