package facade

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzScanAgreesWithEncodingJSON: on valid JSON, the scanner finds the same elements and members
// as encoding/json (bytes for bytes); on anything, it ends without a panic.
func FuzzScanAgreesWithEncodingJSON(f *testing.F) {
	for _, seed := range []string{`[]`, `[1, "a\"]" ,{"b":[1,{}]} ,null]`, `{"a":1,"b":{"c":"}"},"a":2}`, `[[[]]]`, ` [ "\\" ] `,
		`{"k\u00e9":"v"}`, `[1,2`, `{"a"`, `"x`, `}`, `[}`} {
		f.Add(seed)
	}
	status := shapeOf(reflect.TypeFor[[]Status]())
	f.Fuzz(func(t *testing.T, body string) {
		data := []byte(body)
		n, isArray := arrayLen(data)
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
