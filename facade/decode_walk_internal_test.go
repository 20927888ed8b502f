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

// walkedKinds has a field of every kind the walker handles, so that each of its branches is
// reached through decodeBody as a body with an odd value reaches it. "odd" takes a boolean: a
// body sends it a string to make the fast decode fail and the walk run.
type walkedKinds struct {
	Odd     bool                   `json:"odd"`
	S       string                 `json:"s"`
	I       int32                  `json:"i"`
	U       uint16                 `json:"u"`
	F       float64                `json:"f"`
	B       bool                   `json:"b"`
	P       *string                `json:"p"`
	PS      *walkedInner           `json:"ps"`
	T       time.Time              `json:"t"`
	Raw     json.RawMessage        `json:"raw"`
	Any     any                    `json:"any"`
	In      walkedInner            `json:"in"`
	L       []int                  `json:"l"`
	LS      []walkedInner          `json:"ls"`
	M       map[string]walkedInner `json:"m"`
	IntKeys map[int]string         `json:"intKeys"`
	NoTag   string                 // matched by its Go name
	Skip    string                 `json:"-"`
	//lint:ignore U1000 a key of its name must not reach it
	unexported string
	Extra      map[string]json.RawMessage `json:"-"` // not named AdditionalProperties: no catch-all
}

type walkedInner struct {
	A string `json:"a"`
	N int    `json:"n"`
}

// walkedWithCatchAll keeps what it does not take, as the configuration models do.
type walkedWithCatchAll struct {
	Odd                  bool                       `json:"odd"`
	S                    string                     `json:"s"`
	AdditionalProperties map[string]json.RawMessage `json:"-"`
}

// walk decodes body, which must fail the fast decode, into a walkedKinds.
func walk(t *testing.T, body string) (walkedKinds, []Warning) {
	t.Helper()
	var out walkedKinds
	require.False(t, fastUnmarshal([]byte(body), new(walkedKinds)), "the body must be walked")
	warnings, err := decodeBody([]byte(body), &out, decodeOptions{})
	require.NoError(t, err)
	return out, warnings
}

// paths are the paths of warnings, but for the one at "odd" every body has.
func paths(warnings []Warning) []string {
	var out []string
	for _, w := range warnings {
		if w.Path != "odd" {
			out = append(out, w.Path)
		}
	}
	return out
}

// Every kind of value the walk meets is kept when it fits its field, as encoding/json would
// keep it, and left out with a warning at its path when it does not (walker.value, leaf,
// plainString, the pointer case).
func TestTheWalkKeepsEveryKindOfValueThatFits(t *testing.T) {
	x := "x"
	cases := []struct {
		name, member string
		want         walkedKinds
		warned       []string
	}{
		{"negative int", `"i":-700`, walkedKinds{I: -700}, nil},
		{"int too large for its bits", `"i":3000000000`, walkedKinds{}, []string{"i"}},
		{"int given a fraction", `"i":1.5`, walkedKinds{}, []string{"i"}},
		{"uint", `"u":65535`, walkedKinds{U: 65535}, nil},
		{"uint too large for its bits", `"u":70000`, walkedKinds{}, []string{"u"}},
		{"negative uint", `"u":-1`, walkedKinds{}, []string{"u"}},
		{"float", `"f":-1.5e3`, walkedKinds{F: -1500}, nil},
		{"float given a string", `"f":"1"`, walkedKinds{}, []string{"f"}},
		{"true", `"b":true`, walkedKinds{B: true}, nil},
		{"bool given a string", `"b":"true"`, walkedKinds{}, []string{"b"}},
		{"string with escapes", `"s":"a\"b\u00e9\n"`, walkedKinds{S: "a\"bé\n"}, nil},
		{"pointer", `"p":"x"`, walkedKinds{P: &x}, nil},
		{"pointer given a number", `"p":5`, walkedKinds{}, []string{"p"}},
		{"pointer to a walked struct", `"ps":{"a":"x","n":"odd"}`, walkedKinds{PS: &walkedInner{A: "x"}}, []string{"ps.n"}},
		{"null pointer", `"ps":null`, walkedKinds{}, nil},
		{"date", `"t":"2026-01-02T03:04:05Z"`, walkedKinds{T: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}, nil},
		{"date given a word", `"t":"yesterday"`, walkedKinds{}, []string{"t"}},
		{"raw", `"raw":{"x":[1]}`, walkedKinds{Raw: json.RawMessage(`{"x":[1]}`)}, nil},
		{"any", `"any":[1,"a"]`, walkedKinds{Any: []any{1.0, "a"}}, nil},
		{"struct given a list", `"in":[1]`, walkedKinds{}, []string{"in"}},
		{"map with int keys", `"intKeys":{"1":"a"}`, walkedKinds{IntKeys: map[int]string{1: "a"}}, nil},
		{"field without a tag", `"NoTag":"v"`, walkedKinds{NoTag: "v"}, nil},
		{"field tagged -", `"Skip":"v","-":"v"`, walkedKinds{}, nil},
		{"unexported field", `"unexported":"v"`, walkedKinds{}, nil},
		{"escaped name", `"\u0073":"esc"`, walkedKinds{S: "esc"}, nil},
		{"a name sent twice: the last counts", `"s":"first","s":5`, walkedKinds{}, []string{"s"}},
		{"a struct sent twice: the last replaces it", `"in":{"a":"x","n":1},"in":{"n":"odd"}`, walkedKinds{}, []string{"in.n"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, warnings := walk(t, `{"odd":"walk me",`+tc.member+`}`)
			assert.Equal(t, tc.want, got)
			assert.Equal(t, tc.warned, paths(warnings))
		})
	}
}

