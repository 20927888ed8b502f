package fake

import (
	"fmt"
	"time"

	"github.com/sailkit/accessrequests/gen"
)

// Outcome is where a scripted Step takes an access request.
type Outcome int

// The outcomes a Step can have.
const (
	// Approve records an approved approval step: the request stays EXECUTING but can no longer
	// be cancelled (the vendor cancels only requests that have not passed their approval).
	Approve Outcome = iota + 1
	// Reject records a rejected approval step and ends the request REJECTED.
	Reject
	// Complete ends the request REQUEST_COMPLETED, approved first if it was not yet.
	Complete
	// Fail ends the request PROVISIONING_FAILED, approved first if it was not yet, with an
	// error message saying provisioning failed.
	Fail
)

// String returns the outcome's name.
func (o Outcome) String() string {
	switch o {
	case Approve:
		return "Approve"
	case Reject:
		return "Reject"
	case Complete:
		return "Complete"
	case Fail:
		return "Fail"
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

// Step is one scripted change in a request's life: once the request has been listed Polls
// times since the previous step (or since it was scripted), it takes Outcome, so the next
// listing shows it. Polls 0 is at once. A listing is any of the three status listings, and a
// request is listed when its row is on the page served.
type Step struct {
	Polls   int     // listings in the current state before the step; 0: at once
	Outcome Outcome // where the step takes the request
}

// life is a request's remaining steps and the polls counted towards the first.
type life struct {
	steps []Step
	polls int
}

// Script gives an access request a life: its steps happen in order as the request is listed
// (see Step), and a step of Polls 0 happens now. It replaces the request's earlier script, and
// ends when the request leaves EXECUTING otherwise (cancelled, closed, SetState). It reports
// false when the tenant has no such request.
func (s *Server) Script(accessRequestID string, steps ...Step) bool {
	return s.state.withStatus(accessRequestID, func(st *gen.Status) {
		s.state.lives[accessRequestID] = &life{steps: append([]Step(nil), steps...)}
		s.state.advanceLocked(st)
	})
}

// ScriptNew gives every access request created from now on, through either generation, the
// life Script would; no steps leaves them EXECUTING, as they are by default. A step of Polls
// 0 happens as the request is created, before the create is answered.
func (s *Server) ScriptNew(steps ...Step) {
	t := s.state
	t.mu.Lock()
	defer t.mu.Unlock()
	t.newLife = append([]Step(nil), steps...)
}

// SetState puts an access request in a state now (EXECUTING keeps it cancelable, any other
// state makes it final), ending its script. It reports false when the tenant has no such
// request.
func (s *Server) SetState(accessRequestID string, state State) bool {
	return s.state.withStatus(accessRequestID, func(st *gen.Status) {
		st.State, st.Cancelable, st.Modified = state, state == gen.StateExecuting, s.state.now().UTC()
		delete(s.state.lives, accessRequestID)
	})
}

// withStatus runs change on a stored status under the lock, and reports whether there was one.
func (t *tenant) withStatus(accessRequestID string, change func(*gen.Status)) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	st, ok := t.byID[accessRequestID]
	if ok {
		change(st)
	}
	return ok
}

// startLifeLocked gives a new request the life ScriptNew set.
func (t *tenant) startLifeLocked(s *gen.Status) {
	if len(t.newLife) == 0 {
		return
	}
	t.lives[s.AccessRequestID] = &life{steps: append([]Step(nil), t.newLife...)}
	t.advanceLocked(s)
}

// polledLocked counts one listing of a request and takes the steps it makes due.
func (t *tenant) polledLocked(s *gen.Status) {
	if l := t.lives[s.AccessRequestID]; l != nil {
		l.polls++
		t.advanceLocked(s)
	}
}

// advanceLocked takes every step that is due, in order.
func (t *tenant) advanceLocked(s *gen.Status) {
	l := t.lives[s.AccessRequestID]
	for l != nil && len(l.steps) > 0 && l.polls >= l.steps[0].Polls {
		if s.State != gen.StateExecuting {
			break // ended some other way: the script is over
		}
		apply(s, l.steps[0].Outcome, t.now().UTC())
		l.steps, l.polls = l.steps[1:], 0
	}
	if l != nil && (len(l.steps) == 0 || s.State != gen.StateExecuting) {
		delete(t.lives, s.AccessRequestID)
	}
}

// apply makes one outcome happen to an executing request.
func apply(s *gen.Status, o Outcome, now time.Time) {
	s.Modified, s.Cancelable = now, false
	switch o {
	case Approve:
		decide(s, gen.WorkItemStateApproved, now)
	case Reject:
		decide(s, gen.WorkItemStateRejected, now)
		s.State = gen.StateRejected
	case Complete:
		decide(s, gen.WorkItemStateApproved, now)
		s.State = gen.StateRequestCompleted
	case Fail:
		decide(s, gen.WorkItemStateApproved, now)
		s.State = gen.StateProvisioningFailed
		s.ErrorMessages = append(s.ErrorMessages, gen.ErrorMessageList{{Locale: "en-US",
			LocaleOrigin: gen.LocaleOriginDefault, Text: "provisioning failed (scripted by the fake tenant)"}})
	}
}

// decide records the approval step's decision, unless one was recorded already.
func decide(s *gen.Status, state gen.WorkItemState, now time.Time) {
	for _, a := range s.ApprovalDetails {
		if a.Status == gen.WorkItemStateApproved || a.Status == gen.WorkItemStateRejected {
			return
		}
	}
	s.ApprovalDetails = append(s.ApprovalDetails, gen.ApprovalStatus{
		Scheme: gen.ApprovalSchemeManager, Status: state, Modified: now,
		CurrentOwner: gen.AccessItemReviewedBy{Type: gen.OwnerTypeIdentity, ID: CallerID, Name: "Fake Caller"},
	})
}
