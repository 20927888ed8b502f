package fake

import (
	"cmp"
	"context"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/sailkit/accessrequests/gen"
	"github.com/sailkit/accessrequests/gen/server"
)

// tenant holds the fake's state and implements the generated strict server interface: the
// beta's operations (beta.go) and the successor's (successor.go) act on this one state, so a
// request created through one generation is listed, cancelled and closed through the other.
type tenant struct {
	now   func() time.Time
	newID func() string

	mu         sync.Mutex
	statuses   []*gen.Status
	byID       map[string]*gen.Status // accessRequestId -> status
	config     gen.Config             // the configuration's beta view
	configV2   gen.ConfigV2           // the configuration's v2 view (config.go keeps them one)
	creates    int                    // creates accepted, through either generation
	identities map[string]Identity    // identity id -> what AddIdentity said of it
	lives      map[string]*life       // accessRequestId -> its scripted life (lifecycle.go)
	newLife    []Step                 // the life of every request created from now on

	deviations Deviations
}

var _ server.StrictServerInterface = (*tenant)(nil)

func newTenant(now func() time.Time, newID func() string) *tenant {
	t := &tenant{
		now: now, newID: newID, byID: map[string]*gen.Status{},
		identities: map[string]Identity{}, lives: map[string]*life{},
		config: gen.Config{
			RequestOnBehalfOfConfig: gen.RequestOnBehalfOfConfig{AllowRequestOnBehalfOfEmployeeByManager: true},
			EntitlementRequestConfig: gen.EntitlementRequestConfig{
				AllowEntitlementRequest: true, GrantRequestApprovalSchemes: "sourceOwner",
			},
		},
		configV2: defaultConfigV2(),
	}
	copyShared(&t.config, &t.configV2, toV2)
	return t
}

// item is what the fake needs of a requested item in either request form.
type item struct {
	id, typ, comment string
	meta             map[string]string
	start, remove    time.Time
	formInstanceID   string
	nativeIdentity   string // the per-identity form's (a machine's revoke)
	accounts         []gen.AccountSelection
}

// request is a create's body as the tenant acts on it: the identities in the order named, the
// items of each, and which identities were named as machine identities.
type request struct {
	kind    gen.RequestType
	order   []string
	items   map[string][]item
	machine map[string]bool
	meta    map[string]string
	perID   bool // named in the per-identity form
}

func (r *request) add(identity string, it item) {
	if _, ok := r.items[identity]; !ok {
		r.order = append(r.order, identity)
	}
	r.items[identity] = append(r.items[identity], it)
}

// parseRequest reads either form of a create (or accounts-selection) body.
func parseRequest(body *gen.AccessRequest) (*request, error) {
	r := &request{kind: cmp.Or(body.RequestType, gen.RequestTypeGrant), items: map[string][]item{},
		machine: map[string]bool{}, meta: body.ClientMetadata}
	if body.RequestedForWithRequestedItems == nil {
		for _, identity := range body.RequestedFor {
			for _, it := range body.RequestedItems {
				r.add(identity, item{id: it.ID, typ: string(it.Type), comment: it.Comment, meta: it.ClientMetadata,
					start: it.StartDate, remove: it.RemoveDate, formInstanceID: it.FormInstanceID})
			}
		}
		return r, nil
	}
	if body.RequestedFor != nil || body.RequestedItems != nil {
		return nil, badRequest("requestedForWithRequestedItems cannot be combined with requestedFor or requestedItems")
	}
	r.perID = true
	for _, e := range body.RequestedForWithRequestedItems {
		switch e.IdentityType {
		case "", gen.IdentityTypeHuman:
		case gen.IdentityTypeMachine:
			r.machine[e.IdentityID] = true
		default:
			return nil, badRequest("identityType %q is not one of HUMAN, MACHINE", e.IdentityType)
		}
		for _, it := range e.RequestedItems {
			r.add(e.IdentityID, item{id: it.ID, typ: string(it.Type), comment: it.Comment, meta: it.ClientMetadata,
				start: it.StartDate, remove: it.RemoveDate, formInstanceID: it.FormInstanceID,
				nativeIdentity: it.NativeIdentity, accounts: it.AccountSelection})
		}
	}
	return r, nil
}

