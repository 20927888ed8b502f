package fake_test

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

// getJSON reads a configuration view as a generic JSON object.
func (w *wire) getJSON(path string) map[string]any {
	w.t.Helper()
	status, _, body := w.call("GET", path, nil)
	require.Equal(w.t, http.StatusOK, status, string(body))
	var v map[string]any
	require.NoError(w.t, json.Unmarshal(body, &v))
	return v
}

// put writes a configuration view, sent exactly as given.
func (w *wire) put(path, body string) {
	w.t.Helper()
	status, _, resp := w.call("PUT", path, json.RawMessage(body))
	require.Equal(w.t, http.StatusOK, status, string(resp))
}

const (
	betaConfig = "/beta/access-request-config"
	v2Config   = "/access-request-config/v2"
)

func TestOneConfigurationSeenThroughTheBetaAndV2Views(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	v2 := w.getJSON(v2Config)
	assert.Equal(t, true, v2["requestOnBehalfOfConfig"].(map[string]any)["allowRequestOnBehalfOfEmployeeByManager"],
		"a new tenant's views agree on their shared settings")

	// The beta writes every shared setting and its own; v2's own settings are untouched.
	w.put(v2Config, `{"govGroupVisibilityEnabled":true,"machineIdentityAccessRequestEnabled":false,
		"entitlementRequestConfig":{"accessRequestConfig":{"requireEndDate":true,"approvalSchemes":[{"approverType":"MANAGER"}]}}}`)
	w.put(betaConfig, `{"approvalsMustBeExternal":true,"autoApprovalEnabled":true,"reauthorizationEnabled":true,
		"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":true,"allowRequestOnBehalfOfEmployeeByManager":false},
		"entitlementRequestConfig":{"allowEntitlementRequest":true,"requestCommentsRequired":true,"deniedCommentsRequired":true,"grantRequestApprovalSchemes":"manager"}}`)
	v2 = w.getJSON(v2Config)
	assert.Equal(t, true, v2["approvalsMustBeExternal"])
	assert.Equal(t, true, v2["reauthorizationEnabled"])
	assert.Equal(t, map[string]any{"allowRequestOnBehalfOfAnyoneByAnyone": true, "allowRequestOnBehalfOfEmployeeByManager": false,
		"allowRequestForMachineByOwner": false}, v2["requestOnBehalfOfConfig"])
	access := v2["entitlementRequestConfig"].(map[string]any)["accessRequestConfig"].(map[string]any)
	assert.Equal(t, true, access["requestCommentRequired"], "the beta's requestCommentsRequired")
	assert.Equal(t, true, access["denialCommentRequired"], "the beta's deniedCommentsRequired")
	assert.Equal(t, true, access["requireEndDate"], "a setting only v2 has, kept")
	assert.Equal(t, []any{map[string]any{"approverType": "MANAGER"}}, access["approvalSchemes"], "kept: not a shared setting")
	assert.Equal(t, true, v2["govGroupVisibilityEnabled"], "kept")
	assert.Equal(t, false, v2["machineIdentityAccessRequestEnabled"], "kept")
	assert.NotContains(t, v2, "autoApprovalEnabled", "the beta's own setting stays in the beta's view")

	// v2 writes back; the beta's own settings are untouched.
	w.put(v2Config, `{"approvalsMustBeExternal":false,"reauthorizationEnabled":false,
		"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":false,"allowRequestOnBehalfOfEmployeeByManager":true},
		"entitlementRequestConfig":{"accessRequestConfig":{"requestCommentRequired":false,"denialCommentRequired":false}}}`)
	beta := w.getJSON(betaConfig)
	assert.Equal(t, false, beta["approvalsMustBeExternal"])
	assert.Equal(t, false, beta["reauthorizationEnabled"])
	assert.Equal(t, map[string]any{"allowRequestOnBehalfOfAnyoneByAnyone": false, "allowRequestOnBehalfOfEmployeeByManager": true}, beta["requestOnBehalfOfConfig"])
	assert.Equal(t, map[string]any{"allowEntitlementRequest": true, "requestCommentsRequired": false, "deniedCommentsRequired": false,
		"grantRequestApprovalSchemes": "manager"}, beta["entitlementRequestConfig"])
	assert.Equal(t, true, beta["autoApprovalEnabled"], "a setting only the beta has, kept")
	assert.Equal(t, w.srv.Config().ApprovalsMustBeExternal, w.srv.ConfigV2().ApprovalsMustBeExternal)
	assert.False(t, w.srv.ConfigV2().GovGroupVisibilityEnabled, "v2's own settings are what v2 last wrote")
}

func TestUnknownSettingsAreKeptByteForByteInEachView(t *testing.T) {
	t.Parallel()
	w := newWire(t)
	w.srv.SetDeviations(fake.Deviations{UnknownFields: true})
	for _, path := range []string{betaConfig, v2Config} {
		status, _, body := w.call("GET", path, nil)
		require.Equal(t, http.StatusOK, status)
		var cfg map[string]json.RawMessage
		require.NoError(t, json.Unmarshal(body, &cfg))
		assert.Equal(t, fake.UnknownConfigFields["futureTopLevel"], string(cfg["futureTopLevel"]), path)
		assert.Contains(t, string(cfg["entitlementRequestConfig"]), fake.UnknownConfigFields["entitlementRequestConfig.futureNested"], path)
	}
	w.put(v2Config, `{"zzV2":{"n":2.50,"s":"\u00e9"},"entitlementRequestConfig":{"zzNested":1e3,"accessRequestConfig":{"zzDeep":[1.0]}}}`)
	w.put(betaConfig, `{"zzBeta":12345678901234567890123}`)
	_, _, v2 := w.call("GET", v2Config, nil)
	assert.Contains(t, string(v2), `"zzV2":{"n":2.50,"s":"\u00e9"}`, "as written, byte for byte")
	assert.Contains(t, string(v2), `"zzNested":1e3`)
	assert.Contains(t, string(v2), `"zzDeep":[1.0]`)
	assert.NotContains(t, string(v2), "zzBeta", "a setting unknown to the spec stays in the view it was written through")
	_, _, beta := w.call("GET", betaConfig, nil)
	assert.Contains(t, string(beta), `"zzBeta":12345678901234567890123`)
	assert.NotContains(t, string(beta), "zzV2")

	w.srv.SetDeviations(fake.Deviations{})
	_, _, v2 = w.call("GET", v2Config, nil)
	assert.NotContains(t, string(v2), "zzV2", "without the deviation, the spec's settings only")
	assert.NotContains(t, string(v2), "futureTopLevel")
}
