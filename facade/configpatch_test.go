package facade_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// tenantConfig is a configuration as a tenant serves it: non-default settings at every depth,
// and settings this package does not know, whose numbers a float would respell.
const tenantConfig = `{"approvalsMustBeExternal":true,"autoApprovalEnabled":false,"reauthorizationEnabled":true,
"requestOnBehalfOfConfig":{"allowRequestOnBehalfOfAnyoneByAnyone":true,"allowRequestOnBehalfOfEmployeeByManager":true},
"approvalReminderAndEscalationConfig":{"daysUntilEscalation":2,"maxReminders":3,"fallbackApproverRef":{"id":"id-1","type":"IDENTITY"}},
"entitlementRequestConfig":{"allowEntitlementRequest":true,"grantRequestApprovalSchemes":"sourceOwner","zzNested":[1.50,"x"]},
"zzFuture":{"limit":2.50}}`

func decodeConfig(t *testing.T, s string) facade.Config {
	t.Helper()
	var cfg facade.Config
	require.NoError(t, json.Unmarshal([]byte(s), &cfg))
	return cfg
}

// members returns the JSON of v decoded (numbers as written), for comparisons that do not
// depend on member order.
func members(t *testing.T, v any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&m))
	return m
}

// A patch changes the settings it names and nothing else, at any depth, unknown settings and
// their spelling included; the change lists exactly what differs.
func TestConfigPatchChangesOnlyWhatItNames(t *testing.T) {
	t.Parallel()
	base := decodeConfig(t, tenantConfig)
	got, changes, err := facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":true,
		"approvalReminderAndEscalationConfig":{"maxReminders":5}}`)}.Apply(base)
	require.NoError(t, err)

	want := members(t, base)
	want["autoApprovalEnabled"] = true
	want["approvalReminderAndEscalationConfig"].(map[string]any)["maxReminders"] = json.Number("5")
	assert.Equal(t, want, members(t, got))
	assert.Equal(t, []facade.ConfigChange{
		{Path: "approvalReminderAndEscalationConfig.maxReminders", Before: json.RawMessage(`3`), After: json.RawMessage(`5`)},
		{Path: "autoApprovalEnabled", Before: json.RawMessage(`false`), After: json.RawMessage(`true`)},
	}, changes)
	raw, err := json.Marshal(got)
	require.NoError(t, err)
	assert.Contains(t, string(raw), `"zzFuture":{"limit":2.50}`, "an unknown setting keeps its spelling")
	assert.Contains(t, string(raw), `"zzNested":[1.50,"x"]`)

	_, changes, err = facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":false,"zzFuture":{"limit":2.50}}`)}.Apply(base)
	require.NoError(t, err)
	assert.Empty(t, changes, "values equal to the tenant's change nothing")
}

// Replace makes the patch the whole configuration: what it leaves out is dropped, and the
// changes say so.
func TestConfigPatchReplaceDropsWhatItLeavesOut(t *testing.T) {
	t.Parallel()
	base := decodeConfig(t, tenantConfig)
	got, changes, err := facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":true}`), Replace: true}.Apply(base)
	require.NoError(t, err)
	assert.True(t, got.AutoApprovalEnabled)
	assert.False(t, got.ApprovalsMustBeExternal)
	assert.Nil(t, got.ApprovalReminderAndEscalationConfig.MaxReminders)
	byPath := map[string]facade.ConfigChange{}
	for _, c := range changes {
		byPath[c.Path] = c
	}
	assert.Equal(t, facade.ConfigChange{Path: "approvalsMustBeExternal", Before: json.RawMessage(`true`), After: json.RawMessage(`false`)}, byPath["approvalsMustBeExternal"])
	assert.Equal(t, facade.ConfigChange{Path: "zzFuture.limit", Before: json.RawMessage(`2.50`)}, byPath["zzFuture.limit"])
	assert.Equal(t, facade.ConfigChange{Path: "approvalReminderAndEscalationConfig.maxReminders", Before: json.RawMessage(`3`)},
		byPath["approvalReminderAndEscalationConfig.maxReminders"])
}

