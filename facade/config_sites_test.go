package facade_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// brokenRaw is a value kept aside that is not JSON: a caller's hand-made AdditionalProperties.
var brokenRaw = json.RawMessage(`{"limit":`)

// A read-modify-write called on the generation that lacks it names the replacement of the write
// (UpdateConfigV2, PatchConfigV2 on a v1 client; SetConfig on a beta one), not of the read it
// would have begun with (updateConfig's and patchConfig's check of set, config.go and
// configpatch.go).
func TestAConfigReadModifyWriteOnTheWrongGenerationNamesTheWritesReplacement(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	v1 := newEnvFor(t, facade.APIV1)
	beta := newEnvFor(t, facade.APIBeta)
	cv1, cbeta := v1.client(), beta.client()
	for name, tc := range map[string]struct {
		call func() error
		want string
	}{
		"UpdateConfig": {func() error {
			_, err := cv1.UpdateConfig(ctx, func(*facade.Config) error { return nil })
			return err
		}, "UpdateConfigV2"},
		"PatchConfig": {func() error {
			_, _, err := cv1.PatchConfig(ctx, facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":true}`)}, nil)
			return err
		}, "PatchConfigV2"},
		"UpdateConfigV2": {func() error {
			_, err := cbeta.UpdateConfigV2(ctx, func(*facade.ConfigV2) error { return nil })
			return err
		}, "write the beta's configuration with SetConfig"},
		"PatchConfigV2": {func() error {
			_, _, err := cbeta.PatchConfigV2(ctx, facade.ConfigPatch{JSON: []byte(`{"reauthorizationEnabled":true}`)}, nil)
			return err
		}, "write the beta's configuration with SetConfig"},
	} {
		err := noteErr(tc.call())
		var nie *facade.NotInAPIError
		require.ErrorAs(t, err, &nie, name)
		assert.Equal(t, name, nie.Method)
		assert.Contains(t, nie.Use, tc.want, name)
	}
	assert.Zero(t, v1.calls.Load()+beta.calls.Load(), "nothing was sent")
}

// configRW serves the configuration of e's generation: GET answers get, PUT answers put and
// records the body.
func configRW(e *env, get, put http.HandlerFunc) *[][]byte {
	var (
		mu   sync.Mutex
		puts [][]byte
	)
	e.handle("GET /access-request-config", get)
	e.handle("PUT /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		puts = append(puts, body)
		mu.Unlock()
		put(w, r)
	})
	return &puts
}

// UpdateConfig whose read fails returns that error without calling change; one whose change
// fails returns the change's error and writes nothing (updateConfig's two error checks).
func TestUpdateConfigWritesNothingWhenTheReadOrTheChangeFails(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := newEnv(t).lax()
	get := make(chan http.HandlerFunc, 2)
	get <- reply(404, errorJSON)
	get <- reply(200, configJSON)
	puts := configRW(e, func(w http.ResponseWriter, r *http.Request) { (<-get)(w, r) }, reply(200, configJSON))
	c := e.client()

	called := false
	_, err := c.UpdateConfig(ctx, func(*facade.Config) error { called = true; return nil })
	var ae *facade.APIError
	require.ErrorAs(t, noteErr(err), &ae)
	assert.Equal(t, 404, ae.StatusCode)
	assert.Equal(t, "getAccessRequestConfig", ae.Operation)
	assert.False(t, called, "nothing was read: change is not called")

	stop := errors.New("not today")
	got, err := c.UpdateConfig(ctx, func(cfg *facade.Config) error { cfg.AutoApprovalEnabled = false; return stop })
	require.ErrorIs(t, noteErr(err), stop)
	assert.Nil(t, got)
	assert.True(t, strings.HasPrefix(err.Error(), "accessrequests: update config: "), err.Error())
	assert.Empty(t, *puts, "nothing was written")
}

