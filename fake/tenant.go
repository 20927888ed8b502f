package fake

import (
	"context"
	"fmt"
	"hash/fnv"
	"strings"
	"sync"
	"time"

	"github.com/sailkit/accessrequests/gen"
)

// tenant holds the fake's state and implements the generated strict server interface.
type tenant struct {
	now   func() time.Time
	newID func() string

	mu       sync.Mutex
	statuses []*gen.RequestedItemStatus
	byID     map[string]*gen.RequestedItemStatus // accessRequestId -> status
	config   gen.AccessRequestConfig
	creates  int // createAccessRequest calls accepted

	deviations Deviations
}

var _ gen.StrictServerInterface = (*tenant)(nil)

func newTenant(now func() time.Time, newID func() string) *tenant {
	return &tenant{
		now: now, newID: newID, byID: map[string]*gen.RequestedItemStatus{},
		config: gen.AccessRequestConfig{
			ApprovalsMustBeExternal: ptr(false), AutoApprovalEnabled: ptr(false), ReauthorizationEnabled: ptr(false),
			RequestOnBehalfOfConfig: &gen.RequestOnBehalfOfConfig{
				AllowRequestOnBehalfOfAnyoneByAnyone: ptr(false), AllowRequestOnBehalfOfEmployeeByManager: ptr(true),
			},
			EntitlementRequestConfig: &gen.EntitlementRequestConfig{
				AllowEntitlementRequest: ptr(true), RequestCommentsRequired: ptr(false),
				DeniedCommentsRequired: ptr(false), GrantRequestApprovalSchemes: ptr("sourceOwner"),
			},
		},
	}
}

// GetAccessRequestConfig returns the stored configuration.
func (t *tenant) GetAccessRequestConfig(context.Context, gen.GetAccessRequestConfigRequestObject) (gen.GetAccessRequestConfigResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return gen.GetAccessRequestConfig200JSONResponse(t.config), nil
}

// SetAccessRequestConfig stores and returns the configuration.
func (t *tenant) SetAccessRequestConfig(_ context.Context, req gen.SetAccessRequestConfigRequestObject) (gen.SetAccessRequestConfigResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.config = *req.Body
	return gen.SetAccessRequestConfig200JSONResponse(t.config), nil
}

// item is what the fake needs of a requested item in either request form.
type item struct {
	id, typ, comment string
	meta             map[string]string
	start, remove    *time.Time
}

// CreateAccessRequest records one EXECUTING status per identity and item. An item already
// pending for the same identity is reported under existingRequests instead.
func (t *tenant) CreateAccessRequest(ctx context.Context, req gen.CreateAccessRequestRequestObject) (gen.CreateAccessRequestResponseObject, error) {
	body := req.Body
	kind := gen.AccessRequestTypeGRANTACCESS
	if body.RequestType != nil {
		kind = *body.RequestType
	}
	perIdentity := map[string][]item{}
	var order []string
	add := func(identity string, it item) {
		if _, ok := perIdentity[identity]; !ok {
			order = append(order, identity)
		}
		perIdentity[identity] = append(perIdentity[identity], it)
	}
	if body.RequestedForWithRequestedItems != nil {
		if body.RequestedFor != nil || body.RequestedItems != nil {
			return nil, badRequest("requestedForWithRequestedItems cannot be combined with requestedFor or requestedItems")
		}
		if kind != gen.AccessRequestTypeGRANTACCESS {
			return nil, badRequest("requestedForWithRequestedItems is only supported for GRANT_ACCESS")
		}
		for _, e := range *body.RequestedForWithRequestedItems {
			for _, it := range e.RequestedItems {
				add(e.IdentityId, item{id: it.Id, typ: string(it.Type), comment: deref(it.Comment), meta: derefMap(it.ClientMetadata), start: it.StartDate, remove: it.RemoveDate})
			}
		}
	} else {
		for _, identity := range *body.RequestedFor {
			for _, it := range *body.RequestedItems {
				add(identity, item{id: it.Id, typ: string(it.Type), comment: deref(it.Comment), meta: derefMap(it.ClientMetadata), start: it.StartDate, remove: it.RemoveDate})
			}
		}
	}
	if err := checkLimits(kind, order, perIdentity); err != nil {
		return nil, err
	}

	t.mu.Lock()
	defer t.mu.Unlock()
	t.creates++
	now := t.now().UTC()
	out := gen.AccessRequestResponse{NewRequests: &[]gen.AccessRequestTracking{}, ExistingRequests: &[]gen.AccessRequestTracking{}}
	for _, identity := range order {
		var fresh, existing gen.AccessRequestTracking
		for _, it := range perIdentity[identity] {
			details := gen.RequestedItemDetails{Id: ptr(it.id), Type: ptr(gen.RequestedItemDetailsType(it.typ))}
			if s := t.pendingLocked(identity, it.id, kind); s != nil {
				appendTracking(&existing, identity, details, *s.AccessRequestId)
				continue
			}
			s := t.newStatusLocked(identity, it, kind, body.ClientMetadata, now)
			appendTracking(&fresh, identity, details, *s.AccessRequestId)
		}
		for _, tr := range []struct {
			list *[]gen.AccessRequestTracking
			t    gen.AccessRequestTracking
		}{{out.NewRequests, fresh}, {out.ExistingRequests, existing}} {
			if tr.t.RequestedFor != nil {
				*tr.list = append(*tr.list, tr.t)
			}
		}
	}
	return gen.CreateAccessRequest202JSONResponse(out), nil
}

