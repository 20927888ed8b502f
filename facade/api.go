package facade

import (
	"errors"
	"fmt"
	"strings"
)

// API is a generation of the vendor's access request API. A Client speaks one generation,
// chosen with WithAPI; every method both generations have keeps its signature and its
// promises on either, and the differences (paths, operation names, filters, what a request may
// carry) are the client's business.
type API string

// The generations.
const (
	// APIBeta is the beta (https://{tenant}.api.identitynow.com/beta/...), which the vendor
	// supports until the first quarter of 2027. Its configuration operations have been
	// deprecated since 2026-02-26. It has no bulk cancel, administrators' listing, account
	// selections, machine identities or forms.
	APIBeta API = "beta"
	// APIV1 is the beta's successor, versioned per service (/access-requests/v1,
	// /access-request-status/v1, /access-request-administration/v1, /access-request-config/v2).
	APIV1 API = "v1"
)

// DefaultAPI is the generation of a Client made without WithAPI: the successor. The beta stops
// being supported in the first quarter of 2027 and its configuration operations have been
// deprecated since 2026-02-26, so a program written today should not start on it; a program
// that must stay on the beta until it has moved says so with WithAPI(APIBeta).
const DefaultAPI = APIV1

// APIs lists the generations, the default first.
func APIs() []API { return []API{APIV1, APIBeta} }

// ParseAPI reads a generation's name as WithAPI takes it: "v1" or "beta" (case and surrounding
// space ignored). The error names the accepted values and matches ErrInvalidInput.
func ParseAPI(name string) (API, error) {
	switch API(strings.ToLower(strings.TrimSpace(name))) {
	case APIV1:
		return APIV1, nil
	case APIBeta:
		return APIBeta, nil
	}
	return "", fmt.Errorf("accessrequests: API generation %q is not one of v1, beta: %w", name, ErrInvalidInput)
}

// valid reports whether api is one of the generations.
func (api API) valid() bool { return api == APIV1 || api == APIBeta }

// WithAPI chooses the generation the client speaks (DefaultAPI without it). Every request of
// the client goes to that generation: an operation the other generation alone has is refused
// before anything is sent, with an error matching ErrNotInAPI (and ErrInvalidInput).
func WithAPI(api API) Option {
	return func(o *options) error {
		if !api.valid() {
			return fmt.Errorf("WithAPI: %q is not a generation (use APIV1 or APIBeta)", string(api))
		}
		o.api = api
		return nil
	}
}

// API returns the generation the client speaks.
func (c *Client) API() API { return c.api }

// ErrNotInAPI: the operation does not exist in the client's generation (a successor-only
// operation on a beta client, or the beta's configuration on a v1 client). Nothing was sent. It
// also matches ErrInvalidInput.
var ErrNotInAPI = errors.New("operation not in this API generation")

// NotInAPIError refuses a call the client's generation does not have. Nothing was sent. It
// matches ErrNotInAPI and ErrInvalidInput.
type NotInAPIError struct {
	Method string // the facade method called, e.g. "CancelRequests"
	API    API    // the client's generation
	Use    string // what to use instead
}

// Error names the method, the generation and what to use instead.
func (e *NotInAPIError) Error() string {
	return fmt.Sprintf("accessrequests: %s is not in the %s API generation, and nothing was sent: %s", e.Method, e.API, e.Use)
}

// Is matches ErrNotInAPI and ErrInvalidInput.
func (e *NotInAPIError) Is(target error) bool {
	return target == ErrNotInAPI || target == ErrInvalidInput
}