// PatchConfig (and PatchConfigV2) whose read fails returns the read's error and writes
// nothing; one whose write fails returns the write's error, with the changes; each error names
// its own operation (patchConfig's error checks, and the order of get and set in PatchConfig
// and PatchConfigV2).
func TestPatchConfigReturnsTheFailedReadOrWriteNamingItsOperation(t *testing.T) {
	t.Parallel()
	forEachAPI(t, func(t *testing.T, api facade.API) {
		t.Parallel()
		ctx := context.Background()
		e := newEnvFor(t, api).lax()
		get := make(chan http.HandlerFunc, 2)
		get <- reply(404, errorJSON)
		get <- reply(200, e.configBody())
		puts := configRW(e, func(w http.ResponseWriter, r *http.Request) { (<-get)(w, r) }, reply(400, errorJSON))
		c := e.client()
		patch := func() ([]facade.ConfigChange, error) {
			if api == facade.APIV1 {
				_, changes, err := c.PatchConfigV2(ctx, facade.ConfigPatch{JSON: []byte(`{"reauthorizationEnabled":false}`)}, nil)
				return changes, err
			}
			_, changes, err := c.PatchConfig(ctx, facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":false}`)}, nil)
			return changes, err
		}
		suffix := map[facade.API]string{facade.APIBeta: "", facade.APIV1: "V2"}[api]

		_, err := patch()
		var ae *facade.APIError
		require.ErrorAs(t, noteErr(err), &ae)
		assert.Equal(t, "getAccessRequestConfig"+suffix, ae.Operation)
		assert.Empty(t, *puts, "nothing was read: nothing is written")

		changes, err := patch()
		require.ErrorAs(t, noteErr(err), &ae, "the write's refusal is returned")
		assert.Equal(t, 400, ae.StatusCode)
		assert.Equal(t, "setAccessRequestConfig"+suffix, ae.Operation)
		assert.Len(t, changes, 1)
		assert.Len(t, *puts, 1)
	})
}

// A value kept aside that is not JSON (a caller's own AdditionalProperties) is refused before
// anything is sent, by SetConfig and by Apply, naming the operation and the setting
// (setConfig's and applyPatch's checks of json.Marshal).
func TestAConfigHoldingAValueThatIsNotJSONIsRefusedNamingTheSetting(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("PUT /access-request-config", reply(200, configJSON))
	cfg := facade.Config{AutoApprovalEnabled: true, AdditionalProperties: map[string]json.RawMessage{"zzBroken": brokenRaw}}
	got, err := e.client().SetConfig(context.Background(), cfg)
	require.Error(t, noteErr(err))
	assert.Nil(t, got)
	assert.True(t, strings.HasPrefix(err.Error(), "accessrequests: setAccessRequestConfig: "), err.Error())
	assert.Contains(t, err.Error(), "zzBroken")
	assert.Zero(t, e.calls.Load(), "nothing was sent")

	_, changes, err := facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":false}`)}.Apply(cfg)
	require.Error(t, err)
	assert.Nil(t, changes)
	assert.True(t, strings.HasPrefix(err.Error(), "accessrequests: setAccessRequestConfig: "), err.Error())
	assert.Contains(t, err.Error(), "zzBroken")
}

// configV2OddScheme is the successor's configuration whose first approval step has an
// approverType of another shape than the spec's.
const configV2OddScheme = `{"approvalsMustBeExternal":false,"reauthorizationEnabled":true,"govGroupVisibilityEnabled":false,
"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":false,"allowRequestOnBehalfOfEmployeeByManager":true,"allowRequestForMachineByOwner":false},
"entitlementRequestConfig":{"accessRequestConfig":{"approvalSchemes":[{"approverType":"MANAGER"},{"approverType":7,"approverId":"g-1"}],
"requestCommentRequired":true,"denialCommentRequired":false,"reauthorizationRequired":false,"requireEndDate":false}}}`

// GetConfigV2 reports a value of another shape inside a list behind a pointer (an approval
// step) as a Warning naming its path; a SetConfigV2 after the caller set that field sends the
// caller's value, and leaves the caller's configuration as it was, the value kept aside
// included (anySetAside's walk through pointers and lists, and unshadow's copy of a field's
// pointer, config.go).
func TestAnApprovalStepOfAnotherShapeIsReportedAndReplacedWithoutTouchingTheCallersCopy(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIV1).lax()
	puts := configRW(e, reply(200, configV2OddScheme), func(w http.ResponseWriter, r *http.Request) { reply(200, configV2OddScheme)(w, r) })
	var warned []facade.Warning
	c := e.client(facade.WithWarningHandler(func(w facade.Warning) { warned = append(warned, w); seen.addValue("warning", w) }))
	ctx := context.Background()

	cfg, err := c.GetConfigV2(ctx)
	require.NoError(t, noteErr(err))
	require.Len(t, warned, 1)
	assert.Equal(t, facade.Warning{Kind: facade.WarningShape, Operation: "getAccessRequestConfigV2", Item: -1,
		Path: "entitlementRequestConfig.accessRequestConfig.approvalSchemes[1].approverType", Raw: json.RawMessage(`7`),
		Problem: "got number 7, want string"}, warned[0])

	schemes := cfg.EntitlementRequestConfig.AccessRequestConfig.ApprovalSchemes
	require.NotNil(t, schemes)
	(*schemes)[1].ApproverType = "GOVERNANCE_GROUP"
	_, err = c.SetConfigV2(ctx, *cfg)
	require.NoError(t, noteErr(err))
	require.Len(t, *puts, 1)
	var sent struct {
		EntitlementRequestConfig struct {
			AccessRequestConfig struct {
				ApprovalSchemes []map[string]any `json:"approvalSchemes"`
			} `json:"accessRequestConfig"`
		} `json:"entitlementRequestConfig"`
	}
	require.NoError(t, json.Unmarshal((*puts)[0], &sent))
	assert.Equal(t, []map[string]any{{"approverType": "MANAGER"}, {"approverType": "GOVERNANCE_GROUP", "approverId": "g-1"}},
		sent.EntitlementRequestConfig.AccessRequestConfig.ApprovalSchemes)
	assert.Same(t, schemes, cfg.EntitlementRequestConfig.AccessRequestConfig.ApprovalSchemes)
	assert.Equal(t, json.RawMessage(`7`), (*schemes)[1].AdditionalProperties["approverType"],
		"the caller's value kept aside is not changed by the write")
}