// A setting neither this package nor the tenant knows is refused, naming the closest known
// one, unless Keep names it; one the tenant has is accepted.
func TestConfigPatchRefusesUnknownSettingsWithASuggestion(t *testing.T) {
	t.Parallel()
	base := decodeConfig(t, tenantConfig)
	cases := []struct {
		patch string
		want  []facade.UnknownSetting
	}{
		{`{"autoApprovalEnabeld":true}`, []facade.UnknownSetting{{Path: "autoApprovalEnabeld", Suggestion: "autoApprovalEnabled"}}},
		{`{"AutoApprovalEnabled":true}`, []facade.UnknownSetting{{Path: "AutoApprovalEnabled", Suggestion: "autoApprovalEnabled"}}},
		{`{"maxReminders":4}`, []facade.UnknownSetting{{Path: "maxReminders", Suggestion: "approvalReminderAndEscalationConfig.maxReminders"}}},
		{`{"entitlementRequestConfig":{"requestCommentRequired":true}}`,
			[]facade.UnknownSetting{{Path: "entitlementRequestConfig.requestCommentRequired", Suggestion: "entitlementRequestConfig.requestCommentsRequired"}}},
		{`{"zzFutur":{"limit":3}}`, []facade.UnknownSetting{{Path: "zzFutur", Suggestion: "zzFuture"}}},
		{`{"approvalReminderAndEscalationConfg":{}}`, []facade.UnknownSetting{{Path: "approvalReminderAndEscalationConfg", Suggestion: "approvalReminderAndEscalationConfig"}}},
		{`{"somethingElse":1,"autoApprovalEnabled":true}`, []facade.UnknownSetting{{Path: "somethingElse"}}},
	}
	for _, tc := range cases {
		_, _, err := facade.ConfigPatch{JSON: []byte(tc.patch)}.Apply(base)
		var ue *facade.UnknownSettingsError
		require.ErrorAs(t, err, &ue, tc.patch)
		assert.ErrorIs(t, err, facade.ErrInvalidInput)
		assert.Equal(t, tc.want, ue.Settings, tc.patch)
	}
	_, _, err := facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabeld":true}`)}.Apply(base)
	assert.EqualError(t, err, `accessrequests: setAccessRequestConfig: unknown setting "autoApprovalEnabeld" (did you mean "autoApprovalEnabled"?): nothing was sent`)

	got, changes, err := facade.ConfigPatch{JSON: []byte(`{"entitlementRequestConfig":{"newThing":true}}`),
		Keep: []string{"entitlementRequestConfig.newThing"}}.Apply(base)
	require.NoError(t, err)
	assert.Equal(t, json.RawMessage(`true`), got.EntitlementRequestConfig.AdditionalProperties["newThing"])
	assert.Equal(t, []facade.ConfigChange{{Path: "entitlementRequestConfig.newThing", After: json.RawMessage(`true`)}}, changes)

	_, changes, err = facade.ConfigPatch{JSON: []byte(`{"zzFuture":{"limit":3},"entitlementRequestConfig":{"zzNested":[]}}`)}.Apply(base)
	require.NoError(t, err, "settings the tenant has are known")
	assert.Len(t, changes, 2)
}

// A null, a value of another shape than the spec gives a changed setting, and a patch that is
// not an object are refused; a value of another shape the tenant already had is kept.
func TestConfigPatchRefusesNullsAndWrongShapes(t *testing.T) {
	t.Parallel()
	base := decodeConfig(t, tenantConfig)
	for patch, want := range map[string]string{
		`{"autoApprovalEnabled":null}`:                                 "autoApprovalEnabled is null: give the setting a value",
		`{"autoApprovalEnabled":"yes"}`:                                `autoApprovalEnabled got string "yes", want boolean`,
		`{"approvalReminderAndEscalationConfig":{"maxReminders":2.5}}`: "approvalReminderAndEscalationConfig.maxReminders got number 2.5, want integer (int32)",
		`{"requestOnBehalfOfConfig":7}`:                                "requestOnBehalfOfConfig got number 7, want object",
		`[1]`:                                                          "the patch is not a JSON object",
		`null`:                                                         "the patch is not a JSON object",
	} {
		_, _, err := facade.ConfigPatch{JSON: []byte(patch)}.Apply(base)
		require.ErrorIs(t, err, facade.ErrInvalidInput, patch)
		assert.Contains(t, err.Error(), want, patch)
	}
	odd := decodeConfig(t, `{"autoApprovalEnabled":"yes","approvalsMustBeExternal":false}`)
	got, changes, err := facade.ConfigPatch{JSON: []byte(`{"approvalsMustBeExternal":true,"autoApprovalEnabled":"yes"}`)}.Apply(odd)
	require.NoError(t, err)
	assert.Equal(t, []facade.ConfigChange{{Path: "approvalsMustBeExternal", Before: json.RawMessage(`false`), After: json.RawMessage(`true`)}}, changes)
	assert.Equal(t, json.RawMessage(`"yes"`), got.AdditionalProperties["autoApprovalEnabled"])
}