// A list is made once, for the elements of a kind that fits: elements of another kind are left
// out with a warning, null is kept as a zero element (as encoding/json keeps it), and the list
// holds no room for what it left out. A map keeps the members whose value decodes, each
// decoded from nothing (a member does not inherit what the one before it set), under its
// unescaped name.
func TestTheWalkOfAListOrMapKeepsWhatFitsAndNothingMore(t *testing.T) {
	got, warnings := walk(t, `{"odd":"walk me","l":[1,"a",2,null,{},[3]]}`)
	assert.Equal(t, []int{1, 2, 0}, got.L)
	assert.Equal(t, len(got.L), cap(got.L), "room for the elements left out")
	assert.Equal(t, []string{"l[1]", "l[4]", "l[5]"}, paths(warnings))

	got, warnings = walk(t, `{"odd":"walk me","ls":[{"a":"x","n":"odd"},{"a":"y"},"z",{"a":7}]}`)
	assert.Equal(t, []walkedInner{{A: "x"}, {A: "y"}, {}}, got.LS)
	assert.Equal(t, len(got.LS), cap(got.LS))
	assert.Equal(t, []string{"ls[0].n", "ls[2]", "ls[3].a"}, paths(warnings))

	got, warnings = walk(t, `{"odd":"walk me","m":{"a":{"a":"x","n":1},"b":{"n":"odd"},"c":5,"d\u0065":{"a":"z"}}}`)
	assert.Equal(t, map[string]walkedInner{"a": {A: "x", N: 1}, "b": {}, "de": {A: "z"}}, got.M)
	assert.Equal(t, []string{"m.b.n", "m.c"}, paths(warnings))
}

// A model with a catch-all keeps there, as sent, a known name whose value it could not take and
// a name it does not know, and nothing it took.
func TestTheWalkKeepsWhatItCannotTakeInTheCatchAll(t *testing.T) {
	for _, tc := range []struct {
		body string
		s    string
		kept map[string]json.RawMessage
	}{
		{`{"odd":"walk me"}`, "", map[string]json.RawMessage{"odd": json.RawMessage(`"walk me"`)}},
		{`{"odd":"walk me","s":"x","future":{"a":1}}`, "x", map[string]json.RawMessage{
			"odd": json.RawMessage(`"walk me"`), "future": json.RawMessage(`{"a":1}`)}},
		{`{"s":["not","a","string"]}`, "", map[string]json.RawMessage{"s": json.RawMessage(`["not","a","string"]`)}},
	} {
		var out walkedWithCatchAll
		warnings, err := decodeBody([]byte(tc.body), &out, decodeOptions{})
		require.NoError(t, err, tc.body)
		assert.NotEmpty(t, warnings, tc.body)
		assert.Equal(t, tc.s, out.S, tc.body)
		assert.Equal(t, tc.kept, out.AdditionalProperties, tc.body)
	}
}

// A path names a name as the server spelt it, unescaped, and cuts a long one to 64 bytes with
// "…": also when the cut falls inside an escape (keyText, wholeEscapes).
func TestAWarningsPathSpellsEveryNameAsSent(t *testing.T) {
	long := strings.Repeat("k", 254)
	for _, tc := range []struct{ key, want string }{
		{`a\"b`, `a"b`},
		{`\u00e9t\u00e9`, "été"},
		{long + `\nmore`, strings.Repeat("k", 64) + "…"},
		{strings.Repeat("k", 253) + `\u00e9` + strings.Repeat("k", 40), strings.Repeat("k", 64) + "…"},
		{strings.Repeat(`\u00e9`, 60), strings.Repeat("é", 32) + "…"},
		{strings.Repeat("k", 64), strings.Repeat("k", 64)},
		{strings.Repeat("k", 65), strings.Repeat("k", 64) + "…"},
	} {
		_, warnings := walk(t, `{"odd":"walk me","m":{"`+tc.key+`":5}}`)
		if assert.Len(t, paths(warnings), 1, tc.key) {
			assert.Equal(t, "m."+tc.want, paths(warnings)[0], tc.key)
		}
	}
}