// SetConfigV2 sends a list as the caller set it: a pointer to no list as null, an empty list
// as [] (unshadow copies a list only when it has items, config.go).
func TestSetConfigV2SendsANilListAsNullAndAnEmptyOneAsEmpty(t *testing.T) {
	t.Parallel()
	e := newEnvFor(t, facade.APIV1).lax()
	puts := configRW(e, reply(200, configV2JSON), reply(200, configV2JSON))
	c := e.client()
	var none []facade.EntitlementApprovalScheme
	empty := []facade.EntitlementApprovalScheme{}
	for _, list := range []*[]facade.EntitlementApprovalScheme{&none, &empty} {
		var cfg facade.ConfigV2
		cfg.EntitlementRequestConfig.AccessRequestConfig.ApprovalSchemes = list
		_, err := c.SetConfigV2(context.Background(), cfg)
		require.NoError(t, noteErr(err))
	}
	require.Len(t, *puts, 2)
	assert.Contains(t, string((*puts)[0]), `"approvalSchemes":null`)
	assert.Contains(t, string((*puts)[1]), `"approvalSchemes":[]`)
}

// The error of a patch naming unknown settings names each one, with "did you mean" only where
// a known setting is close (UnknownSettingsError.Error).
func TestAnUnknownSettingsErrorSuggestsOnlyWhereASettingIsClose(t *testing.T) {
	t.Parallel()
	_, _, err := facade.ConfigPatch{JSON: []byte(`{"somethingElse":1,"autoApprovalEnabeld":true}`)}.Apply(decodeConfig(t, tenantConfig))
	assert.EqualError(t, err, `accessrequests: setAccessRequestConfig: unknown setting "autoApprovalEnabeld" (did you mean "autoApprovalEnabled"?), "somethingElse": nothing was sent`)
}

