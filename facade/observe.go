package facade

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Hooks observe a Client's work without adding a dependency: each field is optional and is
// called synchronously, so it must be quick and safe for concurrent use. Attach OpenTelemetry
// spans, Prometheus metrics or an audit log here (examples/otel shows spans).
//
// An operation is one call to the API (a page of ListStatus, one chunk of CloseRequests); an
// attempt is one HTTP request of it, so an operation that is retried has several attempts.
// Input refused before anything is sent (a *ValidationError) is not an operation. Calls made
// through Generated have attempts but no operation.
type Hooks struct {
	// OperationStart is called before an operation sends anything. The context it returns is
	// used for the operation and passed to the other hooks (for example one carrying a span).
	// When nil, the caller's context is used.
	OperationStart func(ctx context.Context, operation string) context.Context

	// Attempt is called after each HTTP attempt, with what became of it.
	Attempt func(ctx context.Context, a Attempt)

	// OperationDone is called once an operation has ended, successfully or not, with the
	// context OperationStart returned.
	OperationDone func(ctx context.Context, op Operation)
}

// Attempt describes one HTTP attempt of an operation.
type Attempt struct {
	Operation string        // the operation's name in the spec, such as "listAccessRequestStatus"
	Number    int           // 1 for the first attempt; a resend after a 401 keeps its number
	Method    string        // HTTP method
	Status    int           // HTTP status, or 0 when no response arrived
	Duration  time.Duration // from the attempt's start (rate-limit wait and token included) to the response or error
	Err       error         // the transport error when no response arrived
	Retry     RetryReason   // why another attempt follows, or RetryNone
	Waited    time.Duration // how long the attempt waited on the client's own rate limit before it left (part of Duration)
	WaitedFor WaitReason    // why it waited: the shared pause after a 429, the learned pace, or WithRateLimit's limit
}

// RetryReason says why an attempt is followed by another.
type RetryReason string

// Reasons for another attempt.
const (
	RetryNone         RetryReason = ""             // no further attempt
	RetryStatus       RetryReason = "status"       // a retryable status: 429, or 5xx on GET and PUT
	RetryNetwork      RetryReason = "network"      // a connection error the request may be sent again after
	RetryUnauthorized RetryReason = "unauthorized" // a 401: the token is refreshed and the request sent once more
)

// Operation describes one finished operation.
type Operation struct {
	Name     string        // the operation's name in the spec, such as "createAccessRequest"
	Attempts int           // HTTP attempts made; 0 when nothing was sent (no token, say)
	Status   int           // the last HTTP status, or 0 when none arrived
	Duration time.Duration // from OperationStart to the end, waits between attempts included
	Outcome  Outcome       // what the caller may assume
	Err      error         // the error returned to the caller, or nil
	// Deprecated is true when the server's answer carried X-Deprecated: true: the vendor has
	// deprecated the operation. It is set on every such call (a Warning of kind
	// WarningDeprecated is reported once per operation per client).
	Deprecated bool
}

// Outcome is what a finished operation means for the caller.
type Outcome string

// Outcomes of an operation.
const (
	OutcomeSuccess Outcome = "success" // the server accepted the call
	OutcomeFailure Outcome = "failure" // the call failed and the server did not act on it (or refused it)
	OutcomeUnknown Outcome = "unknown" // a write may or may not have been acted on (ErrOutcomeUnknown)
)

// outcomeOf classifies the error a call returns.
func outcomeOf(err error) Outcome {
	var re *ResponseError
	switch {
	case err == nil:
		return OutcomeSuccess
	case errors.Is(err, ErrOutcomeUnknown):
		return OutcomeUnknown
	case errors.As(err, &re) && re.Accepted():
		return OutcomeSuccess // a 2xx whose body did not decode: the server acted
	}
	return OutcomeFailure
}

// WithHooks calls h for every operation and attempt of the client.
func WithHooks(h Hooks) Option {
	return func(o *options) error {
		if h.OperationStart == nil && h.Attempt == nil && h.OperationDone == nil {
			return fmt.Errorf("WithHooks: no hook is set")
		}
		o.hooks = h
		return nil
	}
}

// callState is what the transport learns about one operation. A request made through Generated
// gets one of its own, named "request".
type callState struct {
	op         string
	attempts   int
	status     int
	waited     time.Duration // the last attempt's wait on the rate limit
	waitedFor  WaitReason
	deprecated bool   // the last answer carried X-Deprecated: true
	api        string // the API generation whose rate limit the call's requests wait on
}

// observe runs send as one operation, between the operation hooks.
func (c *Client) observe(ctx context.Context, op string, send func(context.Context, *callState) error) error {
	h := c.tr.hooks
	state := &callState{op: op, api: string(c.api)}
	start := c.tr.now()
	if h.OperationStart != nil {
		if hctx := h.OperationStart(ctx, op); hctx != nil {
			ctx = hctx
		}
	}
	err := send(ctx, state)
	if h.OperationDone != nil {
		h.OperationDone(ctx, Operation{Name: op, Attempts: state.attempts, Status: state.status,
			Duration: c.tr.now().Sub(start), Outcome: outcomeOf(err), Err: err, Deprecated: state.deprecated})
	}
	return err
}
