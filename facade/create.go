package facade

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Limits the server enforces on createAccessRequest.
const (
	MaxEntitlementsPerRequest     = 25 // when any entitlement is requested
	MaxIdentitiesWithEntitlements = 10
	MaxRevokeEntitlements         = 1
)

// Create submits an access request (createAccessRequest). The request is checked against every
// documented rule first (see ValidateAccessRequest); when it breaks any, nothing is sent and the
// error lists each problem. Dates are sent in UTC.
//
// A POST is never sent twice when it may have reached the server: if the connection fails
// after the request was written the error matches ErrOutcomeUnknown, and a 2xx whose body does
// not decode gives a *ResponseError whose Accepted method reports true.
func (c *Client) Create(ctx context.Context, req AccessRequest) (*CreateResult, error) {
	const op = "createAccessRequest"
	if err := validateAccessRequest(req, c.tr.now()).err(op); err != nil {
		return nil, err
	}
	body, err := json.Marshal(inUTC(req))
	if err != nil {
		return nil, fmt.Errorf("accessrequests: %s: %w", op, err)
	}
	var out CreateResult
	_, _, err = c.callWarn(ctx, op, &out, readOptions{decodeOptions: decodeOptions{critical: createdIdentity}}, func(ctx context.Context) (*http.Request, error) {
		return newRequest(ctx, http.MethodPost, c.urls.create, body)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// createdIdentity are the parts of a createAccessRequest answer the caller needs to follow up
// what was created: a value of the wrong shape there fails the call (as accepted, see
// ResponseError) instead of passing for "nothing was created".
var createdIdentity = []string{
	"newRequests", "newRequests[].requestedFor", "newRequests[].accessRequestIds",
	"existingRequests", "existingRequests[].requestedFor", "existingRequests[].accessRequestIds",
}

// ValidateAccessRequest checks req against the rules the server documents, as of now, and
// returns a *ValidationError listing every broken rule, or nil. Create runs the same checks.
func ValidateAccessRequest(req AccessRequest, now time.Time) error {
	return validateAccessRequest(req, now).checkErr("createAccessRequest")
}

func validateAccessRequest(req AccessRequest, now time.Time) problems {
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
		if kind != RequestTypeGrant {
			p.add("requestedForWithRequestedItems", "is only allowed for GRANT_ACCESS, not %s", kind)
		}
		entries := req.RequestedForWithRequestedItems
		identities = len(entries)
		for i, e := range entries {
			if strings.TrimSpace(e.IdentityID) == "" {
				p.add(fmt.Sprintf("requestedForWithRequestedItems[%d].identityId", i), "is required")
			}
			if len(e.RequestedItems) == 0 {
				p.add(fmt.Sprintf("requestedForWithRequestedItems[%d].requestedItems", i), "must have at least one item")
			}
			for j, it := range e.RequestedItems {
				items = append(items, itemView{outer: i, inner: j, perIdentity: true, id: it.ID,
					typ: it.Type, comment: it.Comment, start: it.StartDate, remove: it.RemoveDate})
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
					typ: it.Type, comment: it.Comment, start: it.StartDate, remove: it.RemoveDate})
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
