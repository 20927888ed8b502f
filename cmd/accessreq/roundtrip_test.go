package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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
	srv := tenant(t)
	var put []byte
	front(t, srv, func(w http.ResponseWriter, r *http.Request, forward http.Handler) bool {
		if r.URL.Path != "/beta/access-request-config" {
			return false
		}
		if r.Method == http.MethodPut {
			put, _ = io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(put))
			return false
		}
		rec := httptest.NewRecorder()
		forward.ServeHTTP(rec, r)
		body := bytes.TrimSuffix(bytes.TrimSpace(rec.Body.Bytes()), []byte("}"))
		for k, v := range unknownConfigFields {
			body = append(body, []byte(`,"`+k+`":`+v)...)
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(append(body, '}'))
		return true
	})

	got := cli(t, "config", "get")
	require.Equal(t, exitOK, got.code, got.errOut)
	file := filepath.Join(t.TempDir(), "cfg.json")
	require.NoError(t, os.WriteFile(file, []byte(got.out), 0o600))
	set := cli(t, "config", "set", "--file", file)
	require.Equal(t, exitOK, set.code, set.errOut)
	assert.Contains(t, set.errOut, "they are sent unchanged: zzFutureLimits, zzFutureMode, zzFutureToggle")

	var sent map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(put, &sent), "%s", put)
	for k, v := range unknownConfigFields {
		var want bytes.Buffer
		require.NoError(t, json.Compact(&want, []byte(v)))
		var have bytes.Buffer
		require.NoError(t, json.Compact(&have, sent[k]), "%s missing from the PUT", k)
		assert.Equal(t, want.String(), have.String(), k)
	}
}
