package fake

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sailkit/accessrequests/gen"
	"github.com/sailkit/accessrequests/gen/server"
)

// tenant holds the fake's state and implements the generated strict server interface.
type tenant struct {
	now   func() time.Time
	newID func() string

	mu       sync.Mutex
	statuses []*gen.Status
	byID     map[string]*gen.Status // accessRequestId -> status
	config   gen.Config
	creates  int // createAccessRequest calls accepted

	deviations Deviations
}

var _ server.StrictServerInterface = (*tenant)(nil)

func newTenant(now func() time.Time, newID func() string) *tenant {
	return &tenant{
		now: now, newID: newID, byID: map[string]*gen.Status{},
		config: gen.Config{
			RequestOnBehalfOfConfig: gen.RequestOnBehalfOfConfig{AllowRequestOnBehalfOfEmployeeByManager: true},
			EntitlementRequestConfig: gen.EntitlementRequestConfig{
				AllowEntitlementRequest: true, GrantRequestApprovalSchemes: "sourceOwner",
			},
		},
	}
}

// GetAccessRequestConfig returns the stored configuration: the settings the spec knows, and
// with the UnknownFields deviation, as a newer tenant, also those it lacks.
func (t *tenant) GetAccessRequestConfig(context.Context, server.GetAccessRequestConfigRequestObject) (server.GetAccessRequestConfigResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.deviations.UnknownFields {
		return configAnswer(t.config), nil
	}
	return server.GetAccessRequestConfig200JSONResponse{Body: knownSettings(t.config)}, nil
}

// SetAccessRequestConfig stores and returns the configuration, as GetAccessRequestConfig does.
func (t *tenant) SetAccessRequestConfig(_ context.Context, req server.SetAccessRequestConfigRequestObject) (server.SetAccessRequestConfigResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.config = *req.Body
	if t.deviations.UnknownFields {
		return configAnswer(t.config), nil
	}
	return server.SetAccessRequestConfig200JSONResponse{Body: knownSettings(t.config)}, nil
}

// configAnswer answers both configuration operations with the configuration, settings the
// spec lacks included (knownSettings serves the spec's settings only).
type configAnswer gen.Config

// knownSettings is the configuration without the top-level settings the spec lacks: what the
// fake serves without the UnknownFields deviation.
func knownSettings(c gen.Config) gen.Config {
	c.AdditionalProperties = nil
	return c
}

func (c configAnswer) write(w http.ResponseWriter) error {
	body, err := json.Marshal(gen.Config(c))
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(append(body, '\n'))
	return err
}

func (c configAnswer) VisitGetAccessRequestConfigResponse(w http.ResponseWriter) error {
	return c.write(w)
}

func (c configAnswer) VisitSetAccessRequestConfigResponse(w http.ResponseWriter) error {
	return c.write(w)
}

// item is what the fake needs of a requested item in either request form.
type item struct {
	id, typ, comment string
	meta             map[string]string
	start, remove    time.Time
}

