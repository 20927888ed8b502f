// Package facade is the client people import to work with SailPoint Identity Security Cloud's
// Access Requests API: submit, cancel and close access requests, read and write the access
// request configuration, and list request statuses.
//
//	import "github.com/sailkit/accessrequests/facade"
//
// The vendor publishes the API in two generations, and a Client speaks one, chosen with WithAPI:
// APIV1, the per-service successor (/access-requests/v1, /access-request-status/v1,
// /access-request-config/v2, ...), which is the default, and APIBeta (/beta/...), which the
// vendor supports until the first quarter of 2027 and whose configuration operations it has
// deprecated since 2026-02-26. Moving a program off the beta changes that one option: every
// method both generations have keeps its signature and its promises, and the client absorbs
// their differences (paths, operation names, which filters each status listing takes, which
// request fields each knows). The successor adds bulk cancel (CancelRequests), the
// administrators' listing (ListStatusParams.Admin), account selections (LoadAccountSelections),
// machine identities and forms in requests (ForMachine, NewMachineRevoke, FormInstance), and a
// configuration of its own shape (GetConfigV2, SetConfigV2, UpdateConfigV2, PatchConfigV2). An
// operation the client's generation lacks is refused before anything is sent (ErrNotInAPI).
//
// Make one Client and share it. This program grants a role and waits for the outcome:
//
//	func main() {
//		ctx := context.Background()
//		c, err := facade.NewFromEnv() // SAIL_BASE_URL, SAIL_CLIENT_ID, SAIL_CLIENT_SECRET
//		if err != nil {
//			log.Fatal(err)
//		}
//		req, err := facade.NewGrant().For("2c9180835d191a86015d28455b4b00a1").
//			Role("2c9180835d2e5168015d32f890ca1581", facade.Comment("Joining the payments team")).Build()
//		if err != nil {
//			log.Fatal(err)
//		}
//		res, err := c.Create(ctx, req)
//		if err != nil {
//			log.Fatal(err)
//		}
//		st, err := c.Wait(ctx, res.NewRequests[0].AccessRequestIDs[0], facade.WaitParams{})
//		fmt.Println(st.State, err)
//	}
//
// The types a call takes and returns (Status, Config, ConfigV2, AccessRequest, every model
// their fields reach, and enums such as State and ItemType) are the generated models, named
// here as aliases, so a program never needs to import the gen package. Each alias's
// documentation lists the model's fields ("go doc facade.Status"); package gen shows the same
// fields with an example value each. (CreateResult is the package's own: the server's answer and
// how a lost answer was settled.) A few fields are pointers because zero and absent differ:
// Ptr fills them. Observe every call with WithHooks.
//
// What a Client promises:
//
//   - Authentication: client-credential tokens are fetched once, shared by every goroutine,
//     replaced a minute before they expire (or when a quarter of their life is left, for
//     tokens that live under four minutes), and refreshed once when the server answers 401.
//     Callers waiting on a token fetch share its outcome, failure included.
//   - Safety of writes: a POST goes on the wire once per attempt, over HTTP/1.1 and HTTP/2
//     alike, and is sent again only when the server cannot have acted on it (a 429, or a
//     connection that failed before the request's headers were written). When the server may
//     have acted (the connection or stream failed after sending, the context ended, or the
//     answer was 408, any 5xx or a redirect) the error matches ErrOutcomeUnknown. A 2xx whose body cannot be
//     decoded gives a *ResponseError whose Accepted method reports true: the call succeeded;
//     for a write, do not resubmit.
//   - Redirects are never followed, on the API or the token endpoint: they end in a
//     *RedirectError naming the Location, so credentials go only where they were configured.
//   - Retries: 429 for every method, honouring Retry-After up to a cap; 5xx and network errors
//     for GET and PUT; exponential backoff with jitter, a client-wide retry budget, and waits
//     that end with the context. See RetryPolicy.
//   - Settled creates: a create whose answer is lost is never sent again; the client looks up
//     the key it put in the create's clientMetadata (SettleKey) in the status listing for a
//     settle period, and returns the ids it finds (CreateResult.Settled) or an *UnsettledError
//     matching ErrOutcomeUnknown. See Create and WithoutSettling.
//   - Errors: non-2xx answers become *APIError (status, operation, detail code, tracking id,
//     messages), matched with errors.Is against ErrBadRequest, ErrUnauthorized, ErrForbidden,
//     ErrNotFound, ErrRateLimited and ErrServer. Input that breaks a documented rule gives a
//     *ValidationError naming each field, and nothing is sent.
//   - Tolerant reading: a value whose shape or type differs from the spec, in a part of a
//     response that is information rather than identity, never fails the call or the page. It
//     is left empty, the rest of its item is kept, and it is reported as a Warning holding the
//     raw value (StatusPage.Warnings, WithWarningHandler) plus one warn-level log line per call.
//     What still fails, and why: a status whose AccessRequestID, AccountActivityItemID, ID or
//     State has the wrong shape (it could not be waited on, cancelled, closed or told from
//     another, and a guessed state could pass for final); a createAccessRequest answer whose
//     request lists, identities or ids do not decode (the caller could not follow up what was
//     created; the error says the server accepted the call); a body that is not JSON, or whose
//     top level has the wrong shape. A body that matches the spec is decoded in one pass.
//   - Unknown data is kept: enum values the spec lacks come through as sent, and configuration
//     settings the spec lacks (at any depth), and known ones in a shape the spec does not give
//     them, are kept in AdditionalProperties (by encoding/json too) and written back by
//     SetConfig, UpdateConfig and their V2 forms, so a read-modify-write never resets them.
//   - Deprecation: an answer carrying X-Deprecated: true is reported once per operation per
//     client, as a Warning of kind WarningDeprecated and one warn-level log line (and on every
//     such call as Operation.Deprecated), so a program learns it from its own logs long before
//     the vendor turns the operation off.
//   - End of a listing: a short page, or a 400 for the offset right after a full page (some
//     tenants answer "offset invalid" instead of an empty page). X-Total-Count is reported and
//     shapes prefetching, but never ends a listing: a total that is too low loses nothing, and
//     one that is too high costs at most a window of requests.
//   - Secrets: tokens, secrets and the Authorization header never appear in errors or logs.
//     Error text from the server is scrubbed of every token the client has held and of the
//     client secret in its encoded forms before it is cut short. Secrets under 16 characters
//     (and tokens under 8) are refused: they could not be removed without garbling text.
//   - Transport security: plain http is refused except to loopback, unless WithInsecureHTTP.
//   - Rate limit: unless WithRateLimit says otherwise, the client learns the server's limit
//     from its 429s; after one, all its goroutines wait out the Retry-After together and then
//     send at a learned pace.
//   - Connections: unless WithHTTPClient is given, the client's own transport keeps enough
//     idle connections that a prefetching listing does not open new ones after its first
//     window.
//
// For anything the facade does not cover, Client.Generated returns the generated client,
// which sends through the same authentication, retries and logging.
package facade
