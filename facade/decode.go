package facade

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"sync"
)

// encoding/json matches object keys without regard to case, so a key the spec does not know
// ("CreAted") can land in a field it only resembles ("created") and fail a good response. When
// a decode fails, retryCaseExact decodes again with such near-miss keys removed: keys that
// equal a known field name exactly are kept, unknown keys that differ from one only in case are
// dropped. It costs nothing on the normal path.
func retryCaseExact(data []byte, out any) error {
	var tree any
	if err := json.Unmarshal(data, &tree); err != nil {
		return err
	}
	names := jsonNames(reflect.TypeOf(out))
	if !dropNearMisses(tree, names) {
		return errNothingDropped
	}
	clean, err := json.Marshal(tree)
	if err != nil {
		return err
	}
	return decodeExact(clean, out)
}

var errNothingDropped = errors.New("no near-miss keys to drop")

// fieldNames are the JSON names of a type's fields, as written and in lower case.
type fieldNames struct {
	exact, lower map[string]bool
}

// dropNearMisses removes, at every depth, object keys that are not field names but equal one
// without regard to case. It reports whether it removed any.
func dropNearMisses(v any, names fieldNames) bool {
	dropped := false
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if !names.exact[k] && names.lower[strings.ToLower(k)] {
				delete(v, k)
				dropped = true
				continue
			}
			dropped = dropNearMisses(x, names) || dropped
		}
	case []any:
		for _, x := range v {
			dropped = dropNearMisses(x, names) || dropped
		}
	}
	return dropped
}

var namesCache sync.Map // reflect.Type -> fieldNames

// jsonNames collects every JSON field name reachable from t.
func jsonNames(t reflect.Type) fieldNames {
	if m, ok := namesCache.Load(t); ok {
		return m.(fieldNames)
	}
	names := fieldNames{exact: map[string]bool{}, lower: map[string]bool{}}
	seen := map[reflect.Type]bool{}
	var walk func(reflect.Type)
	walk = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" || !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			names.exact[name] = true
			names.lower[strings.ToLower(name)] = true
			walk(f.Type)
		}
	}
	walk(t)
	namesCache.Store(t, names)
	return names
}