// CreateAccessRequest records one EXECUTING status per identity and item. An item already
// pending for the same identity is reported under existingRequests instead.
func (t *tenant) CreateAccessRequest(ctx context.Context, req server.CreateAccessRequestRequestObject) (server.CreateAccessRequestResponseObject, error) {
	body := req.Body
	kind := cmp.Or(body.RequestType, gen.RequestTypeGrant)
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
		if kind != gen.RequestTypeGrant {
			return nil, badRequest("requestedForWithRequestedItems is only supported for GRANT_ACCESS")
		}
		for _, e := range body.RequestedForWithRequestedItems {
			for _, it := range e.RequestedItems {
				add(e.IdentityID, item{id: it.ID, typ: string(it.Type), comment: it.Comment, meta: maps.Clone(it.ClientMetadata), start: it.StartDate, remove: it.RemoveDate})
			}
		}
	} else {
		for _, identity := range body.RequestedFor {
			for _, it := range body.RequestedItems {
				add(identity, item{id: it.ID, typ: string(it.Type), comment: it.Comment, meta: maps.Clone(it.ClientMetadata), start: it.StartDate, remove: it.RemoveDate})
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
	out := gen.CreateResult{NewRequests: []gen.RequestTracking{}, ExistingRequests: []gen.RequestTracking{}}
	for _, identity := range order {
		var fresh, existing gen.RequestTracking
		for _, it := range perIdentity[identity] {
			details := gen.RequestedItemDetails{ID: it.id, Type: gen.ItemType(it.typ)}
			if s := t.pendingLocked(identity, it.id, kind); s != nil {
				appendTracking(&existing, identity, details, s.AccessRequestID)
				continue
			}
			s := t.newStatusLocked(identity, it, kind, body.ClientMetadata, now)
			appendTracking(&fresh, identity, details, s.AccessRequestID)
		}
		for _, tr := range []struct {
			list *[]gen.RequestTracking
			t    gen.RequestTracking
		}{{&out.NewRequests, fresh}, {&out.ExistingRequests, existing}} {
			if tr.t.RequestedFor != "" {
				*tr.list = append(*tr.list, tr.t)
			}
		}
	}
	return server.CreateAccessRequest202JSONResponse(out), nil
}

// checkLimits applies the server-side rules the vendor documents.
func checkLimits(kind gen.RequestType, identities []string, items map[string][]item) error {
	distinct := map[string]bool{}
	for _, list := range items {
		for _, it := range list {
			if it.typ == string(gen.ItemTypeEntitlement) {
				distinct[it.id] = true
			}
			if kind == gen.RequestTypeRevoke && strings.TrimSpace(it.comment) == "" {
				return badRequest("a comment is required for every item of a REVOKE_ACCESS request")
			}
			if !it.remove.IsZero() && !it.start.IsZero() && !it.remove.After(it.start) {
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
	case kind == gen.RequestTypeRevoke && len(identities) != 1:
		return badRequest("REVOKE_ACCESS takes exactly one identity")
	case kind == gen.RequestTypeRevoke && entitlements > 1:
		return badRequest("REVOKE_ACCESS takes at most one entitlement")
	}
	return nil
}

func appendTracking(tr *gen.RequestTracking, identity string, d gen.RequestedItemDetails, id string) {
	tr.RequestedFor = identity
	tr.RequestedItemsDetails = append(tr.RequestedItemsDetails, d)
	tr.AccessRequestIDs = append(tr.AccessRequestIDs, id)
	h := fnv.New32a()
	for _, v := range tr.AccessRequestIDs {
		_, _ = h.Write([]byte(v))
	}
	tr.AttributesHash = int64(h.Sum32()) // may exceed int32, as the vendor's do
}

// pendingLocked finds an executing request of the same kind for the same identity and item.
func (t *tenant) pendingLocked(identity, itemID string, kind gen.RequestType) *gen.Status {
	for _, s := range t.statuses {
		if s.State == gen.StateExecuting && s.RequestedFor.ID == identity &&
			s.ID == itemID && s.RequestType == kind {
			return s
		}
	}
	return nil
}

func (t *tenant) newStatusLocked(identity string, it item, kind gen.RequestType, meta map[string]string, now time.Time) *gen.Status {
	merged := maps.Clone(meta)
	for k, v := range it.meta {
		if merged == nil {
			merged = map[string]string{}
		}
		merged[k] = v
	}
	s := &gen.Status{
		ID:                    it.id,
		Name:                  displayName(it.typ, it.id),
		Type:                  gen.ItemType(it.typ),
		State:                 gen.StateExecuting,
		RequestType:           kind,
		Created:               now,
		Cancelable:            true,
		AccessRequestID:       t.newID(),
		AccountActivityItemID: t.newID(),
		Requester:             gen.AccessItemRequester{Type: gen.OwnerTypeIdentity, ID: CallerID, Name: "Fake Caller"},
		RequestedFor:          gen.AccessItemRequestedFor{Type: gen.OwnerTypeIdentity, ID: identity, Name: "Identity " + short(identity)},
		StartDate:             it.start,
		RemoveDate:            it.remove,
		ClientMetadata:        merged,
	}
	if it.comment != "" {
		s.RequesterComment = gen.AuthoredComment{Comment: it.comment, Created: now}
	}
	t.insertLocked(s)
	return s
}

func (t *tenant) insertLocked(s *gen.Status) {
	t.statuses = append(t.statuses, s)
	t.byID[s.AccessRequestID] = s
}

// CancelAccessRequest moves a cancelable request to CANCELLED.
func (t *tenant) CancelAccessRequest(_ context.Context, req server.CancelAccessRequestRequestObject) (server.CancelAccessRequestResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byID[req.Body.AccountActivityID]
	if !ok {
		return server.CancelAccessRequest404JSONResponse{NotFoundJSONResponse: notFound("no access request " + req.Body.AccountActivityID)}, nil
	}
	if !s.Cancelable {
		return nil, badRequest("access request %s can no longer be cancelled (state %s)", req.Body.AccountActivityID, s.State)
	}
	now := t.now().UTC()
	s.State, s.Cancelable, s.Modified = gen.StateCancelled, false, now
	s.CancelledRequestDetails = gen.CancelledRequestDetails{
		Comment: req.Body.Comment, Modified: now,
		Owner: gen.Owner{Type: gen.OwnerTypeIdentity, ID: CallerID, Name: "Fake Caller"},
	}
	return server.CancelAccessRequest202JSONResponse{}, nil
}

// CloseAccessRequest moves every named request to the final state the statuses ask for.
func (t *tenant) CloseAccessRequest(_ context.Context, req server.CloseAccessRequestRequestObject) (server.CloseAccessRequestResponseObject, error) {
	ids := req.Body.AccessRequestIDs
	if len(ids) == 0 || len(ids) > 500 {
		return nil, badRequest("accessRequestIds must hold between 1 and 500 ids, got %d", len(ids))
	}
	exec := cmp.Or(req.Body.ExecutionStatus, gen.ExecutionStatusTerminated)
	completion := cmp.Or(req.Body.CompletionStatus, gen.CompletionStatusFailure)
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
		s.State, s.Cancelable, s.Modified = state, false, now
	}
	return server.CloseAccessRequest202JSONResponse{}, nil
}

func closedState(exec gen.ExecutionStatus, c gen.CompletionStatus) gen.State {
	if exec == gen.ExecutionStatusTerminated {
		return gen.StateTerminated
	}
	switch c {
	case gen.CompletionStatusSuccess:
		return gen.StateRequestCompleted
	case gen.CompletionStatusIncomplete:
		return gen.StateNotAllItemsProvisioned
	default:
		return gen.StateProvisioningFailed
	}
}

// ListAccessRequestStatus filters, sorts and pages the statuses.
func (t *tenant) ListAccessRequestStatus(_ context.Context, req server.ListAccessRequestStatusRequestObject) (server.ListAccessRequestStatusResponseObject, error) {
	p := req.Params
	q, err := newQuery(p)
	if err != nil {
		return server.ListAccessRequestStatus400JSONResponse{BadRequestJSONResponse: badRequestBody(err.Error())}, nil
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
	matched := make([]*gen.Status, 0, min(len(t.statuses), 1024))
	for _, s := range t.statuses {
		if q.match(s) {
			matched = append(matched, s)
		}
	}
	q.sort(matched)
	dev := t.deviations
	if dev.EndOffset400 && offset > 0 && offset >= len(matched) {
		t.mu.Unlock()
		return server.ListAccessRequestStatus400JSONResponse{BadRequestJSONResponse: badRequestBody("offset invalid")}, nil
	}
	start := min(offset, len(matched))
	end := min(start+limit, len(matched))
	page := make([]gen.Status, 0, end-start)
	for _, s := range matched[start:end] {
		page = append(page, *s)
	}
	t.mu.Unlock()
	resp := server.ListAccessRequestStatus200JSONResponse{Body: page}
	if p.Count != nil && *p.Count {
		resp.Headers.XTotalCount = ptr(int32(len(matched)))
		if dev.ClaimedTotal != 0 {
			resp.Headers.XTotalCount = ptr(dev.ClaimedTotal)
		}
	}
	return resp, nil
}

func notFound(msg string) server.NotFoundJSONResponse {
	return server.NotFoundJSONResponse(errorBody("404 Not found", msg))
}

func badRequestBody(msg string) server.BadRequestJSONResponse {
	return server.BadRequestJSONResponse(errorBody("400.1 Bad Request Content", msg))
}

func errorBody(code, msg string) gen.ErrorResponse {
	origin := gen.LocaleOriginDefault
	return gen.ErrorResponse{
		DetailCode: code, TrackingID: fmt.Sprintf("%x", time.Now().UnixNano()),
		Messages: []gen.ErrorMessage{{Locale: "en-US", LocaleOrigin: origin, Text: msg}},
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
