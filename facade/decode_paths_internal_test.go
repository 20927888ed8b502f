package facade

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type pathInner struct {
	N int `json:"n"`
}

type pathBody struct {
	S   string               `json:"s"`
	B   bool                 `json:"b"`
	F   bool                 `json:"f"`
	I   int                  `json:"i"`
	U   uint                 `json:"u"`
	T   time.Time            `json:"t"`
	P   *pathInner           `json:"p"`
	M   map[string]pathInner `json:"m"`
	L   []pathInner          `json:"l"`
	Odd int                  `json:"odd"`
}

// countFastDecodes makes the fast decoder count its calls for the rest of the test (which must
// not be parallel: the decoder is the package's).
func countFastDecodes(t *testing.T) *int {
	calls := new(int)
	was := fastDecode
	t.Cleanup(func() { fastDecode = was })
	fastDecode = func(data []byte, v any) error {
		*calls++
		return was(data, v)
	}
	return calls
}

// A walked body costs the decoders only what the walk cannot do itself: the whole body once
// (it failed), then each composite value whose parts all fit its type once, as a whole (a
// pointer's, a map's, a list's item); plain strings, booleans, integers and dates are read by
// the walk, with no decoder. Guards walker.whole's fast path, isComposite's cases (pointers,
// what decodes itself, lists, maps), and value's and leaf's own readings of plain values.
func TestAWalkedBodyCallsTheDecoderOnlyForWholeValues(t *testing.T) {
	calls := countFastDecodes(t)
	body := `{"s":"x","b":true,"f":false,"i":-3,"u":4,"t":"2026-12-06T10:20:30Z","p":{"n":1},` +
		`"m":{"k":{"n":2},"j":{"n":5}},"l":[{"n":3},{"n":"bad"}],"odd":"x"}`
	var got pathBody
	warnings, err := decodeBody([]byte(body), &got, decodeOptions{})
	require.NoError(t, err)
	want := pathBody{S: "x", B: true, I: -3, U: 4, T: time.Date(2026, 12, 6, 10, 20, 30, 0, time.UTC), P: &pathInner{N: 1},
		M: map[string]pathInner{"k": {N: 2}, "j": {N: 5}}, L: []pathInner{{N: 3}, {}}}
	assert.Equal(t, want, got)
	if assert.Len(t, warnings, 2) {
		assert.Equal(t, "l[1].n", warnings[0].Path)
		assert.Equal(t, "odd", warnings[1].Path)
	}
	assert.Equal(t, 4, *calls, "the body, then p, m and l[0], each once as a whole")
}

// A fast decoder that filled part of a struct before it failed leaves nothing behind: what
// the body does not name stays zero. Guards decodeBody's reset after the fast attempt.
func TestAFailedFastAttemptLeavesNothingInAStruct(t *testing.T) {
	was := fastDecode
	t.Cleanup(func() { fastDecode = was })
	fastDecode = func(_ []byte, v any) error {
		if w, ok := v.(*pathBody); ok {
			w.S, w.I = "left by a failed attempt", 99
		}
		return fmt.Errorf("fast decoder error")
	}
	var got pathBody
	_, err := decodeBody([]byte(`{"b":true}`), &got, decodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, pathBody{B: true}, got)
}

// A large body whose decoded form would take more than 8 times its size is refused, saying
// how large in MiB and the factor; at 5 times it is read. Guards maxExpansion and the message.
func TestABodyIsReadOnlyWithinEightTimesItsSize(t *testing.T) {
	type wide struct{ A, B, C, D, E int64 } // 40 bytes for the 3 of "{},": 13 times
	type narrow struct{ A, B int64 }        // 16 bytes: 5 times
	n := checkedBody/3 + 1000
	body := []byte("[" + strings.TrimSuffix(strings.Repeat("{},", n), ",") + "]")
	var w []wide
	_, err := decodeBody(body, &w, decodeOptions{})
	decoded := n * 40
	assert.EqualError(t, err, fmt.Sprintf("decoded, the body would take about %d MiB, more than 8 times its size", decoded>>20))
	var nw []narrow
	_, err = decodeBody(body, &nw, decodeOptions{})
	require.NoError(t, err)
	assert.Len(t, nw, n)
}

// A long name in a warning's path is cut to its first 64 bytes with "…", and only the first
// 256 bytes of it as sent are unescaped (a name of 100 escaped letters shows 42 of them), cut
// between escapes: an escaped backslash is never split. Guards keyText's bound and
// wholeEscapes' steps.
func TestALongNameInAPathIsCutBetweenEscapes(t *testing.T) {
	for _, tc := range []struct {
		name, key, want string
	}{
		{"100 escaped letters", strings.Repeat(`\u0041`, 100), strings.Repeat("A", 42) + "…"},
		{"a letter and 200 escaped backslashes", "a" + strings.Repeat(`\\`, 200), "a" + strings.Repeat(`\`, 63) + "…"},
		{"escaped quotes and letters", strings.Repeat(`\"\u0042`, 60), strings.Repeat(`"B`, 31) + `"…`},
		{"70 plain letters", strings.Repeat("c", 70), strings.Repeat("c", 64) + "…"},
	} {
		body := `{"m":{"` + tc.key + `":"not an object"}}`
		var got struct {
			M map[string]pathInner `json:"m"`
		}
		warnings, err := decodeBody([]byte(body), &got, decodeOptions{})
		require.NoError(t, err, tc.name)
		if assert.Len(t, warnings, 1, tc.name) {
			assert.Equal(t, "m."+tc.want, warnings[0].Path, tc.name)
		}
	}
}

// One value past MaxWarnings is counted in a last warning, as one. Guards result's check.
func TestOneValuePastTheWarningCapIsCounted(t *testing.T) {
	var b strings.Builder
	b.WriteString("[")
	for i := range MaxWarnings + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString(`{"n":"x"}`)
	}
	b.WriteString("]")
	var got []pathInner
	warnings, err := decodeBody([]byte(b.String()), &got, decodeOptions{})
	require.NoError(t, err)
	require.Len(t, warnings, MaxWarnings+1)
	assert.Equal(t, 1, warnings[MaxWarnings].Omitted)
	assert.Equal(t, "1 more values did not match the spec; they were counted, not kept", warnings[MaxWarnings].Problem)
}
