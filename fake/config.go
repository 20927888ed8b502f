package fake

// One configuration, two views: the beta's (gen.Config, deprecated) and the successor's v2
// (gen.ConfigV2). A setting both shapes have (sharedSettings) is one setting: written through
// either view, it reads the same through both. A setting only one shape has is kept by the
// other view untouched, since a write through a view replaces that view's settings only.
// Settings the spec lacks (AdditionalProperties, at any level) belong to the view they were
// written through, and are served back only with the UnknownFields deviation, as written.

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/sailkit/accessrequests/gen"
	"github.com/sailkit/accessrequests/gen/server"
)

// sharedSetting is one setting both views have, under their own names.
type sharedSetting struct {
	beta func(*gen.Config) *bool
	v2   func(*gen.ConfigV2) *bool
}

// sharedSettings are the settings the beta and v2 shapes have in common: the same names at the
// top and in the request-on-behalf-of settings, and the entitlement request comment rules,
// which v2 moved into entitlementRequestConfig.accessRequestConfig and named in the singular.
// The approval schemes are not among them: the beta's comma-separated string and v2's list of
// approver types do not name the same approvers (v2 adds workflows).
var sharedSettings = []sharedSetting{
	{func(c *gen.Config) *bool { return &c.ApprovalsMustBeExternal }, func(c *gen.ConfigV2) *bool { return &c.ApprovalsMustBeExternal }},
	{func(c *gen.Config) *bool { return &c.ReauthorizationEnabled }, func(c *gen.ConfigV2) *bool { return &c.ReauthorizationEnabled }},
	{func(c *gen.Config) *bool { return &c.RequestOnBehalfOfConfig.AllowRequestOnBehalfOfAnyoneByAnyone },
		func(c *gen.ConfigV2) *bool { return &c.RequestOnBehalfOfConfig.AllowRequestOnBehalfOfAnyoneByAnyone }},
	{func(c *gen.Config) *bool { return &c.RequestOnBehalfOfConfig.AllowRequestOnBehalfOfEmployeeByManager },
		func(c *gen.ConfigV2) *bool { return &c.RequestOnBehalfOfConfig.AllowRequestOnBehalfOfEmployeeByManager }},
	{func(c *gen.Config) *bool { return &c.EntitlementRequestConfig.RequestCommentsRequired },
		func(c *gen.ConfigV2) *bool {
			return &c.EntitlementRequestConfig.AccessRequestConfig.RequestCommentRequired
		}},
	{func(c *gen.Config) *bool { return &c.EntitlementRequestConfig.DeniedCommentsRequired },
		func(c *gen.ConfigV2) *bool {
			return &c.EntitlementRequestConfig.AccessRequestConfig.DenialCommentRequired
		}},
}

type direction bool

const (
	toV2   direction = true
	toBeta direction = false
)

// copyShared copies the shared settings from one view to the other.
func copyShared(beta *gen.Config, v2 *gen.ConfigV2, d direction) {
	for _, s := range sharedSettings {
		if d == toV2 {
			*s.v2(v2) = *s.beta(beta)
		} else {
			*s.beta(beta) = *s.v2(v2)
		}
	}
}

// defaultConfigV2 is a new tenant's v2 view: the settings only v2 has at their defaults, the
// entitlement approval by the source owner as the beta view's "sourceOwner" says.
func defaultConfigV2() gen.ConfigV2 {
	yes := true
	return gen.ConfigV2{
		MachineIdentityAccessRequestEnabled: &yes,
		RequestOnBehalfOfConfig:             gen.RequestOnBehalfOfConfigV2{AllowRequestOnBehalfOfForMachineIdentity: &yes},
		EntitlementRequestConfig: gen.EntitlementRequestConfigV2{AccessRequestConfig: gen.EntitlementAccessRequestConfig{
			ApprovalSchemes: &[]gen.EntitlementApprovalScheme{{ApproverType: gen.EntitlementApproverTypeSourceOwner}},
		}},
	}
}

// GetAccessRequestConfig returns the beta view: the settings the spec knows, and with the
// UnknownFields deviation, as a newer tenant, also those it lacks.
func (t *tenant) GetAccessRequestConfig(context.Context, server.GetAccessRequestConfigRequestObject) (server.GetAccessRequestConfigResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.configAnswerLocked(betaAPI), nil
}

// SetAccessRequestConfig stores the beta view (its shared settings become the v2 view's) and
// returns it, as GetAccessRequestConfig does.
func (t *tenant) SetAccessRequestConfig(_ context.Context, req server.SetAccessRequestConfigRequestObject) (server.SetAccessRequestConfigResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.config = *req.Body
	copyShared(&t.config, &t.configV2, toV2)
	return t.configAnswerLocked(betaAPI), nil
}

// GetAccessRequestConfigV2 returns the v2 view, as GetAccessRequestConfig does the beta's.
func (t *tenant) GetAccessRequestConfigV2(context.Context, server.GetAccessRequestConfigV2RequestObject) (server.GetAccessRequestConfigV2ResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.configAnswerLocked(successorAPI), nil
}

// SetAccessRequestConfigV2 stores the v2 view (its shared settings become the beta view's) and
// returns it.
func (t *tenant) SetAccessRequestConfigV2(_ context.Context, req server.SetAccessRequestConfigV2RequestObject) (server.SetAccessRequestConfigV2ResponseObject, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.configV2 = *req.Body
	copyShared(&t.config, &t.configV2, toBeta)
	return t.configAnswerLocked(successorAPI), nil
}

// configAnswerLocked is a view as served (the beta's or v2's): without the UnknownFields
// deviation, without the top-level settings the spec lacks.
func (t *tenant) configAnswerLocked(g generation) configAnswer {
	beta, v2 := t.config, t.configV2
	if !t.deviations.UnknownFields {
		beta.AdditionalProperties, v2.AdditionalProperties = nil, nil
	}
	if g == betaAPI {
		return configAnswer{beta}
	}
	return configAnswer{v2}
}

// configAnswer answers the configuration operations of both generations with a view encoded
// by its own MarshalJSON (the generated 200 responses of v2 are types without it, which would
// leave AdditionalProperties out).
type configAnswer struct{ view json.Marshaler }

func (c configAnswer) write(w http.ResponseWriter) error {
	body, err := json.Marshal(c.view)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	_, err = w.Write(append(body, '\n'))
	return err
}

func (c configAnswer) VisitGetAccessRequestConfigResponse(w http.ResponseWriter) error {
	return c.write(w)
}

func (c configAnswer) VisitSetAccessRequestConfigResponse(w http.ResponseWriter) error {
	return c.write(w)
}

func (c configAnswer) VisitGetAccessRequestConfigV2Response(w http.ResponseWriter) error {
	return c.write(w)
}

func (c configAnswer) VisitSetAccessRequestConfigV2Response(w http.ResponseWriter) error {
	return c.write(w)
}
