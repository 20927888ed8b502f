package facade

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/sailkit/accessrequests/gen"
)

// Limits the server enforces on createAccessRequest.
const (
	MaxEntitlementsPerRequest     = 25 // when any entitlement is requested
	MaxIdentitiesWithEntitlements = 10
	MaxRevokeEntitlements         = 1
)

// Create submits an access request (createAccessRequest, or createAccessRequestV1 on a v1
// client). The request is checked against every documented rule first (see
// ValidateAccessRequest), and against the client's generation: a beta client refuses the
// successor's fields (machine identities, IdentityType, forms, FormInstanceID, and
// NativeIdentity in the per-identity form), which the beta does not know. When it breaks any
// rule, nothing is sent and the error lists each problem. Dates are sent in UTC.
//
// A POST is never sent twice when it may have reached the server: if the connection fails
// after the request was written, or the answer is a 408, a 5xx or a redirect, the outcome is
// unknown, and a 2xx whose body does not decode gives a *ResponseError whose Accepted method
// reports true.
//
// Settling: every create carries a key of the client's in its clientMetadata (SettleKey, a new
// random value per call), beside the caller's own metadata, which is kept as given. When the
// outcome is unknown, the client looks for the key in its generation's status listing, one
// listing per identity the request names (requested-for, and created within a window around
// the send time; the match on the key is made here, on each row), at once and then paced (2 s,
// growing to 15 s between lookups) until every item the request named is found or the settle
// period ends (DefaultSettlePeriod, or WithSettlePeriod). When rows carry the key, the server
// acted: Create returns their ids with CreateResult.Settled saying how they were found (and
// which items were not seen, such as items already pending, which the server does not create
// again). When the period passes without a match, Create returns an *UnsettledError, which
// still matches ErrOutcomeUnknown and says what was looked up. The lookups are ordinary calls:
// paced by the rate limit, retried within the retry budget, seen by the hooks.
//
// The client never sends a create again itself. A lookup cannot prove a create was not acted
// on: the vendor's create is asynchronous (202) and its requests reach the listing later, so
// "not found yet" is never "not done". Sending it again is the caller's choice, after its own
// check; the server does not refuse duplicates. WithoutSettling turns all of this off: no key
// is sent, and an unknown outcome is returned as the error it is.
func (c *Client) Create(ctx context.Context, req AccessRequest) (*CreateResult, error) {
	e, err := c.endpoint(opCreate, "Create")
	if err != nil {
		return nil, err
	}
	p := append(validateRequest(req, c.tr.now(), false), c.api.requestRules(req)...)
	if err := p.err(e.op); err != nil {
		return nil, err
	}
	sent := inUTC(req)
	var key string
	if !c.settle.off {
		key = newSettleKey()
		sent = withSettleKey(sent, key)
	}
	body, err := json.Marshal(sent)
	if err != nil {
		return nil, fmt.Errorf("accessrequests: %s: %w", e.op, err)
	}
	var out gen.CreateResult
	at := c.tr.now()
	_, _, err = c.callWarn(ctx, e.op, &out, readOptions{decodeOptions: decodeOptions{critical: createdIdentity}}, func(ctx context.Context) (*http.Request, error) {
		return e.request(ctx, http.MethodPost, e.url, body)
	})
	switch {
	case err == nil:
		return &CreateResult{NewRequests: out.NewRequests, ExistingRequests: out.ExistingRequests}, nil
	case key != "" && errors.Is(err, ErrOutcomeUnknown):
		return c.settleCreate(ctx, e.op, req, key, at, err)
	}
	return nil, err
}

// createdIdentity are the parts of a createAccessRequest answer the caller needs to follow up
// what was created: a value of the wrong shape there fails the call (as accepted, see
// ResponseError) instead of passing for "nothing was created".
var createdIdentity = []string{
	"newRequests", "newRequests[].requestedFor", "newRequests[].accessRequestIds",
	"existingRequests", "existingRequests[].requestedFor", "existingRequests[].accessRequestIds",
}

