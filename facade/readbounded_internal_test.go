package facade

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadBoundedTakesExactlyTheLimit(t *testing.T) {
	const limit = 10
	cases := []struct {
		name     string
		body     string
		declared int64
		eofLate  bool // EOF comes with the last bytes rather than from a read of its own
		ok       bool
	}{
		{"the limit, length unknown", strings.Repeat("a", limit), -1, false, true},
		{"the limit, EOF with the last bytes", strings.Repeat("a", limit), -1, true, true},
		{"the limit, declared one short", strings.Repeat("a", limit), limit - 1, false, true},
		{"the limit, declared exactly", strings.Repeat("a", limit), limit, true, true},
		{"one past the limit, length unknown", strings.Repeat("a", limit+1), -1, false, false},
		{"one past the limit, EOF with the last bytes", strings.Repeat("a", limit+1), -1, true, false},
		{"one past the limit, declared short", strings.Repeat("a", limit+1), 3, false, false},
		{"empty", "", 0, false, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := iotest.OneByteReader(strings.NewReader(tc.body))
			if tc.eofLate {
				r = iotest.DataErrReader(strings.NewReader(tc.body))
			}
			got, err := readBounded(r, limit, tc.declared)
			if !tc.ok {
				if err == nil {
					t.Fatalf("read %d bytes past a limit of %d without an error", len(got), limit)
				}
				return
			}
			if err != nil || string(got) != tc.body {
				t.Fatalf("got %q, %v; want the whole body", got, err)
			}
		})
	}
}

// A JSON media type is application/json or any +json type, whatever its case, blanks and
// parameters. Guards isJSON's normalising and its suffix check.
func TestWhatIsAJSONMediaType(t *testing.T) {
	for ct, want := range map[string]bool{
		"application/json":                true,
		"Application/JSON; charset=UTF-8": true,
		" application/json ;q=1":          true,
		"application/problem+json":        true,
		"APPLICATION/VND.API+JSON":        true,
		"text/html; charset=utf-8":        false,
		"application/jsonx":               false,
		"application/json-seq":            false,
		"text/plain":                      false,
	} {
		if got := isJSON(ct); got != want {
			t.Errorf("isJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}

// decodeJSON says why it read nothing: a media type that is not JSON (quoted), a body past
// the bound whose length was not declared, a body cut off by a read error (wrapped); each
// before anything is decoded. Guards decodeJSON's checks and its error texts.
func TestDecodeJSONSaysWhyItReadNothing(t *testing.T) {
	answer := func(ct string, body io.Reader) *http.Response {
		h := http.Header{}
		if ct != "" {
			h.Set("Content-Type", ct)
		}
		return &http.Response{Header: h, Body: io.NopCloser(body), ContentLength: -1}
	}
	var out map[string]any
	_, err := decodeJSON(answer("text/html; charset=utf-8", strings.NewReader(`{}`)), &out, readOptions{})
	assert.EqualError(t, err, `content type "text/html; charset=utf-8" is not JSON`)

	huge := io.MultiReader(strings.NewReader(`["`), strings.NewReader(strings.Repeat("a", maxResponseBody)), strings.NewReader(`"]`))
	_, err = decodeJSON(answer("application/json", huge), &out, readOptions{})
	assert.EqualError(t, err, fmt.Sprintf("body is larger than %d bytes", maxResponseBody))

	cut := errors.New("connection reset by peer")
	_, err = decodeJSON(answer("", io.MultiReader(strings.NewReader(`{"a":`), iotest.ErrReader(cut))), &out, readOptions{})
	assert.ErrorIs(t, err, cut)
	assert.EqualError(t, err, "read body: connection reset by peer")

	_, err = decodeJSON(answer("", strings.NewReader(`{"a":1}`)), &out, readOptions{})
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"a": 1.0}, out, "no declared type is read as JSON")
}