// checkLimits applies the server-side rules the vendor documents.
func checkLimits(kind gen.AccessRequestType, identities []string, items map[string][]item) error {
	distinct := map[string]bool{}
	for _, list := range items {
		for _, it := range list {
			if it.typ == string(gen.AccessRequestItemTypeENTITLEMENT) {
				distinct[it.id] = true
			}
			if kind == gen.AccessRequestTypeREVOKEACCESS && strings.TrimSpace(it.comment) == "" {
				return badRequest("a comment is required for every item of a REVOKE_ACCESS request")
			}
			if it.remove != nil && it.start != nil && !it.remove.After(*it.start) {
				return badRequest("removeDate must be after startDate")
			}
		}
	}
	entitlements := len(distinct)
	switch {
	case entitlements > 25:
		return badRequest("at most 25 entitlements may be requested at once")
	case entitlements > 0 && len(identities) > 10:
		return badRequest("at most 10 identities may be named when entitlements are requested")
	case kind == gen.AccessRequestTypeREVOKEACCESS && len(identities) != 1:
		return badRequest("REVOKE_ACCESS takes exactly one identity")
	case kind == gen.AccessRequestTypeREVOKEACCESS && entitlements > 1:
		return badRequest("REVOKE_ACCESS takes at most one entitlement")
	}
	return nil
}

func appendTracking(tr *gen.AccessRequestTracking, identity string, d gen.RequestedItemDetails, id string) {
	if tr.RequestedFor == nil {
		tr.RequestedFor = ptr(identity)
		tr.RequestedItemsDetails = &[]gen.RequestedItemDetails{}
		tr.AccessRequestIds = &[]string{}
	}
	*tr.RequestedItemsDetails = append(*tr.RequestedItemsDetails, d)
	*tr.AccessRequestIds = append(*tr.AccessRequestIds, id)
	h := fnv.New32a()
	for _, v := range *tr.AccessRequestIds {
		_, _ = h.Write([]byte(v))
	}
	tr.AttributesHash = ptr(int64(h.Sum32())) // may exceed int32, as the vendor's do
}

// pendingLocked finds an executing request of the same kind for the same identity and item.
func (t *tenant) pendingLocked(identity, itemID string, kind gen.AccessRequestType) *gen.RequestedItemStatus {
	for _, s := range t.statuses {
		if *s.State == gen.RequestedItemStatusRequestStateEXECUTING && *s.RequestedFor.Id == identity &&
			*s.Id == itemID && *s.RequestType == kind {
			return s
		}
	}
	return nil
}