// create records one EXECUTING status per identity and item, after the rules of the generation
// that received it. An item already pending for the same identity is reported under
// existingRequests instead.
func (t *tenant) create(ctx context.Context, body *gen.AccessRequest, g generation) (gen.CreateResult, error) {
	r, err := parseRequest(body)
	if err != nil {
		return gen.CreateResult{}, err
	}
	if err := checkLimits(r.kind, r.order, r.items); err != nil {
		return gen.CreateResult{}, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now().UTC()
	if g == betaAPI {
		err = checkBeta(ctx, body, r)
	} else {
		err = t.checkSuccessorLocked(ctx, r, now, true)
	}
	if err != nil {
		return gen.CreateResult{}, err
	}
	t.creates++
	out := gen.CreateResult{NewRequests: []gen.RequestTracking{}, ExistingRequests: []gen.RequestTracking{}}
	for _, identity := range r.order {
		var fresh, existing gen.RequestTracking
		for _, it := range r.items[identity] {
			details := gen.RequestedItemDetails{ID: it.id, Type: gen.ItemType(it.typ)}
			if s := t.pendingLocked(identity, it.id, r.kind); s != nil {
				appendTracking(&existing, identity, details, s.AccessRequestID)
				continue
			}
			s := t.newStatusLocked(identity, it, r.kind, r.meta, now, r.machine[identity])
			t.startLifeLocked(s)
			appendTracking(&fresh, identity, details, s.AccessRequestID)
		}
		if fresh.RequestedFor != "" {
			out.NewRequests = append(out.NewRequests, fresh)
		}
		if existing.RequestedFor != "" {
			out.ExistingRequests = append(out.ExistingRequests, existing)
		}
	}
	return out, nil
}

// checkLimits applies the server-side rules the vendor documents for both generations.
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

func (t *tenant) newStatusLocked(identity string, it item, kind gen.RequestType, meta map[string]string, now time.Time, machine bool) *gen.Status {
	var merged map[string]string
	for _, m := range []map[string]string{meta, it.meta} {
		for k, v := range m {
			if merged == nil {
				merged = map[string]string{}
			}
			merged[k] = v
		}
	}
	forType, identityType := gen.OwnerTypeIdentity, gen.IdentityTypeHuman
	if machine {
		forType, identityType = gen.OwnerTypeMachineIdentity, gen.IdentityTypeMachine
	}
	s := &gen.Status{
		ID:                      it.id,
		Name:                    displayName(it.typ, it.id),
		Type:                    gen.ItemType(it.typ),
		State:                   gen.StateExecuting,
		RequestType:             kind,
		Created:                 now,
		Cancelable:              true,
		AccessRequestID:         t.newID(),
		AccountActivityItemID:   t.newID(),
		Requester:               gen.AccessItemRequester{Type: gen.OwnerTypeIdentity, ID: CallerID, Name: "Fake Caller"},
		RequestedFor:            gen.AccessItemRequestedFor{Type: forType, ID: identity, Name: t.identityNameLocked(identity)},
		StartDate:               it.start,
		RemoveDate:              it.remove,
		ClientMetadata:          merged,
		IdentityType:            identityType,
		RequestedAccounts:       t.requestedAccountsLocked(identity, it.accounts),
		ReauthorizationRequired: t.config.ReauthorizationEnabled,
	}
	if it.formInstanceID != "" {
		s.Form = gen.ItemForm{FormInstanceID: it.formInstanceID}
	}
	if it.comment != "" {
		s.RequesterComment = gen.AuthoredComment{Comment: it.comment, Created: now}
	}
	t.insertLocked(s)
	return s
}

// insertLocked stores a status; one with the id of a stored status replaces it where it
// stands, so the listing order (creation order) is kept.
func (t *tenant) insertLocked(s *gen.Status) {
	if old, ok := t.byID[s.AccessRequestID]; ok {
		*old = *s
		return
	}
	t.statuses = append(t.statuses, s)
	t.byID[s.AccessRequestID] = s
}

// cancelLocked moves a cancelable request to CANCELLED.
func (t *tenant) cancelLocked(s *gen.Status, comment string, now time.Time) {
	s.State, s.Cancelable, s.Modified = gen.StateCancelled, false, now
	s.CancelledRequestDetails = gen.CancelledRequestDetails{
		Comment: comment, Modified: now,
		Owner: gen.Owner{Type: gen.OwnerTypeIdentity, ID: CallerID, Name: "Fake Caller"},
	}
	delete(t.lives, s.AccessRequestID)
}

// cancel is both generations' single cancel: 404 for an unknown id, 400 for a request that can
// no longer be cancelled.
func (t *tenant) cancel(body *gen.CancelAccessRequest) (notFound *server.NotFoundJSONResponse, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	s, ok := t.byID[body.AccountActivityID]
	if !ok {
		nf := notFoundBody("no access request " + body.AccountActivityID)
		return &nf, nil
	}
	if !s.Cancelable {
		return nil, badRequest("access request %s can no longer be cancelled (state %s)", body.AccountActivityID, s.State)
	}
	t.cancelLocked(s, body.Comment, t.now().UTC())
	return nil, nil
}

// close is both generations' close: every named request moves to the final state the
// statuses ask for; an unknown id refuses the whole call.
func (t *tenant) close(body *gen.CloseAccessRequest) error {
	ids := body.AccessRequestIDs
	if len(ids) == 0 || len(ids) > 500 {
		return badRequest("accessRequestIds must hold between 1 and 500 ids, got %d", len(ids))
	}
	exec := cmp.Or(body.ExecutionStatus, gen.ExecutionStatusTerminated)
	completion := cmp.Or(body.CompletionStatus, gen.CompletionStatusFailure)
	state := closedState(exec, completion)
	t.mu.Lock()
	defer t.mu.Unlock()
	if unknown := t.unknownLocked(ids); len(unknown) > 0 {
		return badRequest("unknown access request ids: %s", strings.Join(unknown[:min(5, len(unknown))], ", "))
	}
	now := t.now().UTC()
	for _, id := range ids {
		s := t.byID[id]
		s.State, s.Cancelable, s.Modified = state, false, now
		delete(t.lives, id)
	}
	return nil
}

// unknownLocked returns the ids no stored request has, in the order given.
func (t *tenant) unknownLocked(ids []string) []string {
	var unknown []string
	for _, id := range ids {
		if _, ok := t.byID[id]; !ok {
			unknown = append(unknown, id)
		}
	}
	return unknown
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

func notFoundBody(msg string) server.NotFoundJSONResponse {
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

// accepted answers the writes that answer 202 with an empty object, as the vendor does (the
// generated 202 responses embed a map type, which encodes as {"AcceptedJSONResponse":null}).
type accepted struct{}

func (accepted) write(w http.ResponseWriter) error {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusAccepted)
	_, err := io.WriteString(w, "{}\n")
	return err
}

func (a accepted) VisitCancelAccessRequestResponse(w http.ResponseWriter) error { return a.write(w) }

func (a accepted) VisitCloseAccessRequestResponse(w http.ResponseWriter) error { return a.write(w) }

func (a accepted) VisitCancelAccessRequestV1Response(w http.ResponseWriter) error { return a.write(w) }

func (a accepted) VisitCloseAccessRequestV1Response(w http.ResponseWriter) error { return a.write(w) }

func (a accepted) VisitCancelAccessRequestInBulkV1Response(w http.ResponseWriter) error {
	return a.write(w)
}
