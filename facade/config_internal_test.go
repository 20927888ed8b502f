package facade

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestOnlyAConfigWithAValueSetAsideIsWalkedForWarnings: GetConfig looks for values the models'
// decoder set aside at any depth, and a configuration with none (unknown settings included)
// costs no allocation to check.
func TestOnlyAConfigWithAValueSetAsideIsWalkedForWarnings(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		want       bool
	}{
		{"nothing set aside", `{"approvalsMustBeExternal":true,"approvalReminderAndEscalationConfig":{"daysUntilEscalation":2}}`, false},
		{"unknown settings only, at two depths", `{"futureSetting":1,"approvalReminderAndEscalationConfig":{"futureNested":"x"}}`, false},
		{"a top-level setting of another shape", `{"approvalsMustBeExternal":"yes"}`, true},
		{"a nested setting of another shape only", `{"approvalReminderAndEscalationConfig":{"daysUntilEscalation":"two"}}`, true},
		{"a setting in another section of another shape only", `{"entitlementRequestConfig":{"futureNested":1,"allowEntitlementRequest":"maybe"}}`, true},
		{"a setting two levels down of another shape only", `{"approvalReminderAndEscalationConfig":{"fallbackApproverRef":{"future":1,"name":7}}}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) { checkSetAsideScan[Config](t, tc.body, tc.want) })
	}
}

// catchAllFirst is a model whose catch-all is its first field, as the generator writes it for
// a schema that has no properties of its own before it.
type catchAllFirst struct {
	AdditionalProperties map[string]json.RawMessage `json:"-"`
	Name                 string                     `json:"name"`
}

// The walks over values set aside find the catch-all wherever it is in the struct, first
// field included.
func TestACatchAllInTheFirstFieldIsFound(t *testing.T) {
	v := catchAllFirst{AdditionalProperties: map[string]json.RawMessage{"name": json.RawMessage(`7`), "future": json.RawMessage(`1`)}}
	assert.True(t, anySetAside(reflect.ValueOf(v)))
	var warnings []Warning
	setAside(reflect.ValueOf(v), "", &warnings)
	require.Len(t, warnings, 1)
	assert.Equal(t, "name", warnings[0].Path)

	// Once the caller sets the field, the stale value set aside for it is dropped on write.
	v.Name = "set"
	p := &v
	unshadow(reflect.ValueOf(p))
	assert.NotContains(t, p.AdditionalProperties, "name")
	assert.Contains(t, p.AdditionalProperties, "future")
}
