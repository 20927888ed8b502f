package fake

import (
	"slices"

	"github.com/sailkit/accessrequests/gen"
	"github.com/sailkit/accessrequests/internal/filter"
)

// listing is what differs between the three status listings: the filters and sorters each
// accepts, and the fields of a row each sends (spec/CHANGES.md F11: one row model for all three).
type listing struct {
	operators  map[string][]string
	sortFields []string
	row        func(gen.Status) gen.Status
}

// The successor's listings accept the operators the vendor documents for them (kept here, apart
// from the client's tables, so that the fake holds a client to the vendor's word, not to the
// client's own). The beta's listing accepts the union of the vendor's two beta documents.
var (
	betaListing = &listing{operators: filter.Operators, sortFields: filter.SortFields, row: betaRow}
	// The user's listing has no "in" on accessRequestId and fewer operators on created.
	v1Listing = &listing{
		operators: map[string][]string{
			"accessRequestId":       {"eq", "ge", "gt", "le", "lt", "ne", "sw"},
			"accountActivityItemId": {"eq", "in", "ge", "gt", "le", "ne", "sw"},
			"created":               {"eq", "ge", "gt", "le", "lt", "ne"},
		},
		sortFields: []string{"created", "modified", "accountActivityItemId", "name"},
		row:        v1Row,
	}
	// The administrators' listing filters on the status too, and sorts on the request's id.
	adminListing = &listing{
		operators: map[string][]string{
			"accountActivityItemId": {"eq", "in", "ge", "gt", "le", "lt", "ne", "isnull", "sw"},
			"accessRequestId":       {"in", "eq", "ne", "ge", "gt", "le", "lt", "sw"},
			"status":                {"in", "eq", "ne"},
			"created":               {"eq", "in", "ge", "gt", "le", "lt", "ne", "isnull", "sw"},
		},
		sortFields: []string{"created", "modified", "accountActivityItemId", "name", "accessRequestId"},
		row:        adminRow,
	}
)

// betaRow leaves out the fields only the successor sends.
func betaRow(s gen.Status) gen.Status {
	s.IdentityType, s.JITDetails, s.Form, s.ReauthorizationRequired = "", nil, gen.ItemForm{}, false
	return s
}

// v1Row is the successor's row: the identity type always, no approval ids in the approval
// steps, and no reauthorization flag (the administrators' listing has it).
func v1Row(s gen.Status) gen.Status {
	if s.IdentityType == "" {
		s.IdentityType = gen.IdentityTypeHuman
	}
	if len(s.ApprovalDetails) > 0 {
		s.ApprovalDetails = slices.Clone(s.ApprovalDetails)
		for i := range s.ApprovalDetails {
			s.ApprovalDetails[i].ApprovalID = ""
		}
	}
	s.ReauthorizationRequired = false
	return s
}

// adminRow is the administrators' row: the successor's without approval ids, requested
// accounts, privilege level and just-in-time details, with the reauthorization flag.
func adminRow(s gen.Status) gen.Status {
	reauth := s.ReauthorizationRequired
	s = v1Row(s)
	s.ApprovalIDs, s.RequestedAccounts, s.PrivilegeLevel, s.JITDetails = nil, nil, "", nil
	s.ReauthorizationRequired = reauth
	return s
}

// page is one page of a listing, or the reason it was refused (a 400).
type page struct {
	rows   []gen.Status
	total  *int32 // X-Total-Count, when asked for
	refuse string
}

// list filters, sorts and pages the statuses for one listing. Each row served counts as one
// poll of its request, which may move a scripted request on (lifecycle.go) for the next one.
func (t *tenant) list(p gen.ListAccessRequestStatusParams, l *listing) page {
	q, err := newQuery(p, l)
	if err != nil {
		return page{refuse: err.Error()}
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
	defer t.mu.Unlock()
	matched := make([]*gen.Status, 0, min(len(t.statuses), 1024))
	for _, s := range t.statuses {
		if q.match(s) {
			matched = append(matched, s)
		}
	}
	q.sort(matched)
	dev := t.deviations
	if dev.EndOffset400 && offset > 0 && offset >= len(matched) {
		return page{refuse: "offset invalid"}
	}
	start := min(offset, len(matched))
	end := min(start+limit, len(matched))
	out := page{rows: make([]gen.Status, 0, end-start)}
	for _, s := range matched[start:end] {
		out.rows = append(out.rows, l.row(*s))
	}
	for _, s := range matched[start:end] {
		t.polledLocked(s)
	}
	if p.Count != nil && *p.Count {
		out.total = ptr(int32(len(matched)))
		if dev.ClaimedTotal != 0 {
			out.total = ptr(dev.ClaimedTotal)
		}
	}
	return out
}
