package fake

// The rules each generation's create holds a request to, beyond checkLimits (both): the beta
// has no machine identities or forms; the successor has both, with the vendor's rules for them.

import (
	"bytes"
	"context"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/sailkit/accessrequests/gen"
)

// checkBeta refuses what only the successor has (spec/CHANGES.md F12: the shared request
// models carry the successor's fields, which the beta does not know), so a client that sends
// them to the beta finds out in its tests.
func checkBeta(ctx context.Context, body *gen.AccessRequest, r *request) error {
	if r.perID && r.kind != gen.RequestTypeGrant {
		return badRequest("requestedForWithRequestedItems is only supported for GRANT_ACCESS")
	}
	for _, e := range body.RequestedForWithRequestedItems {
		if e.IdentityType != "" {
			return badRequest("identityType is not supported by this API version (the successor's /access-requests/v1 has it)")
		}
		for _, it := range e.RequestedItems {
			if it.NativeIdentity != "" {
				return badRequest("requestedForWithRequestedItems[].requestedItems[].nativeIdentity is not supported by this API version (the successor's /access-requests/v1 has it)")
			}
		}
	}
	if formIDs := formInstanceIDs(ctx); len(formIDs) > 0 {
		return badRequest("formInstanceId is not supported by this API version (the successor's /access-requests/v1 has it)")
	}
	return nil
}

// checkSuccessorLocked applies the successor's rules: machine identities, forms, dates, and the
// identities the tenant knows (AddIdentity). submit is false for an accounts selection, which
// is asked before accounts are chosen and dates set.
func (t *tenant) checkSuccessorLocked(ctx context.Context, r *request, now time.Time, submit bool) error {
	for _, v := range formInstanceIDs(ctx) {
		if strings.TrimSpace(v) == "" {
			return badRequest("formInstanceId must not be empty")
		}
	}
	if err := t.checkIdentityTypesLocked(r); err != nil {
		return err
	}
	if len(r.machine) > 0 {
		if err := t.checkMachinesLocked(r, submit); err != nil {
			return err
		}
	} else if r.perID && r.kind != gen.RequestTypeGrant {
		return badRequest("requestedForWithRequestedItems is only supported for GRANT_ACCESS, except for machine identities")
	}
	if !submit {
		return nil
	}
	for _, identity := range r.order {
		for _, it := range r.items[identity] {
			if err := checkDates(r.kind, it, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkIdentityTypesLocked holds the identity types a request declares to what AddIdentity said.
func (t *tenant) checkIdentityTypesLocked(r *request) error {
	for _, identity := range r.order {
		known, ok := t.identities[identity]
		switch {
		case !ok:
		case known.Machine && !r.machine[identity]:
			return badRequest("identity %s is a machine identity: name it in requestedForWithRequestedItems with identityType MACHINE", identity)
		case !known.Machine && r.machine[identity]:
			return badRequest("identity %s is not a machine identity", identity)
		}
	}
	return nil
}

// checkMachinesLocked applies the vendor's rules for machine identities: never beside people,
// entitlements only, and an account selection for a grant or modify (among the machine's
// accounts when the tenant knows them). A revoke is for exactly one machine by checkLimits'
// rule for every revoke.
func (t *tenant) checkMachinesLocked(r *request, submit bool) error {
	if len(r.machine) != len(r.order) {
		return badRequest("machine identities cannot be requested for in the same request as human identities")
	}
	for _, identity := range r.order {
		for _, it := range r.items[identity] {
			if it.typ != string(gen.ItemTypeEntitlement) {
				return badRequest("machine identity %s can be requested entitlements only, not %s", identity, it.typ)
			}
			if !submit || r.kind == gen.RequestTypeRevoke {
				continue
			}
			if !selectsAnAccount(it.accounts) {
				return badRequest("accountSelection is required for every item of a %s request for machine identity %s", r.kind, identity)
			}
			if err := t.checkAccountsLocked(identity, it.accounts); err != nil {
				return err
			}
		}
	}
	return nil
}

func selectsAnAccount(sel []gen.AccountSelection) bool {
	return slices.ContainsFunc(sel, func(s gen.AccountSelection) bool { return len(s.Accounts) > 0 })
}

// checkDates applies the successor's date rules: dates in UTC and in the future, and no start
// date on a revoke.
func checkDates(kind gen.RequestType, it item, now time.Time) error {
	if kind == gen.RequestTypeRevoke && !it.start.IsZero() {
		return badRequest("startDate is not allowed on a REVOKE_ACCESS request")
	}
	for _, d := range []struct {
		name string
		at   time.Time
	}{{"startDate", it.start}, {"removeDate", it.remove}} {
		if d.at.IsZero() {
			continue
		}
		if _, offset := d.at.Zone(); offset != 0 {
			return badRequest("%s %s is not in UTC", d.name, d.at.Format(time.RFC3339))
		}
		if !d.at.After(now) {
			return badRequest("%s %s is not in the future", d.name, d.at.Format(time.RFC3339))
		}
	}
	return nil
}

// formInstanceIDs returns every formInstanceId the request's body holds, as sent: the
// generated model cannot tell an empty one from an absent one, which the vendor refuses.
func formInstanceIDs(ctx context.Context) []string {
	rec := receivedOf(ctx)
	if rec == nil || !bytes.Contains(rec.Body, []byte(`"formInstanceId"`)) {
		return nil
	}
	type withForm struct {
		FormInstanceID *string `json:"formInstanceId"`
	}
	var body struct {
		RequestedItems                 []withForm `json:"requestedItems"`
		RequestedForWithRequestedItems []struct {
			RequestedItems []withForm `json:"requestedItems"`
		} `json:"requestedForWithRequestedItems"`
	}
	if json.Unmarshal(rec.Body, &body) != nil {
		return nil // the strict handler decoded it; a body this decoder refuses has no such field
	}
	var out []string
	add := func(items []withForm) {
		for _, it := range items {
			if it.FormInstanceID != nil {
				out = append(out, *it.FormInstanceID)
			}
		}
	}
	add(body.RequestedItems)
	for _, e := range body.RequestedForWithRequestedItems {
		add(e.RequestedItems)
	}
	return out
}