// ValidateAccessRequest checks req against the rules the server documents, as of now, and
// returns a *ValidationError listing every broken rule, or nil: the rules of both generations,
// and the successor's rules for its own fields (machine identities, forms). Create runs the
// same checks, and on a beta client also refuses the successor's fields.
func ValidateAccessRequest(req AccessRequest, now time.Time) error {
	return validateRequest(req, now, false).checkErr("createAccessRequest")
}

// maxYear is the last year a date on the wire (RFC 3339) can have.
const maxYear = 9999

// validateRequest checks req; for an account selection (selection), a machine identity's items
// need no account selection yet: it is what the call asks for.
func validateRequest(req AccessRequest, now time.Time, selection bool) problems {
	var p problems
	kind := cmp.Or(req.RequestType, RequestTypeGrant)
	switch kind {
	case RequestTypeGrant, RequestTypeRevoke, RequestTypeModify:
	default:
		p.add("requestType", "must be GRANT_ACCESS, REVOKE_ACCESS or MODIFY_ACCESS, got %q", string(kind))
	}

	perIdentity := len(req.RequestedForWithRequestedItems) > 0
	identities := 0
	var items []itemView
	if perIdentity {
		if len(req.RequestedFor) > 0 {
			p.add("requestedFor", "must be absent when requestedForWithRequestedItems is used")
		}
		if len(req.RequestedItems) > 0 {
			p.add("requestedItems", "must be absent when requestedForWithRequestedItems is used")
		}
		entries := req.RequestedForWithRequestedItems
		identities = len(entries)
		machines := checkMachines(&p, entries, kind, selection)
		if kind != RequestTypeGrant && machines < len(entries) {
			p.add("requestedForWithRequestedItems", "is only allowed for GRANT_ACCESS (or for machine identities), not %s", kind)
		}
		for i, e := range entries {
			if strings.TrimSpace(e.IdentityID) == "" {
				p.add(fmt.Sprintf("requestedForWithRequestedItems[%d].identityId", i), "is required")
			}
			if len(e.RequestedItems) == 0 {
				p.add(fmt.Sprintf("requestedForWithRequestedItems[%d].requestedItems", i), "must have at least one item")
			}
			for j, it := range e.RequestedItems {
				items = append(items, itemView{outer: i, inner: j, perIdentity: true, id: it.ID,
					typ: it.Type, comment: it.Comment, start: it.StartDate, remove: it.RemoveDate, form: it.FormInstanceID})
			}
		}
	} else {
		if len(req.RequestedFor) == 0 {
			p.add("requestedFor", "must name at least one identity")
		} else {
			identities = len(req.RequestedFor)
			for i, id := range req.RequestedFor {
				if strings.TrimSpace(id) == "" {
					p.add(fmt.Sprintf("requestedFor[%d]", i), "is empty")
				}
			}
		}
		if len(req.RequestedItems) == 0 {
			p.add("requestedItems", "must have at least one item")
		} else {
			for j, it := range req.RequestedItems {
				items = append(items, itemView{inner: j, id: it.ID,
					typ: it.Type, comment: it.Comment, start: it.StartDate, remove: it.RemoveDate, form: it.FormInstanceID})
			}
		}
	}

	entitlements := 0
	for _, it := range items {
		it.check(&p, kind, now)
		if it.typ == ItemTypeEntitlement {
			entitlements++
		}
	}
	if entitlements > 0 {
		if entitlements > MaxEntitlementsPerRequest {
			p.add("requestedItems", "has %d entitlements; at most %d are allowed in one request", entitlements, MaxEntitlementsPerRequest)
		}
		if identities > MaxIdentitiesWithEntitlements {
			p.add("requestedFor", "names %d identities; at most %d are allowed when entitlements are requested", identities, MaxIdentitiesWithEntitlements)
		}
	}
	if kind == RequestTypeRevoke {
		if !perIdentity && identities > 1 {
			p.add("requestedFor", "must name exactly one identity for REVOKE_ACCESS, got %d", identities)
		}
		if entitlements > MaxRevokeEntitlements {
			p.add("requestedItems", "may hold at most %d entitlement for REVOKE_ACCESS, got %d", MaxRevokeEntitlements, entitlements)
		}
	}
	checkSettleKey(&p, req)
	return p
}

