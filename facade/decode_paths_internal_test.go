package facade

import (
	"encoding/json"
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

// The expansion bound is "more than": a body decoding to exactly 8 times its size is read, one
// byte shorter it is refused. Guards decodeBody's `decoded > maxExpansion*len(data)`.
func TestABodyOfExactlyEightTimesItsSizeIsRead(t *testing.T) {
	type four struct{ A, B, C, D int64 } // 32 bytes for the 3 of "{},"
	// n elements take 3n+1 bytes and decode to 32n; n-1 spaces more make the body 4n bytes.
	n := checkedBody/4 + 10
	items := "[" + strings.TrimSuffix(strings.Repeat("{},", n), ",") + "]"
	var got []four
	_, err := decodeBody([]byte(items+strings.Repeat(" ", n-1)), &got, decodeOptions{})
	require.NoError(t, err)
	assert.Len(t, got, n)
	_, err = decodeBody([]byte(items+strings.Repeat(" ", n-2)), &got, decodeOptions{})
	assert.ErrorContains(t, err, "more than 8 times its size")
}

// Only a body larger than checkedBody is checked: one of exactly that size is decoded as it
// comes, however it swells; one byte more and it is refused. Guards decodeBody's
// `len(data) > checkedBody`.
func TestABodyOfExactlyTheCheckedSizeIsNotChecked(t *testing.T) {
	type wide struct{ A, B, C, D, E int64 } // 13 times the 3 bytes of "{},"
	n := checkedBody/3 - 10
	items := "[" + strings.TrimSuffix(strings.Repeat("{},", n), ",") + "]"
	body := items + strings.Repeat(" ", checkedBody-len(items))
	require.Len(t, body, checkedBody)
	var got []wide
	_, err := decodeBody([]byte(body), &got, decodeOptions{})
	require.NoError(t, err)
	assert.Len(t, got, n)
	_, err = decodeBody([]byte(body+" "), &got, decodeOptions{})
	assert.ErrorContains(t, err, "more than 8 times its size")
}

// Once a body deviates, each value is checked by its first byte: numbers beginning with 0, 9
// or a minus are numbers, kept in a list and in a field. Guards fits' digit range.
func TestNumbersFromZeroToNineFitTheirFields(t *testing.T) {
	var got struct {
		N []int64 `json:"n"`
		F float64 `json:"f"`
		G float64 `json:"g"`
		B bool    `json:"b"`
	}
	body := `{"n":[0,9,"x",-1,5],"f":0.5,"g":9.5,"b":"not a bool"}`
	warnings, err := decodeBody([]byte(body), &got, decodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, []int64{0, 9, -1, 5}, got.N)
	assert.Equal(t, 0.5, got.F)
	assert.Equal(t, 9.5, got.G)
	var paths []string
	for _, w := range warnings {
		paths = append(paths, w.Path)
	}
	assert.Equal(t, []string{"n[2]", "b"}, paths)
}

// A byte that is not UTF-8 (a lone 0x80 here) in a string or a map's key read part by part
// becomes U+FFFD, as encoding/json makes it, in a field, a list and a key. Guards
// plainBytes' `c >= 0x80`: bytes from 0x80 up are never taken as they come.
func TestALoneContinuationByteBecomesTheReplacementCharacter(t *testing.T) {
	var got struct {
		S string            `json:"s"`
		L []string          `json:"l"`
		M map[string]string `json:"m"`
		B bool              `json:"b"`
	}
	body := "{\"s\":\"a\x80b\",\"l\":[\"\x80\"],\"m\":{\"k\x80\":\"v\x80\"},\"b\":\"not a bool\"}"
	warnings, err := decodeBody([]byte(body), &got, decodeOptions{})
	require.NoError(t, err)
	require.Len(t, warnings, 1) // the bool: the body is read part by part
	assert.Equal(t, "a\uFFFDb", got.S)
	assert.Equal(t, []string{"\uFFFD"}, got.L)
	assert.Equal(t, map[string]string{"k\uFFFD": "v\uFFFD"}, got.M)
	var want struct {
		S string            `json:"s"`
		L []string          `json:"l"`
		M map[string]string `json:"m"`
	}
	require.NoError(t, json.Unmarshal([]byte(strings.Replace(body, `,"b":"not a bool"`, "", 1)), &want))
	assert.Equal(t, want.S, got.S)
	assert.Equal(t, want.M, got.M)
}

// A body larger than checkedBody is scanned before it is known to be JSON: one cut short
// anywhere (after an element, its comma, a member's value, its comma, its colon) is an error,
// never a read past its end. Guards scanShape's `j < len(d)` checks, in an object's loop and
// after its members, in a list's loop and after its elements.
func TestALargeBodyCutShortIsAnError(t *testing.T) {
	type item struct{ A, B int64 }
	items := strings.Repeat(`{"a":1,"b":2},`, checkedBody/14+10)
	for _, tail := range []string{``, `{"a":1,"b":2}`, `{"a":1`, `{"a":1,`, `{"a":1, `, `{"a":1,"b":2},{"a":1 ,`, `{"a":`} {
		var got []item
		assert.NotPanics(t, func() {
			_, err := decodeBody([]byte("["+items+tail), &got, decodeOptions{})
			assert.ErrorContains(t, err, "decode body", "ending %q", tail)
		}, "ending %q", tail)
	}
}

// An empty name ("") is a name like any other to the size check: a large body of objects
// whose only member is named "" is refused when it would swell past 8 times its size. Guards
// scanShape's `kend-j < 2` (a name shorter than its two quotes is cut short; "" is not).
func TestAnEmptyNameDoesNotEscapeTheSizeCheck(t *testing.T) {
	type wide struct{ A, B, C, D, E, F, G, H int64 } // 64 bytes for the 7 of {"":0},
	n := checkedBody/7 + 10
	body := []byte("[" + strings.TrimSuffix(strings.Repeat(`{"":0},`, n), ",") + "]")
	var got []wide
	_, err := decodeBody(body, &got, decodeOptions{})
	assert.ErrorContains(t, err, "more than 8 times its size")
}

// A long name in a warning's path is cut to its first 64 bytes with "…", and only the first
// 256 bytes of it as sent are unescaped (a name of 100 escaped letters shows 42 of them), cut
// between escapes: an escaped backslash is never split, one that ends at the cut is kept.
// Guards keyText's bounds (`> 4*maxPathKey`, `> maxPathKey`) and wholeEscapes' steps and
// `i+n > len(b)`.
func TestALongNameInAPathIsCutBetweenEscapes(t *testing.T) {
	for _, tc := range []struct {
		name, key, want string
	}{
		{"100 escaped letters", strings.Repeat(`\u0041`, 100), strings.Repeat("A", 42) + "…"},
		{"a letter and 200 escaped backslashes", "a" + strings.Repeat(`\\`, 200), "a" + strings.Repeat(`\`, 63) + "…"},
		{"escaped quotes and letters", strings.Repeat(`\"\u0042`, 60), strings.Repeat(`"B`, 31) + `"…`},
		{"70 plain letters", strings.Repeat("c", 70), strings.Repeat("c", 64) + "…"},
		// 256 bytes with its quotes: exactly what is unescaped, and all of it.
		{"254 plain letters", strings.Repeat("d", 254), strings.Repeat("d", 64) + "…"},
		// Unescaped it is exactly 64 bytes: whole, no "…".
		{"an escape and 63 letters", `\u0041` + strings.Repeat("e", 63), "A" + strings.Repeat("e", 63)},
		// The escaped backslash ends at the 256th byte: it is kept, the rest is cut.
		{"an escape ending at the cut", strings.Repeat(`\u0041`, 42) + `x\\` + "yyyy", strings.Repeat("A", 42) + `x\…`},
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

// Without critical paths, an item that is not an object at all is a warning on that item, not
// an error for the page. Guards deviate's `len(d.critical) > 0`.
func TestAnItemOfTheWrongShapeIsAWarningWithoutCriticalPaths(t *testing.T) {
	var got []pathInner
	warnings, err := decodeBody([]byte(`[{"n":1},"not an object",{"n":3}]`), &got, decodeOptions{})
	require.NoError(t, err)
	assert.Equal(t, []pathInner{{N: 1}, {}, {N: 3}}, got)
	if assert.Len(t, warnings, 1) {
		assert.Equal(t, 1, warnings[0].Item)
		assert.Empty(t, warnings[0].Path)
	}
}

// A value of exactly MaxWarningRaw bytes is kept whole in its warning and not marked
// truncated; one byte more is cut and marked. Guards deviate's `len(raw) > MaxWarningRaw`.
func TestAWarningKeepsAValueOfExactlyTheBound(t *testing.T) {
	for _, size := range []int{MaxWarningRaw, MaxWarningRaw + 1} {
		value := `"` + strings.Repeat("v", size-2) + `"`
		var got pathBody
		warnings, err := decodeBody([]byte(`{"b":`+value+`}`), &got, decodeOptions{})
		require.NoError(t, err)
		require.Len(t, warnings, 1)
		assert.Equal(t, size > MaxWarningRaw, warnings[0].Truncated, "%d bytes", size)
		assert.Equal(t, value[:min(size, MaxWarningRaw)], string(warnings[0].Raw), "%d bytes", size)
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

// A value counted past the warnings kept allocates nothing, whatever plain name its path holds:
// a name of exactly 64 bytes, or one with a space, is taken as it comes when the path is checked
// against the critical paths, not unescaped (keyText, through encoding/json) for every value.
// Not parallel: AllocsPerRun counts the whole process's allocations. Guards decode.go
// appendPath's `len(name) <= maxPathKey` and plainBytes' `c < 0x20`.
func TestAPlainNameCostsNothingPastTheWarningsKept(t *testing.T) {
	// Checked first, as a large body is: a small one's first fast attempt allocates an error for
	// each odd value, which is not what is measured here.
	defer func(size int) { checkedBody = size }(checkedBody)
	checkedBody = 0
	for _, tc := range []struct{ name, format string }{
		{"a name of exactly 64 bytes", strings.Repeat("k", maxPathKey-5) + "%05d"},
		{"a name with a space", "a name %05d"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			allocs := func(values int) (float64, []Warning) {
				var b strings.Builder
				b.WriteString(`{"m":{`)
				for i := range values {
					if i > 0 {
						b.WriteByte(',')
					}
					fmt.Fprintf(&b, `"`+tc.format+`":1`, i) // a number where a string belongs
				}
				b.WriteString(`}}`)
				data := []byte(b.String())
				var warnings []Warning
				n := testing.AllocsPerRun(5, func() {
					var got struct {
						M map[string]string `json:"m"`
					}
					var err error
					// A critical path elsewhere: each odd value's path is checked against it.
					warnings, err = decodeBody(data, &got, decodeOptions{critical: []string{"id"}})
					if err != nil {
						t.Fatal(err)
					}
				})
				return n, warnings
			}
			few, _ := allocs(MaxWarnings) // all kept
			many, warnings := allocs(2 * MaxWarnings)
			require.Len(t, warnings, MaxWarnings+1)
			assert.Equal(t, "m."+fmt.Sprintf(tc.format, 0), warnings[0].Path)
			assert.Equal(t, MaxWarnings, warnings[MaxWarnings].Omitted)
			assert.LessOrEqual(t, many-few, 10.0, "allocations for 1,000 more odd values: %.0f, then %.0f", few, many)
		})
	}
}

// A large body that would swell past 8 times its size is refused by the size check however it
// is cut after a member's name: after its colon as after its value or the comma that follows
// (what was scanned is counted; the scan stops at the end, it does not take the missing value
// for one of the wrong kind and hand the body on). Guards scan.go scanShape's `j >= len(d)`
// past a member's colon.
func TestALargeSwellingBodyCutAfterAColonIsRefusedForItsSize(t *testing.T) {
	type wide struct{ A, B, C, D, E, F, G, H int64 } // 64 bytes for the 7 of {"":0},
	items := "[" + strings.Repeat(`{"":0},`, checkedBody/7+10)
	for _, tail := range []string{`{"":`, `{"": `, `{"":0`, `{"":0,`} {
		var got []wide
		_, err := decodeBody([]byte(items+tail), &got, decodeOptions{})
		assert.ErrorContains(t, err, "more than 8 times its size", "ending %q", tail)
	}
}
