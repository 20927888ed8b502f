package facade

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzScanAgreesWithEncodingJSON: on valid JSON, the scanner finds the same elements and members
// as encoding/json (bytes for bytes); on anything, it ends without a panic.
func FuzzScanAgreesWithEncodingJSON(f *testing.F) {
	for _, seed := range []string{`[]`, `[1, "a\"]" ,{"b":[1,{}]} ,null]`, `{"a":1,"b":{"c":"}"},"a":2}`, `[[[]]]`, ` [ "\\" ] `,
		`{"k\u00e9":"v"}`, `[1,2`, `{"a"`, `"x`, `}`, `[}`,
		// Empty strings (a quote right after the opening one), and strings cut short after an
		// escaped quote or a backslash (no closing quote to find).
		`["",1]`, `{"":"","a":1}`, `["a\"b`, `["a\`} {
		f.Add(seed)
	}
	status := shapeOf(reflect.TypeFor[[]Status]())
	f.Fuzz(func(t *testing.T, body string) {
		data := []byte(body)
		n, isArray := arrayLen(data)
		if i := skipSpace(data, 0); isArray != (i < len(data) && data[i] == '[') {
			t.Fatalf("arrayLen says array %v of a body that begins %q", isArray, data[i:min(i+1, len(data))])
		}
		oddIn(data[skipSpace(data, 0):min(len(data), skipSpace(data, 0)+len(data))], status)
		if !json.Valid(data) {
			return
		}
		data = bytes.TrimSpace(data)
		var list []json.RawMessage
		if json.Unmarshal(data, &list) == nil && data[0] == '[' {
			if !isArray || n != len(list) {
				t.Fatalf("arrayLen = %d, %v; encoding/json finds %d elements", n, isArray, len(list))
			}
			e := newElements(data)
			for i := range list {
				got, ok := e.next()
				if !ok || !bytes.Equal(got, bytes.TrimSpace(list[i])) {
					t.Fatalf("element %d = %q, want %q", i, got, list[i])
				}
			}
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(data, &obj) == nil && data[0] == '{' {
			got := map[string]json.RawMessage{}
			m := newMembers(data)
			for {
				k, v, ok := m.next()
				if !ok {
					break
				}
				var name string
				if err := json.Unmarshal(k, &name); err != nil {
					t.Fatalf("key %q: %v", k, err)
				}
				got[name] = v
			}
			if len(got) != len(obj) {
				t.Fatalf("%d members, want %d", len(got), len(obj))
			}
			for k, v := range obj {
				if !bytes.Equal(got[k], bytes.TrimSpace(v)) {
					t.Fatalf("member %q = %q, want %q", k, got[k], v)
				}
			}
		}
	})
}

// shapeTaker holds a field of each kind a shape tells apart.
type shapeTaker struct {
	S  string          `json:"s"`
	B  bool            `json:"b"`
	N  int             `json:"n"`
	U  uint16          `json:"u"`
	F  float64         `json:"f"`
	T  time.Time       `json:"t"`
	P  *int            `json:"p"`
	PT *time.Time      `json:"pt"`
	R  json.RawMessage `json:"r"`
	I  any             `json:"i"`
	M  map[string]int  `json:"m"`
	L  []bool          `json:"l"`
	A  [2]string       `json:"a"`
	O  *shapeTaker     `json:"o"`
}

// A shape takes what its Go type takes, field by field and at any depth, and nothing else: a
// value of another kind, or a date that is not one, is odd (the body is walked, not given to
// the fast decoder); null, raw JSON, an interface and an unknown name take anything. Guards
// shapeOf's cases (pointers, dates, what decodes itself, maps, lists, strings, bools and
// numbers), kindOf's, and scanShape's descent into objects, maps and lists.
func TestAShapeTakesWhatItsTypeTakes(t *testing.T) {
	s := shapeOf(reflect.TypeFor[shapeTaker]())
	whole := `{"s":"x","b":true,"n":-1,"u":7,"f":1.5e3,"t":"2026-12-06T00:00:00Z","p":2,"pt":"2026-12-06T00:00:00Z",` +
		`"r":{"any":[1,"x"]},"i":[true],"m":{"a":1,"b":2},"l":[false,true],"a":["x","y"],"o":{"b":false,"o":{"n":3}},"other":[{}]}`
	for _, tc := range []struct {
		body string
		odd  bool
	}{
		{whole, false},
		{`{"s":null,"b":null,"n":null,"t":null,"m":null,"l":null,"o":null}`, false},
		{`{"r":"text","i":12}`, false},
		{`{"s":1}`, true},
		{`{"b":"true"}`, true},
		{`{"b":0}`, true},
		{`{"n":"1"}`, true},
		{`{"n":true}`, true},
		{`{"u":false}`, true},
		{`{"f":"1.5"}`, true},
		{`{"t":5}`, true},
		{`{"t":"yesterday"}`, true},
		{`{"pt":"yesterday"}`, true},
		{`{"p":"2"}`, true},
		{`{"m":{"a":"x"}}`, true},
		{`{"m":[1]}`, true},
		{`{"l":[1]}`, true},
		{`{"l":{"0":true}}`, true},
		{`{"a":[1]}`, true},
		{`{"o":{"o":{"b":"no"}}}`, true},
		{`[]`, true},
	} {
		if got := oddIn([]byte(tc.body), s); got != tc.odd {
			t.Errorf("%s: odd %v, want %v", tc.body, got, tc.odd)
		}
	}
}

// What decoding a body would allocate, as scanShape counts it (the bound a large body is held
// to): each list element its type's size, each map entry its key's text, mapEntry and its
// value's size, each string its text, raw JSON its bytes, and a member no field takes nothing;
// the count goes through every level, and a value ends where it ends. Guards scanShape's
// counts and mapEntry.
func TestScanShapeCountsWhatDecodingAllocates(t *testing.T) {
	type inner struct {
		S string `json:"s"`
	}
	type outer struct {
		S string            `json:"s"`
		R json.RawMessage   `json:"r"`
		L []string          `json:"l"`
		M map[string]int    `json:"m"`
		N []inner           `json:"n"`
		K map[string]string `json:"k"`
	}
	str, innerSize := int(reflect.TypeFor[string]().Size()), int(reflect.TypeFor[inner]().Size())
	for _, tc := range []struct {
		body string
		want int
	}{
		{`{"s":"xyz"}`, 5},
		{`{"other":"ignored","s":"xyz"}`, 5},
		{`{"r":{"a":[1,2]}}`, len(`{"a":[1,2]}`)},
		{`{"l":["ab","c"]}`, str + 4 + str + 3},
		{`{"m":{"ab":1,"c":2}}`, 4 + 24 + 8 + 3 + 24 + 8},
		{`{"n":[{"s":"q"}, {"s":"qq"}]}`, innerSize + 3 + innerSize + 4},
		{`{"k":{"a":"bc"}}`, 3 + 24 + str + 4},
		{` {"s" : "xyz" , "l" : [ "a" ] } `, 5 + str + 3},
	} {
		d := []byte(tc.body)
		i := skipSpace(d, 0)
		end, decoded, odd := scanShape(d, i, shapeOf(reflect.TypeFor[outer]()))
		if odd || decoded != tc.want || end != len(bytes.TrimRight(d, " ")) {
			t.Errorf("%s: end %d, decoded %d, odd %v; want end %d, decoded %d", tc.body, end, decoded, odd, len(bytes.TrimRight(d, " ")), tc.want)
		}
	}
}

// A date is told by its shape first ("2006-01-02T15:04:05, T in either case), then by
// time.Time: a digit out of its place, another separator, or a string too short for a zone is
// not one, and a string not shaped like one is told without an allocation (a body of many is
// checked in its walk). Guards dateShaped's length, digit, T and separator checks, and isDate's
// use of the shape.
func TestADateIsToldByItsShape(t *testing.T) {
	for _, tc := range []struct {
		raw          string
		shaped, date bool
	}{
		{`"2026-12-06T10:20:30Z"`, true, true},
		{`"2026-12-06T10:20:30.5+01:00"`, true, true},
		{`"2026-12-06t10:20:30Z"`, true, false}, // shaped, but time.Time takes an upper-case T only
		{`"2026-12-06T10:20:30"`, false, false},
		{`"2026-12-06T10:20:30X"`, true, false},
		{`"2026-12-06X10:20:30Z"`, false, false},
		{`"2026/12-06T10:20:30Z"`, false, false},
		{`"2026-12-06T10-20:30Z"`, false, false},
		{`"2026-12-06T10:20-30Z"`, false, false},
		{`"20:6-12-06T10:20:30Z"`, false, false},
		{`"20/6-12-06T10:20:30Z"`, false, false},
		{`"2026-12-0/T10:20:30Z"`, false, false},
		{`"2026-12-06T10:20:3:Z"`, false, false},
		{`2026-12-06T10:20:30Z""`, false, false},
	} {
		if got := dateShaped([]byte(tc.raw)); got != tc.shaped {
			t.Errorf("dateShaped(%s) = %v, want %v", tc.raw, got, tc.shaped)
		}
		if got := isDate([]byte(tc.raw)); got != tc.date {
			t.Errorf("isDate(%s) = %v, want %v", tc.raw, got, tc.date)
		}
	}
	notADate := []byte(`"yesterday afternoon"`)
	if allocs := testing.AllocsPerRun(100, func() { isDate(notADate) }); allocs != 0 {
		t.Errorf("telling %s is not a date took %v allocations, want none", notADate, allocs)
	}
}