// itemView is what the rules need of either kind of requested item. Its field name is only
// built when a rule is broken.
type itemView struct {
	outer, inner  int
	perIdentity   bool
	id            string
	typ           ItemType
	comment       string
	start, remove time.Time
	form          string // formInstanceId
}

func (it itemView) field() string {
	if it.perIdentity {
		return fmt.Sprintf("requestedForWithRequestedItems[%d].requestedItems[%d]", it.outer, it.inner)
	}
	return fmt.Sprintf("requestedItems[%d]", it.inner)
}

func (it itemView) check(p *problems, kind RequestType, now time.Time) {
	if strings.TrimSpace(it.id) == "" {
		p.add(it.field()+".id", "is required")
	}
	switch it.typ {
	case ItemTypeRole, ItemTypeAccessProfile, ItemTypeEntitlement:
	default:
		p.add(it.field()+".type", "must be ROLE, ACCESS_PROFILE or ENTITLEMENT, got %q", it.typ)
	}
	if kind == RequestTypeRevoke {
		if strings.TrimSpace(it.comment) == "" {
			p.add(it.field()+".comment", "is required for REVOKE_ACCESS")
		}
		if !it.start.IsZero() {
			p.add(it.field()+".startDate", "is not allowed for REVOKE_ACCESS")
		}
	}
	if !it.start.IsZero() && !it.start.After(now) {
		p.add(it.field()+".startDate", "must be in the future, got %s", it.start.UTC().Format(time.RFC3339))
	}
	if !it.remove.IsZero() && !it.remove.After(now) {
		p.add(it.field()+".removeDate", "must be in the future, got %s", it.remove.UTC().Format(time.RFC3339))
	}
	if !it.start.IsZero() && !it.remove.IsZero() && !it.remove.After(it.start) {
		p.add(it.field()+".removeDate", "must be after startDate")
	}
	// RFC 3339 has four-digit years: a later date cannot be written (json.Marshal fails on it).
	for _, d := range []struct {
		name string
		at   time.Time
	}{{"startDate", it.start}, {"removeDate", it.remove}} {
		if d.at.UTC().Year() > maxYear {
			p.add(it.field()+"."+d.name, "must be before the year %d, got the year %d", maxYear+1, d.at.UTC().Year())
		}
	}
	// An empty form instance id is a 400; the model leaves out "" itself, so only one of
	// spaces can reach the wire (the builder's FormInstance refuses "").
	switch {
	case it.form != "" && strings.TrimSpace(it.form) == "":
		p.add(it.field()+".formInstanceId", "must not be empty")
	case it.form != "" && kind != RequestTypeGrant:
		p.add(it.field()+".formInstanceId", "is only for GRANT_ACCESS (a form is filled in to request access), not %s", kind)
	}
}

