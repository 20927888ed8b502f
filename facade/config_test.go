package facade_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// A PUT replaces the whole configuration, so turning a setting off must send false, not leave
// the field out; and a number left unset must stay out rather than become 0.
func TestSetConfigSendsFalseAndLeavesUnsetNumbersOut(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var sent map[string]any
	e.handle("PUT /access-request-config", func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		require.NoError(t, json.Unmarshal(body, &sent))
		reply(200, configJSON)(w, r)
	})
	var cfg facade.Config // every boolean false, no reminder settings
	_, err := e.client().SetConfig(context.Background(), cfg)
	require.NoError(t, noteErr(err))
	for _, k := range []string{"approvalsMustBeExternal", "autoApprovalEnabled", "reauthorizationEnabled"} {
		assert.Equal(t, false, sent[k], "%s must be sent as false", k)
	}
	assert.Equal(t, map[string]any{"allowEntitlementRequest": false, "requestCommentsRequired": false, "deniedCommentsRequired": false},
		sent["entitlementRequestConfig"])
	assert.NotContains(t, sent, "approvalReminderAndEscalationConfig", "no reminder settings: nothing to send")
}

// The spec's minimum for maxReminders is 1: 0 is refused before anything is sent, 1 is sent.
func TestSetConfigRefusesMaxRemindersBelowOne(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("PUT /access-request-config", reply(200, configJSON))
	c := e.client()
	var cfg facade.Config
	zero := int32(0)
	cfg.ApprovalReminderAndEscalationConfig.MaxReminders = &zero
	_, err := c.SetConfig(context.Background(), cfg)
	require.ErrorIs(t, noteErr(err), facade.ErrInvalidInput)
	var ve *facade.ValidationError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, []facade.FieldError{{Field: "approvalReminderAndEscalationConfig.maxReminders", Rule: "must be at least 1, got 0"}}, ve.Problems)
	assert.Zero(t, e.calls.Load(), "nothing is sent")

	one := int32(1)
	cfg.ApprovalReminderAndEscalationConfig.MaxReminders = &one
	_, err = c.SetConfig(context.Background(), cfg)
	require.NoError(t, noteErr(err))
	assert.EqualValues(t, 1, e.calls.Load())
}