// The bounds a Warning documents, by value: Raw keeps at most 1 KiB of a value, a path at most
// 64 bytes of a name, and the summary past MaxWarnings (1,000) has Item -1 and counts the rest.
func TestTheWarningBoundsAreTheDocumentedOnes(t *testing.T) {
	assert.Equal(t, 1000, MaxWarnings)
	var b strings.Builder
	b.WriteString(`{"odd":"walk me","i":"` + strings.Repeat("x", 2000) + `","l":[`)
	for i := range 1005 {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"n"`)
	}
	b.WriteString(`]}`)
	_, warnings := walk(t, b.String())
	require.Len(t, warnings, 1001)
	assert.Equal(t, "i", warnings[1].Path)
	assert.Len(t, warnings[1].Raw, 1024)
	assert.True(t, warnings[1].Truncated)
	last := warnings[1000]
	assert.Equal(t, -1, last.Item)
	assert.Equal(t, 1005+2-1000, last.Omitted)
}

// What a body that is not what its call expects is called: the kind the body is, in JSON's
// words, ignoring space around it, and the kind the call wanted.
func TestABodyOfAnotherShapeIsNamedInJSONsWords(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{" \n{\"items\":[]}\n", "decode body: got object, want array"},
		{"5\n", "decode body: got number 5, want array"},
		{` "text" `, `decode body: got string "text", want array`},
		{"true", "decode body: got boolean, want array"},
	} {
		var out []Status
		_, err := decodeBody([]byte(tc.body), &out, decodeOptions{critical: statusIdentity})
		if assert.Error(t, err, tc.body) {
			assert.Equal(t, tc.want, err.Error())
		}
		var one walkedKinds
		_, err = decodeBody([]byte(strings.Replace(tc.body, "{\"items\":[]}", "[1]", 1)), &one, decodeOptions{})
		if assert.Error(t, err, tc.body) {
			assert.Contains(t, err.Error(), "decode body: got ")
			assert.Contains(t, err.Error(), ", want object")
		}
	}
	assert.Equal(t, "null", jsonKind([]byte(" null ")))
	assert.Equal(t, "nothing", jsonKind([]byte("  ")))

	// Space before a list whose items are walked.
	var out []Status
	warnings, err := decodeBody([]byte("\r\n\t [{\"accessRequestId\":\"ar-1\",\"accountActivityItemId\":\"aa\",\"id\":\"r\",\"state\":\"EXECUTING\",\"name\":5}]"),
		&out, decodeOptions{critical: statusIdentity})
	require.NoError(t, err)
	require.Len(t, out, 1)
	assert.Equal(t, "ar-1", out[0].AccessRequestID)
	assert.Len(t, warnings, 1)
}

// A list longer than its limit is refused, whatever the limit, down to 1.
func TestAListOfOneMoreThanItsLimitIsRefused(t *testing.T) {
	for _, limit := range []int{1, 2, MaxPageSize} {
		body := "[" + strings.Repeat(`{"id":"x"},`, limit) + `{"id":"x"}]`
		var out []Status
		_, err := decodeBody([]byte(body), &out, decodeOptions{maxItems: limit})
		require.Error(t, err, "limit %d", limit)
		assert.Equal(t, fmt.Sprintf("page has %d items, more than the limit of %d", limit+1, limit), err.Error())
		_, err = decodeBody([]byte("["+strings.Repeat(`{"id":"x"},`, limit-1)+`{"id":"x"}]`), &out, decodeOptions{maxItems: limit})
		require.NoError(t, err, "limit %d", limit)
		assert.Len(t, out, limit)
	}
}

// A value that cannot be read where the caller needs it (a critical path, or inside one, in any
// item of a list) fails the call, naming it; the same value elsewhere is a warning. A single
// critical path counts as much as several.
func TestAnOddValueAtOrInsideACriticalPathFailsTheCall(t *testing.T) {
	type ref struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	type item struct {
		Ref  ref      `json:"ref"`
		Tags []string `json:"tags"`
	}
	type answer struct {
		Items []item `json:"items"`
		Note  string `json:"note"`
	}
	refs, items := []string{"items[].ref"}, []string{"items"}
	for _, tc := range []struct {
		critical    []string
		body, fatal string
		warned      []string
	}{
		{refs, `{"items":[{"ref":{"id":"a"}},{"ref":5}]}`, "items[1].ref: got number 5, want object", nil},
		{refs, `{"items":[{"ref":{"id":"a"}},{"ref":{"id":7}}]}`, "items[1].ref.id: got number 7, want string", nil},
		{items, `{"items":[{"ref":{"id":"a"}},{"ref":{"id":7}}]}`, "items[1].ref.id: got number 7, want string", nil},
		{refs, `{"items":[{"ref":{"id":"a"},"tags":["x",5]}]}`, "", []string{"items[0].tags[1]"}},
		{refs, `{"items":"none","note":5}`, "", []string{"items", "note"}},
		{items, `{"itemsToo":5,"note":5}`, "", []string{"note"}},
	} {
		var out answer
		warnings, err := decodeBody([]byte(tc.body), &out, decodeOptions{critical: tc.critical})
		if tc.fatal != "" {
			if assert.Error(t, err, tc.body) {
				assert.Equal(t, "decode body: "+tc.fatal+"; the result cannot be used without it", err.Error())
			}
			continue
		}
		require.NoError(t, err, tc.body)
		assert.Equal(t, tc.warned, paths(warnings), tc.body)
	}
}