func TestConfigSettingsListsEveryLeaf(t *testing.T) {
	t.Parallel()
	got := facade.ConfigSettings()
	assert.Contains(t, got, "autoApprovalEnabled")
	assert.Contains(t, got, "approvalReminderAndEscalationConfig.fallbackApproverRef.id")
	assert.Contains(t, got, "entitlementRequestConfig.grantRequestApprovalSchemes")
	assert.NotContains(t, got, "approvalReminderAndEscalationConfig", "objects are not leaves")
	assert.IsIncreasing(t, got)
}

// PatchConfig reads, shows the changes to check, and writes only when something changes and
// check agrees; what it writes keeps every setting the patch leaves out.
func TestPatchConfigWritesOnlyAChangeThatWasAgreed(t *testing.T) {
	t.Parallel()
	e := newEnv(t).lax()
	var puts [][]byte
	e.handle("GET /access-request-config", reply(200, tenantConfig))
	e.handle("PUT /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		puts = append(puts, body)
		reply(200, string(body))(w, r)
	})
	c := e.client()
	ctx := context.Background()
	patch := facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":true}`)}

	stop := errors.New("not now")
	_, changes, err := c.PatchConfig(ctx, patch, func(ch []facade.ConfigChange) error { return stop })
	require.ErrorIs(t, err, stop)
	assert.Len(t, changes, 1)
	assert.Empty(t, puts, "check said no: nothing written")

	got, changes, err := c.PatchConfig(ctx, facade.ConfigPatch{JSON: []byte(`{"autoApprovalEnabled":false}`)}, nil)
	require.NoError(t, noteErr(err))
	assert.Empty(t, changes)
	assert.Empty(t, puts, "nothing changes: nothing written")
	assert.True(t, got.ReauthorizationEnabled, "the configuration as read")

	got, changes, err = c.PatchConfig(ctx, patch, nil)
	require.NoError(t, noteErr(err))
	assert.Len(t, changes, 1)
	require.Len(t, puts, 1)
	assert.True(t, got.AutoApprovalEnabled)
	want := members(t, decodeConfig(t, tenantConfig))
	want["autoApprovalEnabled"] = true
	var sent map[string]any
	dec := json.NewDecoder(bytes.NewReader(puts[0]))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&sent))
	assert.Equal(t, want, sent)
}

// A patch may set an object setting the tenant did not send (a zero Config sends no
// approvalReminderAndEscalationConfig): it is applied, and each of its members is a change with
// no Before; an object emptied is a change of its own, shown as {}. Guards isObject's
// `len(t) > 0` (mergeObjects asks it of the member the tenant lacks) and flatten's
// `len(sub) > 0` (an empty object is a value, not nothing).
func TestConfigPatchSetsAnObjectTheTenantLacks(t *testing.T) {
	t.Parallel()
	got, changes, err := facade.ConfigPatch{JSON: []byte(`{"approvalReminderAndEscalationConfig":{"maxReminders":5}}`)}.Apply(facade.Config{})
	require.NoError(t, err)
	require.NotNil(t, got.ApprovalReminderAndEscalationConfig.MaxReminders)
	assert.EqualValues(t, 5, *got.ApprovalReminderAndEscalationConfig.MaxReminders)
	assert.Equal(t, []facade.ConfigChange{
		{Path: "approvalReminderAndEscalationConfig.maxReminders", After: json.RawMessage(`5`)},
	}, changes)

	// The tenant's unknown setting emptied: its member is gone, and the empty object is there.
	_, changes, err = facade.ConfigPatch{JSON: []byte(`{"zzFuture":{}}`), Replace: true}.Apply(decodeConfig(t, tenantConfig))
	require.NoError(t, err)
	byPath := map[string]facade.ConfigChange{}
	for _, c := range changes {
		byPath[c.Path] = c
	}
	assert.Equal(t, facade.ConfigChange{Path: "zzFuture.limit", Before: json.RawMessage(`2.50`)}, byPath["zzFuture.limit"])
	assert.Equal(t, facade.ConfigChange{Path: "zzFuture", After: json.RawMessage(`{}`)}, byPath["zzFuture"])
}
