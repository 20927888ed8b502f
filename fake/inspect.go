package fake

import (
	"context"
	"fmt"
	"time"

	"github.com/sailkit/accessrequests/gen"
)

type receivedKey struct{}

func withReceived(ctx context.Context, r *Received) context.Context {
	return context.WithValue(ctx, receivedKey{}, r)
}

func receivedOf(ctx context.Context) *Received {
	r, _ := ctx.Value(receivedKey{}).(*Received)
	return r
}

// SeedStatuses adds n EXECUTING grant statuses for the identity, one role each, created one
// second apart starting at from. It returns their access request ids, in order.
func (s *Server) SeedStatuses(n int, identity string, from time.Time) []string {
	t := s.state
	t.mu.Lock()
	defer t.mu.Unlock()
	ids := make([]string, 0, n)
	for i := range n {
		st := t.newStatusLocked(identity, item{id: fmt.Sprintf("role-%06d", i), typ: string(gen.ItemTypeRole)},
			gen.RequestTypeGrant, nil, from.Add(time.Duration(i)*time.Second).UTC(), false)
		ids = append(ids, st.AccessRequestID)
	}
	return ids
}

// AddStatus stores a status as given, for tests that need particular values: a status without
// an AccessRequestID gets a new one; one with the id of a stored status replaces it, in its
// place in the listing order (ending its script, if it had one).
func (s *Server) AddStatus(st Status) {
	if st.AccessRequestID == "" {
		st.AccessRequestID = s.newID()
	}
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	delete(s.state.lives, st.AccessRequestID)
	s.state.insertLocked(&st)
}

// Statuses returns a copy of every stored status, in creation order.
func (s *Server) Statuses() []Status {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	out := make([]gen.Status, len(s.state.statuses))
	for i, st := range s.state.statuses {
		out[i] = *st
	}
	return out
}

// Status returns the status of one access request.
func (s *Server) Status(accessRequestID string) (Status, bool) {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	st, ok := s.state.byID[accessRequestID]
	if !ok {
		return gen.Status{}, false
	}
	return *st, true
}

// Creates counts the creates the tenant accepted (and acted on), through either generation,
// including those whose answer was then lost to an injected fault.
func (s *Server) Creates() int {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	return s.state.creates
}

// Config returns the stored access request configuration, in its beta view (the shape of
// /beta/access-request-config). The tenant holds one configuration: the settings the beta's
// and v2's shapes share (approvalsMustBeExternal, reauthorizationEnabled, the two
// request-on-behalf-of settings both have, and the entitlement requests' request and denial
// comment rules, which v2 keeps under entitlementRequestConfig.accessRequestConfig) are one
// setting, written through either view and read the same through both; a setting only one
// shape has is kept by a write through the other; settings the spec lacks stay in the view
// they were written through.
func (s *Server) Config() Config {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	return s.state.config
}

// ConfigV2 returns the stored access request configuration in its v2 view (the shape of
// /access-request-config/v2). See Config.
func (s *Server) ConfigV2() ConfigV2 {
	s.state.mu.Lock()
	defer s.state.mu.Unlock()
	return s.state.configV2
}