func (t *tenant) newStatusLocked(identity string, it item, kind gen.AccessRequestType, meta *map[string]string, now time.Time) *gen.RequestedItemStatus {
	merged := derefMap(meta)
	for k, v := range it.meta {
		if merged == nil {
			merged = map[string]string{}
		}
		merged[k] = v
	}
	s := &gen.RequestedItemStatus{
		Id:                    ptr(it.id),
		Name:                  ptr(displayName(it.typ, it.id)),
		Type:                  ptr(gen.RequestedItemStatusType(it.typ)),
		State:                 ptr(gen.RequestedItemStatusRequestStateEXECUTING),
		RequestType:           ptr(kind),
		Created:               ptr(now),
		Cancelable:            ptr(true),
		AccessRequestId:       ptr(t.newID()),
		AccountActivityItemId: ptr(t.newID()),
		Requester:             &gen.AccessItemRequester{Type: ptr(gen.AccessItemRequesterTypeIDENTITY), Id: ptr(CallerID), Name: ptr("Fake Caller")},
		RequestedFor:          &gen.AccessItemRequestedFor{Type: ptr(gen.RequestedItemStatusRequestedForTypeIDENTITY), Id: ptr(identity), Name: ptr("Identity " + short(identity))},
		StartDate:             it.start,
		RemoveDate:            it.remove,
		ApprovalDetails:       &[]gen.ApprovalStatusDto{},
	}
	if len(merged) > 0 {
		s.ClientMetadata = &merged
	}
	if it.comment != "" {
		s.RequesterComment = &gen.CommentDto{Comment: ptr(it.comment), Created: ptr(now)}
	}
	t.insertLocked(s)
	return s
}

func (t *tenant) insertLocked(s *gen.RequestedItemStatus) {
	t.statuses = append(t.statuses, s)
	t.byID[*s.AccessRequestId] = s
}

// CancelAccessRequest moves a cancelable request to CANCELLED.
func (t *tenant) CancelAccessRequest(_ context.Context, req gen.CancelAccessRequestRequestObject) (gen.CancelAccessRequestResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byID[req.Body.AccountActivityId]
	if !ok {
		return gen.CancelAccessRequest404JSONResponse{NotFoundJSONResponse: notFound("no access request " + req.Body.AccountActivityId)}, nil
	}
	if s.Cancelable == nil || !*s.Cancelable {
		return nil, badRequest("access request %s can no longer be cancelled (state %s)", req.Body.AccountActivityId, *s.State)
	}
	now := t.now().UTC()
	s.State, s.Cancelable, s.Modified = ptr(gen.RequestedItemStatusRequestStateCANCELLED), ptr(false), ptr(now)
	s.CancelledRequestDetails = &gen.CancelledRequestDetails{
		Comment: ptr(req.Body.Comment), Modified: ptr(now),
		Owner: &gen.OwnerDto{Type: ptr(gen.OwnerDtoTypeIDENTITY), Id: ptr(CallerID), Name: ptr("Fake Caller")},
	}
	return gen.CancelAccessRequest202JSONResponse{}, nil
}

