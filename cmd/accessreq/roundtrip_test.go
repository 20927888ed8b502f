package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// unknownConfigFields are three settings the spec does not know, as a newer server would send
// them: an object with a number whose spelling (2.50) a float would change, a flag, a string.
var unknownConfigFields = map[string]string{
	"zzFutureLimits": `{"max":2.50,"list":[1,"two",null]}`,
	"zzFutureToggle": `true`,
	"zzFutureMode":   `"STRICT \u00e9"`,
}

func TestConfigGetThenSetKeepsUnknownFieldsByteForByte(t *testing.T) {
	put := configRewritingTenant(t, false, func(body map[string]json.RawMessage) {
		for k, v := range unknownConfigFields {
			body[k] = json.RawMessage(v)
		}
	})

	configGetThenSet(t)

	var sent map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(*put, &sent), "%s", *put)
	for k, v := range unknownConfigFields {
		var want bytes.Buffer
		require.NoError(t, json.Compact(&want, []byte(v)))
		var have bytes.Buffer
		require.NoError(t, json.Compact(&have, sent[k]), "%s missing from the PUT", k)
		assert.Equal(t, want.String(), have.String(), k)
	}
}

// TestConfigGetThenSetKeepsKnownFieldsInAnotherShape: a tenant that sends known settings in a
// shape the spec does not give them (a string for a boolean, a string for an integer, a number
// for an object) gets them back from "config get" then "config set --file" byte for byte.
func TestConfigGetThenSetKeepsKnownFieldsInAnotherShape(t *testing.T) {
	put := configRewritingTenant(t, true, func(body map[string]json.RawMessage) {
		body["autoApprovalEnabled"] = json.RawMessage(`"yes"`)
		body["requestOnBehalfOfConfig"] = json.RawMessage(`7`)
		var nested map[string]json.RawMessage
		_ = json.Unmarshal(body["approvalReminderAndEscalationConfig"], &nested)
		if nested == nil {
			nested = map[string]json.RawMessage{}
		}
		nested["maxReminders"] = json.RawMessage(`"3"`)
		body["approvalReminderAndEscalationConfig"], _ = json.Marshal(nested)
	})

	configGetThenSet(t)

	var sent struct {
		AutoApprovalEnabled     json.RawMessage `json:"autoApprovalEnabled"`
		RequestOnBehalfOfConfig json.RawMessage `json:"requestOnBehalfOfConfig"`
		Reminders               struct {
			MaxReminders json.RawMessage `json:"maxReminders"`
		} `json:"approvalReminderAndEscalationConfig"`
	}
	require.NoError(t, json.Unmarshal(*put, &sent), "%s", *put)
	assert.Equal(t, `"yes"`, string(sent.AutoApprovalEnabled))
	assert.Equal(t, `7`, string(sent.RequestOnBehalfOfConfig))
	assert.Equal(t, `"3"`, string(sent.Reminders.MaxReminders))
}

// configGetThenSet runs "config get", saves its output to a file with one setting changed
// (reauthorizationEnabled turned on, so that there is something to write), and runs "config
// set --file" with it; both must succeed, and the set must change exactly that setting.
func configGetThenSet(t *testing.T) result {
	t.Helper()
	got := cli(t, "config", "get")
	require.Equal(t, exitOK, got.code, got.errOut)
	edited := strings.Replace(got.out, `"reauthorizationEnabled": false`, `"reauthorizationEnabled": true`, 1)
	require.NotEqual(t, got.out, edited)
	file := filepath.Join(t.TempDir(), "cfg.json")
	require.NoError(t, os.WriteFile(file, []byte(edited), 0o600))
	set := cli(t, "config", "set", "--yes", "--file", file)
	require.Equal(t, exitOK, set.code, set.errOut)
	assert.Contains(t, set.errOut, "\n  reauthorizationEnabled: false -> true\n")
	assert.Equal(t, 2, strings.Count(set.errOut, "\n"), "one change: %s", set.errOut)
	return set
}

// configRewritingTenant serves the fake tenant with its configuration, as GET returns it,
// rewritten by edit; it returns where the body of the next PUT is kept. With echo the PUT is
// answered with its own body instead of reaching the fake (which refuses values the spec
// does not allow).
func configRewritingTenant(t *testing.T, echo bool, edit func(map[string]json.RawMessage)) *[]byte {
	t.Helper()
	srv := tenant(t)
	put := new([]byte)
	front(t, srv, func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool {
		if r.URL.Path != "/beta/access-request-config" {
			return false
		}
		if r.Method == http.MethodPut {
			*put, _ = io.ReadAll(r.Body)
			if echo {
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write(*put)
				return true
			}
			r.Body = io.NopCloser(bytes.NewReader(*put))
			return false
		}
		rec := httptest.NewRecorder()
		forward.ServeHTTP(rec, r)
		var body map[string]json.RawMessage
		if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
			t.Errorf("the fake's config: %v", err)
			return false
		}
		edit(body)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body)
		return true
	})
	return put
}