// Each misspelling is pointed at the setting it most likely meant (closest, and the candidates
// applyPatch gives it: the spec's settings and objects first, then every setting the tenant has,
// at any depth).
func TestAMisspelledSettingIsPointedAtTheSettingItMeant(t *testing.T) {
	t.Parallel()
	tenant := decodeConfig(t, tenantConfig)
	// A tenant whose grantRequestApprovalSchemes is unset, holding a misspelling stored before
	// (a name as close to the patch's as the spec's).
	stale := decodeConfig(t, `{"entitlementRequestConfig":{"allowEntitlementRequest":true,"grantRequestApprovalSchemas":"manager"}}`)
	for _, tc := range []struct {
		why, patch string
		base       facade.Config
		want       facade.UnknownSetting
	}{
		{"an object of the spec the tenant does not have is known", `{"approvalReminderAndEscalationConfg":{}}`, facade.Config{},
			facade.UnknownSetting{Path: "approvalReminderAndEscalationConfg", Suggestion: "approvalReminderAndEscalationConfig"}},
		{"a setting only the tenant has, nested", `{"entitlementRequestConfig":{"zzNestd":[]}}`, tenant,
			facade.UnknownSetting{Path: "entitlementRequestConfig.zzNestd", Suggestion: "entitlementRequestConfig.zzNested"}},
		{"the spec's setting before a tenant's as close", `{"entitlementRequestConfig":{"grantRequestApprovalSchems":"manager"}}`, stale,
			facade.UnknownSetting{Path: "entitlementRequestConfig.grantRequestApprovalSchems", Suggestion: "entitlementRequestConfig.grantRequestApprovalSchemes"}},
		{"case is ignored", `{"AUTOAPPROVALENABLED":true}`, tenant,
			facade.UnknownSetting{Path: "AUTOAPPROVALENABLED", Suggestion: "autoApprovalEnabled"}},
		{"the same name in another case is the answer, not a later candidate merely close", `{"entitlementRequestConfig":{"GrantRequestApprovalSchemes":"manager"}}`, stale,
			facade.UnknownSetting{Path: "entitlementRequestConfig.GrantRequestApprovalSchemes", Suggestion: "entitlementRequestConfig.grantRequestApprovalSchemes"}},
		{"a dotted path written as one key is not suggested as itself", `{"entitlementRequestConfig.allowEntitlementRequest":true}`, tenant,
			facade.UnknownSetting{Path: "entitlementRequestConfig.allowEntitlementRequest"}},
		{"a nested name is judged whole, its first letter included", `{"approvalReminderAndEscalationConfig":{"fallbackApproverRef":{"mail":"a@b.c"}}}`, tenant,
			facade.UnknownSetting{Path: "approvalReminderAndEscalationConfig.fallbackApproverRef.mail", Suggestion: "approvalReminderAndEscalationConfig.fallbackApproverRef.email"}},
		{"a setting of a nested object written at the top is found there", `{"emil":"a@b.c"}`, tenant,
			facade.UnknownSetting{Path: "emil", Suggestion: "approvalReminderAndEscalationConfig.fallbackApproverRef.email"}},
		{"a key with a stray leading dot is judged by its name", `{".lmt":1}`, tenant,
			facade.UnknownSetting{Path: ".lmt", Suggestion: "zzFuture.limit"}},
		// One edit away beats two with a shorter path (closest's `d * 4`: an edit outweighs a tie).
		{"the nearer name before a shorter one", `{"zzLimitsx":3}`, decodeConfig(t, `{"zzLimit":1,"zzLimits":2}`),
			facade.UnknownSetting{Path: "zzLimitsx", Suggestion: "zzLimits"}},
	} {
		_, _, err := facade.ConfigPatch{JSON: []byte(tc.patch)}.Apply(tc.base)
		var ue *facade.UnknownSettingsError
		require.ErrorAs(t, err, &ue, tc.why)
		assert.Equal(t, []facade.UnknownSetting{tc.want}, ue.Settings, tc.why)
	}
}