// CloseAccessRequest moves every named request to the final state the statuses ask for.
func (t *tenant) CloseAccessRequest(_ context.Context, req gen.CloseAccessRequestRequestObject) (gen.CloseAccessRequestResponseObject, error) {
	ids := req.Body.AccessRequestIds
	if len(ids) == 0 || len(ids) > 500 {
		return nil, badRequest("accessRequestIds must hold between 1 and 500 ids, got %d", len(ids))
	}
	exec := gen.CloseAccessRequestExecutionStatusTerminated
	if req.Body.ExecutionStatus != nil {
		exec = *req.Body.ExecutionStatus
	}
	completion := gen.CloseAccessRequestCompletionStatusFailure
	if req.Body.CompletionStatus != nil {
		completion = *req.Body.CompletionStatus
	}
	state := closedState(exec, completion)
	t.mu.Lock()
	defer t.mu.Unlock()
	var unknown []string
	for _, id := range ids {
		if _, ok := t.byID[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	if len(unknown) > 0 {
		return nil, badRequest("unknown access request ids: %s", strings.Join(unknown[:min(5, len(unknown))], ", "))
	}
	now := t.now().UTC()
	for _, id := range ids {
		s := t.byID[id]
		s.State, s.Cancelable, s.Modified = ptr(state), ptr(false), ptr(now)
	}
	return gen.CloseAccessRequest202JSONResponse{}, nil
}

func closedState(exec gen.CloseAccessRequestExecutionStatus, c gen.CloseAccessRequestCompletionStatus) gen.RequestedItemStatusRequestState {
	if exec == gen.CloseAccessRequestExecutionStatusTerminated {
		return gen.RequestedItemStatusRequestStateTERMINATED
	}
	switch c {
	case gen.CloseAccessRequestCompletionStatusSuccess:
		return gen.RequestedItemStatusRequestStateREQUESTCOMPLETED
	case gen.CloseAccessRequestCompletionStatusIncomplete:
		return gen.RequestedItemStatusRequestStateNOTALLITEMSPROVISIONED
	default:
		return gen.RequestedItemStatusRequestStatePROVISIONINGFAILED
	}
}

// ListAccessRequestStatus filters, sorts and pages the statuses.
func (t *tenant) ListAccessRequestStatus(_ context.Context, req gen.ListAccessRequestStatusRequestObject) (gen.ListAccessRequestStatusResponseObject, error) {
	p := req.Params
	q, err := newQuery(p)
	if err != nil {
		return gen.ListAccessRequestStatus400JSONResponse{BadRequestJSONResponse: badRequestBody(err.Error())}, nil
	}
	limit, offset := 250, 0
	if p.Limit != nil {
		limit = int(*p.Limit)
	}
	if p.Offset != nil {
		offset = int(*p.Offset)
	}
	// Match and sort pointers under the lock, and copy only the page asked for, so a large
	// tenant costs the fake little memory per request.
	t.mu.Lock()
	matched := make([]*gen.RequestedItemStatus, 0, min(len(t.statuses), 1024))
	for _, s := range t.statuses {
		if q.match(s) {
			matched = append(matched, s)
		}
	}
	q.sort(matched)
	dev := t.deviations
	if dev.EndOffset400 && offset > 0 && offset >= len(matched) {
		t.mu.Unlock()
		return gen.ListAccessRequestStatus400JSONResponse{BadRequestJSONResponse: badRequestBody("offset invalid")}, nil
	}
	start := min(offset, len(matched))
	end := min(start+limit, len(matched))
	page := make([]gen.RequestedItemStatus, 0, end-start)
	for _, s := range matched[start:end] {
		page = append(page, *s)
	}
	t.mu.Unlock()
	resp := gen.ListAccessRequestStatus200JSONResponse{Body: page}
	if p.Count != nil && *p.Count {
		resp.Headers.XTotalCount = ptr(int32(len(matched)))
		if dev.ClaimedTotal != 0 {
			resp.Headers.XTotalCount = ptr(dev.ClaimedTotal)
		}
	}
	return resp, nil
}

func notFound(msg string) gen.NotFoundJSONResponse {
	return gen.NotFoundJSONResponse(errorBody("404 Not found", msg))
}

func badRequestBody(msg string) gen.BadRequestJSONResponse {
	return gen.BadRequestJSONResponse(errorBody("400.1 Bad Request Content", msg))
}

func errorBody(code, msg string) gen.ErrorResponseDto {
	origin := gen.LocaleOriginDEFAULT
	return gen.ErrorResponseDto{
		DetailCode: &code, TrackingId: ptr(fmt.Sprintf("%x", time.Now().UnixNano())),
		Messages: &[]gen.ErrorMessageDto{{Locale: ptr("en-US"), LocaleOrigin: &origin, Text: &msg}},
	}
}

func displayName(typ, id string) string {
	words := map[string]string{"ROLE": "Role", "ACCESS_PROFILE": "Access profile", "ENTITLEMENT": "Entitlement"}
	return words[typ] + " " + short(id)
}

func short(id string) string {
	if len(id) > 8 {
		return id[:8]
	}
	return id
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func derefMap(m *map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(*m))
	for k, v := range *m {
		out[k] = v
	}
	return out
}
