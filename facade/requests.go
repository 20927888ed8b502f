package facade

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// RequestBuilder assembles an AccessRequest. Start with NewGrant, NewRevoke or NewModify, add
// identities and items, then call Build, which checks every documented rule at once.
//
// Items added with Role, AccessProfile and Entitlement go to every identity named with For
// (requestedFor + requestedItems). ForIdentity instead gives one identity its own items with
// account selection (requestedForWithRequestedItems); it is for grants only and cannot be mixed
// with For or the flat items. ForMachine and NewMachineRevoke request entitlements for machine
// identities, which only the successor (APIV1) has: see ForMachine.
type RequestBuilder struct {
	kind          RequestType
	identities    []string
	items         []ItemSpec
	perIdentity   []IdentityRequest
	meta          map[string]string
	problems      problems
	machineRevoke bool // NewMachineRevoke: identities[0] is a machine, and the items are its
}

// NewGrant starts a GRANT_ACCESS request.
func NewGrant() *RequestBuilder { return &RequestBuilder{kind: RequestTypeGrant} }

// NewRevoke starts a REVOKE_ACCESS request for one identity.
func NewRevoke(identityID string) *RequestBuilder {
	return &RequestBuilder{kind: RequestTypeRevoke, identities: []string{identityID}}
}

// NewMachineRevoke starts a REVOKE_ACCESS request for one machine identity (successor only):
// add the one entitlement to revoke with Entitlement, with a Comment and, when the machine has
// several accounts, OnAccount naming the account. It is sent in the per-identity form with
// identity type MACHINE, as the successor requires.
func NewMachineRevoke(machineID string) *RequestBuilder {
	return &RequestBuilder{kind: RequestTypeRevoke, identities: []string{machineID}, machineRevoke: true}
}

// NewModify starts a MODIFY_ACCESS request (for example to change a removeDate).
func NewModify() *RequestBuilder { return &RequestBuilder{kind: RequestTypeModify} }

// For adds identities that receive every flat item.
func (b *RequestBuilder) For(identityIDs ...string) *RequestBuilder {
	b.identities = append(b.identities, identityIDs...)
	return b
}

// Role adds a role.
func (b *RequestBuilder) Role(id string, opts ...ItemOption) *RequestBuilder {
	return b.add(Item(ItemTypeRole, id, opts...))
}

// AccessProfile adds an access profile.
func (b *RequestBuilder) AccessProfile(id string, opts ...ItemOption) *RequestBuilder {
	return b.add(Item(ItemTypeAccessProfile, id, opts...))
}

// Entitlement adds an entitlement.
func (b *RequestBuilder) Entitlement(id string, opts ...ItemOption) *RequestBuilder {
	return b.add(Item(ItemTypeEntitlement, id, opts...))
}

// Items adds items made with Item.
func (b *RequestBuilder) Items(items ...ItemSpec) *RequestBuilder {
	for _, it := range items {
		b.add(it)
	}
	return b
}

func (b *RequestBuilder) add(it ItemSpec) *RequestBuilder {
	b.items = append(b.items, it)
	return b
}

// Metadata adds a request-level client metadata entry.
func (b *RequestBuilder) Metadata(key, value string) *RequestBuilder {
	if b.meta == nil {
		b.meta = map[string]string{}
	}
	b.meta[key] = value
	return b
}

// ForIdentity gives one identity its own items, with account selection where it has several
// accounts on a source (the per-identity form; grants only).
func (b *RequestBuilder) ForIdentity(identityID string, items ...ItemSpec) *RequestBuilder {
	return b.perIdentityEntry(identityID, "", items)
}

// ForMachine gives one machine identity its own entitlements (the per-identity form with
// identity type MACHINE). Only the successor (APIV1) has machine identities: a beta client's
// Create refuses the request. The successor's rules, which Build checks: entitlements only;
// never in the same request as people (For, ForIdentity); each entitlement of a grant or modify
// names the account it goes to with Accounts (LoadAccountSelections lists them); a revoke is
// for exactly one machine (NewMachineRevoke).
func (b *RequestBuilder) ForMachine(machineID string, items ...ItemSpec) *RequestBuilder {
	return b.perIdentityEntry(machineID, IdentityTypeMachine, items)
}

// perIdentityEntry adds one identity of the per-identity form with its items. Only a machine's
// items may name an account (its revoke's nativeIdentity); none may name an assignment.
func (b *RequestBuilder) perIdentityEntry(identityID string, typ IdentityType, items []ItemSpec) *RequestBuilder {
	entry := IdentityRequest{IdentityID: identityID, IdentityType: typ, RequestedItems: []IdentityItem{}}
	for j, it := range items {
		field := fmt.Sprintf("requestedForWithRequestedItems[%d].requestedItems[%d]", len(b.perIdentity), j)
		if it.assignmentID != "" || it.native != "" && typ != IdentityTypeMachine {
			b.problems.add(field, "cannot carry assignmentId or nativeIdentity; use Accounts to pick accounts")
		}
		it.checkForm(&b.problems, field)
		entry.RequestedItems = append(entry.RequestedItems, it.dtoRef())
	}
	b.perIdentity = append(b.perIdentity, entry)
	return b
}

// Build returns the request, or a *ValidationError listing every broken rule as of now.
func (b *RequestBuilder) Build() (AccessRequest, error) { return b.buildAt(time.Now()) }