// checkMachines checks the machine identities of the per-identity form, as the successor
// documents them: identity type MACHINE (or HUMAN, the default), never beside people,
// entitlements only, an account selection on every item of a grant or modify (except when the
// call asks which accounts to choose from: selection), and a revoke for exactly one machine. A
// machine's revoke may name the account (nativeIdentity); no other item of the form may. It
// returns how many entries are machines.
func checkMachines(p *problems, entries []IdentityRequest, kind RequestType, selection bool) int {
	machines := 0
	for i, e := range entries {
		switch e.IdentityType {
		case "", IdentityTypeHuman:
		case IdentityTypeMachine:
			machines++
		default:
			p.add(fmt.Sprintf("requestedForWithRequestedItems[%d].identityType", i), "must be HUMAN or MACHINE, got %q", e.IdentityType)
		}
	}
	if machines > 0 && machines < len(entries) {
		p.add("requestedForWithRequestedItems", "names %d machine identities beside %d other identities; machine identities are never requested for beside people", machines, len(entries)-machines)
	}
	if machines > 0 && kind == RequestTypeRevoke && len(entries) != 1 {
		p.add("requestedForWithRequestedItems", "must name exactly one machine identity for REVOKE_ACCESS, got %d", len(entries))
	}
	for i, e := range entries {
		machine := e.IdentityType == IdentityTypeMachine
		for j, it := range e.RequestedItems {
			field := fmt.Sprintf("requestedForWithRequestedItems[%d].requestedItems[%d]", i, j)
			if machine && (it.Type == ItemTypeRole || it.Type == ItemTypeAccessProfile) {
				p.add(field+".type", "must be ENTITLEMENT for a machine identity (machines get entitlements only), got %s", it.Type)
			}
			if machine && !selection && kind != RequestTypeRevoke && len(it.AccountSelection) == 0 {
				p.add(field+".accountSelection", "is required for a machine identity's %s (pick the account with Accounts)", kind)
			}
			if it.NativeIdentity != "" && (!machine || kind != RequestTypeRevoke) {
				p.add(field+".nativeIdentity", "is only for a machine identity's REVOKE_ACCESS (use Accounts to pick accounts)")
			}
		}
	}
	return machines
}

// requestRules are the generation's own refusals, beyond the documented rules: a beta client
// refuses the successor's request fields, which the beta does not know. (The spec shares the
// request models between the generations, so the contract harness allows these fields on the
// beta too: spec/CHANGES.md F12.)
func (api API) requestRules(req AccessRequest) problems {
	if api != APIBeta {
		return nil
	}
	var p problems
	const only = "is only in the successor's API (a client made with WithAPI(APIV1)); the beta has no %s"
	for j, it := range req.RequestedItems {
		if it.FormInstanceID != "" {
			p.add(fmt.Sprintf("requestedItems[%d].formInstanceId", j), only, "forms")
		}
	}
	for i, e := range req.RequestedForWithRequestedItems {
		if e.IdentityType != "" {
			p.add(fmt.Sprintf("requestedForWithRequestedItems[%d].identityType", i), only, "machine identities")
		}
		for j, it := range e.RequestedItems {
			field := fmt.Sprintf("requestedForWithRequestedItems[%d].requestedItems[%d]", i, j)
			if it.FormInstanceID != "" {
				p.add(field+".formInstanceId", only, "forms")
			}
			if it.NativeIdentity != "" {
				p.add(field+".nativeIdentity", only, "machine identities")
			}
		}
	}
	return p
}

// inUTC returns a copy of req whose dates are in UTC, as the server requires; the caller's
// value is not changed.
func inUTC(req AccessRequest) AccessRequest {
	utc := func(t time.Time) time.Time {
		if t.IsZero() {
			return t
		}
		return t.UTC().Truncate(time.Millisecond) // the vendor's dates go to the millisecond
	}
	if req.RequestedItems != nil {
		items := append([]AccessRequestItem(nil), req.RequestedItems...)
		for i := range items {
			items[i].StartDate, items[i].RemoveDate = utc(items[i].StartDate), utc(items[i].RemoveDate)
		}
		req.RequestedItems = items
	}
	if req.RequestedForWithRequestedItems != nil {
		entries := append([]IdentityRequest(nil), req.RequestedForWithRequestedItems...)
		for i := range entries {
			items := append([]IdentityItem(nil), entries[i].RequestedItems...)
			for j := range items {
				items[j].StartDate, items[j].RemoveDate = utc(items[j].StartDate), utc(items[j].RemoveDate)
			}
			entries[i].RequestedItems = items
		}
		req.RequestedForWithRequestedItems = entries
	}
	return req
}
