package facade

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sailkit/accessrequests/gen"
)

// fullBody is a JSON value for every field of t, reached through every struct, slice and map,
// with strings that differ by seed (some escaped, some not, some longer than a scratch buffer)
// and a list-shaped SodViolationMessage: every kind of value the decoders copy out of a body.
func fullBody(t reflect.Type, seed, depth int) any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	str := func(n int) string {
		s := fmt.Sprintf("s%d-%d", seed, n)
		switch n % 3 {
		case 1:
			s += `é"\` + "\n"
		case 2:
			s += strings.Repeat(fmt.Sprint(seed%10), 300)
		}
		return s
	}
	switch {
	case t == reflect.TypeFor[gen.SodViolationMessage]():
		return []any{map[string]any{"text": str(depth), "locale": str(depth + 1)}, map[string]any{"text": str(depth + 2)}}
	case t == timeType:
		return time.Date(2026, 1, 2, 3, 4, seed%60, 0, time.UTC).Format(time.RFC3339Nano)
	case t.Kind() == reflect.String, t.Kind() == reflect.Interface: // open values (a form's answers) hold strings too
		return str(depth)
	case t.Kind() == reflect.Bool:
		return seed%2 == 0
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Float64:
		return seed
	case t.Kind() == reflect.Slice:
		if depth > 6 {
			return []any{}
		}
		return []any{fullBody(t.Elem(), seed, depth+1), fullBody(t.Elem(), seed+1, depth+1)}
	case t.Kind() == reflect.Map:
		return map[string]any{str(depth + 1): fullBody(t.Elem(), seed, depth+1), fmt.Sprintf("k%d", seed): fullBody(t.Elem(), seed+2, depth+1)}
	case t.Kind() == reflect.Struct:
		obj := map[string]any{}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if !f.IsExported() || name == "-" || name == "" {
				continue
			}
			obj[name] = fullBody(f.Type, seed+i, depth+1)
		}
		if _, extra := t.FieldByName("AdditionalProperties"); extra {
			obj[fmt.Sprintf("unknown%d", seed)] = map[string]any{"nested": str(depth + 5)}
		}
		return obj
	}
	panic(t.String())
}

// TestNothingDecodedFromAPooledBufferChangesWhenItIsReused: every string, map key, date and raw
// value decoded from a body, through the fast decoder and through the tolerant walk, keeps its
// value after other bodies of the same shape are decoded into the same pooled buffers.
func TestNothingDecodedFromAPooledBufferChangesWhenItIsReused(t *testing.T) {
	for _, typ := range []reflect.Type{reflect.TypeFor[[]Status](), reflect.TypeFor[Config](), reflect.TypeFor[CreateResult]()} {
		for _, odd := range []bool{false, true} {
			body := func(seed int) string {
				v := fullBody(typ, seed, 0)
				if odd { // a value of another shape in every item: the tolerant walk decides
					if list, ok := v.([]any); ok {
						for _, item := range list {
							item.(map[string]any)["cancelable"] = fmt.Sprintf("odd%d", seed)
						}
					} else {
						v.(map[string]any)["autoApprovalEnabled"] = fmt.Sprintf("odd%d", seed)
					}
				}
				b, err := json.Marshal(v)
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}
			first := body(1)
			got, want := reflect.New(typ), reflect.New(typ)
			warnings, err := decodeJSON(response(200, "application/json", first), got.Interface(), readOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if odd && typ.Kind() == reflect.Slice && len(warnings) == 0 {
				t.Fatalf("%v: the odd body gave no warning: the walk was not reached", typ)
			}
			raws := make([]string, len(warnings))
			for i, w := range warnings {
				raws[i] = string(w.Raw)
			}
			if _, err := decodeBody([]byte(first), want.Interface(), decodeOptions{}); err != nil {
				t.Fatal(err)
			}
			for seed := 2; seed < 6; seed++ {
				if _, err := decodeJSON(response(200, "application/json", body(seed)), reflect.New(typ).Interface(), readOptions{}); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(got.Interface(), want.Interface()) {
				g, _ := json.Marshal(got.Interface())
				w, _ := json.Marshal(want.Interface())
				t.Fatalf("%v (odd %v): a decoded value changed when the buffers were reused:\ngot  %.600s\nwant %.600s", typ, odd, g, w)
			}
			for i, w := range warnings {
				if string(w.Raw) != raws[i] {
					t.Fatalf("warning %d's raw value changed to %s", i, w.Raw)
				}
			}
		}
	}
}