// buildAt is Build with the time "now" given, for dates checked against it. It is not
// exported: Create checks the request again against the client's own clock, which is the
// "now" that matters.
func (b *RequestBuilder) buildAt(now time.Time) (AccessRequest, error) {
	if b.machineRevoke {
		// The machine and its items form the first entry of the per-identity form; identities
		// named with For stay flat, where the rules refuse them beside it.
		mb := &RequestBuilder{kind: b.kind, meta: b.meta, identities: b.identities[1:], problems: slices.Clone(b.problems)}
		mb.perIdentityEntry(b.identities[0], IdentityTypeMachine, b.items)
		mb.perIdentity = append(mb.perIdentity, b.perIdentity...)
		b = mb
	}
	req := AccessRequest{RequestType: b.kind, ClientMetadata: maps.Clone(b.meta)}
	p := append(problems(nil), b.problems...)
	if len(b.perIdentity) > 0 {
		req.RequestedForWithRequestedItems = append([]IdentityRequest(nil), b.perIdentity...)
	}
	if len(b.identities) > 0 || len(b.perIdentity) == 0 {
		req.RequestedFor = append([]string(nil), b.identities...)
	}
	if len(b.items) > 0 || len(b.perIdentity) == 0 {
		req.RequestedItems = make([]AccessRequestItem, 0, len(b.items))
		for i, it := range b.items {
			if it.accounts != nil {
				p.add(fmt.Sprintf("requestedItems[%d].accountSelection", i), "is only available with ForIdentity or ForMachine (requestedForWithRequestedItems)")
			}
			it.checkForm(&p, fmt.Sprintf("requestedItems[%d]", i))
			req.RequestedItems = append(req.RequestedItems, it.item())
		}
	}
	p = append(p, validateRequest(req, now, false)...)
	if err := p.checkErr("createAccessRequest"); err != nil {
		return AccessRequest{}, err
	}
	return inUTC(req), nil
}

// ItemSpec is one requested item, made with Item.
type ItemSpec struct {
	typ           ItemType
	id            string
	comment       string
	start, remove time.Time
	meta          map[string]string
	assignmentID  string
	native        string
	accounts      []AccountSelection
	form          string // formInstanceId
	formSet       bool   // FormInstance was given, even with ""
}

// ItemOption sets an optional property of an item.
type ItemOption func(*ItemSpec)

// Item makes an item of the given type (ROLE, ACCESS_PROFILE or ENTITLEMENT).
func Item(typ ItemType, id string, opts ...ItemOption) ItemSpec {
	it := ItemSpec{typ: typ, id: id}
	for _, o := range opts {
		o(&it)
	}
	return it
}

// Comment sets the item's justification (required on every item of a revoke).
func Comment(text string) ItemOption { return func(it *ItemSpec) { it.comment = text } }

// StartOn sets when the access should start; it must be in the future and is sent in UTC.
func StartOn(t time.Time) ItemOption { return func(it *ItemSpec) { it.start = t } }

// RemoveOn sets when the access should end; it must be in the future, after any start, and is
// sent in UTC.
func RemoveOn(t time.Time) ItemOption { return func(it *ItemSpec) { it.remove = t } }

// ItemMetadata adds a client metadata entry to the item.
func ItemMetadata(key, value string) ItemOption {
	return func(it *ItemSpec) {
		if it.meta == nil {
			it.meta = map[string]string{}
		}
		it.meta[key] = value
	}
}

// Assignment picks, by its id, the assignment to revoke when the identity has several.
func Assignment(id string) ItemOption { return func(it *ItemSpec) { it.assignmentID = id } }

// OnAccount picks the account, by native identity, when the identity has several
// (nativeIdentity): on a revoke's item, or on a machine's revoke (NewMachineRevoke; successor
// only).
func OnAccount(nativeIdentity string) ItemOption {
	return func(it *ItemSpec) { it.native = nativeIdentity }
}

// FormInstance names the form instance filled in for a grant's item (successor only: a beta
// client's Create refuses it). An empty id is refused by Build, as the server
// refuses it.
func FormInstance(id string) ItemOption {
	return func(it *ItemSpec) { it.form, it.formSet = id, true }
}

// checkForm refuses a FormInstance given without an id: the model would leave "" out, and the
// request would go without the form its author meant.
func (it ItemSpec) checkForm(p *problems, field string) {
	if it.formSet && strings.TrimSpace(it.form) == "" {
		p.add(field+".formInstanceId", "must not be empty")
	}
}

// Accounts selects, for the per-identity form, which accounts on a source receive the item.
func Accounts(sourceID string, accounts ...AccountRef) ItemOption {
	return func(it *ItemSpec) {
		it.accounts = append(it.accounts, AccountSelection{SourceID: sourceID, Accounts: append([]AccountRef(nil), accounts...)})
	}
}

// Account names one account for Accounts: its native identity and, when known, its uuid.
func Account(nativeIdentity, uuid string) AccountRef {
	return AccountRef{NativeIdentity: nativeIdentity, AccountUUID: uuid}
}

func (it ItemSpec) item() AccessRequestItem {
	return AccessRequestItem{
		Type: it.typ, ID: it.id, Comment: it.comment, StartDate: it.start, RemoveDate: it.remove,
		ClientMetadata: maps.Clone(it.meta), AssignmentID: it.assignmentID, NativeIdentity: it.native,
		FormInstanceID: it.form,
	}
}

func (it ItemSpec) dtoRef() IdentityItem {
	return IdentityItem{
		Type: it.typ, ID: it.id, Comment: it.comment, StartDate: it.start, RemoveDate: it.remove,
		ClientMetadata: maps.Clone(it.meta), AccountSelection: append([]AccountSelection(nil), it.accounts...),
		NativeIdentity: it.native, FormInstanceID: it.form,
	}
}