// A misspelling inside an object is pointed at the setting of that object, not at a setting of
// the same name elsewhere with a shorter path (closest's preference for the same object).
func TestAMisspellingIsPointedAtTheSettingOfItsOwnObject(t *testing.T) {
	t.Parallel()
	var base facade.ConfigV2
	require.NoError(t, json.Unmarshal([]byte(configV2JSON), &base))
	_, _, err := facade.ConfigPatch{JSON: []byte(`{"entitlementRequestConfig":{"revocationRequestConfig":{"approvalSchemas":[]}}}`)}.ApplyV2(base)
	var ue *facade.UnknownSettingsError
	require.ErrorAs(t, err, &ue)
	assert.Equal(t, []facade.UnknownSetting{{Path: "entitlementRequestConfig.revocationRequestConfig.approvalSchemas",
		Suggestion: "entitlementRequestConfig.revocationRequestConfig.approvalSchemes"}}, ue.Settings)
}

// validationProblems returns the problems of err, a *ValidationError.
func validationProblems(t *testing.T, err error) []facade.FieldError {
	t.Helper()
	var ve *facade.ValidationError
	require.ErrorAs(t, err, &ve)
	return ve.Problems
}

// A patch's problems name the field and the rule exactly: a value of another shape says what it
// got and what it wants, also when the change is inside an object the tenant already held in
// another shape; a null is reported alone, before any shape is judged (applyPatch's report of
// values set aside, and its stop at problems found before applying).
func TestAPatchsProblemsNameTheFieldAndTheRuleExactly(t *testing.T) {
	t.Parallel()
	base := decodeConfig(t, tenantConfig)
	_, _, err := facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":"yes"}`)}.Apply(base)
	assert.Equal(t, []facade.FieldError{{Field: "autoApprovalEnabled", Rule: `got string "yes", want boolean`}}, validationProblems(t, err))

	odd := decodeConfig(t, `{"autoApprovalEnabled":{"mode":1}}`)
	_, _, err = facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":{"mode":2}}`)}.Apply(odd)
	assert.Equal(t, []facade.FieldError{{Field: "autoApprovalEnabled", Rule: "got object, want boolean"}}, validationProblems(t, err))

	_, _, err = facade.ConfigPatch{JSON: []byte(`{"approvalsMustBeExternal":null,"autoApprovalEnabled":"yes"}`)}.Apply(base)
	assert.Equal(t, []facade.FieldError{{Field: "approvalsMustBeExternal", Rule: "is null: give the setting a value"}}, validationProblems(t, err))
}

// The changes are in path order, a setting the patch adds included (diffObjects' sort).
func TestAPatchsChangesAreInPathOrderNewSettingsIncluded(t *testing.T) {
	t.Parallel()
	_, changes, err := facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":true,"aaNew":1}`), Keep: []string{"aaNew"}}.Apply(decodeConfig(t, tenantConfig))
	require.NoError(t, err)
	assert.Equal(t, []facade.ConfigChange{
		{Path: "aaNew", After: json.RawMessage(`1`)},
		{Path: "autoApprovalEnabled", Before: json.RawMessage(`false`), After: json.RawMessage(`true`)},
	}, changes)
}

// An object the patch restates as the tenant has it keeps the tenant's JSON, member order
// included, while another setting changes (mergeObjects' skip of equal values, and sameJSON).
func TestAPatchRestatingAnObjectKeepsItsJSONAsTheTenantWroteIt(t *testing.T) {
	t.Parallel()
	base := decodeConfig(t, `{"autoApprovalEnabled":false,"zzFuture":{"limit":2.50,"a":1}}`)
	got, changes, err := facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":true,"zzFuture":{"limit":2.50,"a":1}}`)}.Apply(base)
	require.NoError(t, err)
	assert.Len(t, changes, 1)
	assert.Equal(t, json.RawMessage(`{"limit":2.50,"a":1}`), got.AdditionalProperties["zzFuture"])
}
