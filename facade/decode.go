package facade

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
)

// decodeBody decodes a JSON body into out (a pointer to a zero value), tolerating values whose
// shape the spec does not give them. A body that matches the spec costs one fast decode
// (fastUnmarshal) and nothing more. When that fails for any reason, encoding/json decides: one
// json.Unmarshal, and only when that fails too is the body walked value by value against out's
// type: each value that still does not decode is left zero and reported as a Warning, and
// everything else is kept. A struct with an AdditionalProperties map of raw JSON (the
// configuration models) keeps such values there, and unknown keys too, so that writing it back
// sends them unchanged.
//
// Errors: a body that is not JSON, a top-level value of the wrong shape, and an item of a list
// whose identity cannot be read (a warning at one of the critical paths).
func decodeBody(data []byte, out any, critical ...string) ([]Warning, error) {
	if fastUnmarshal(data, out) {
		return nil, nil
	}
	reflect.ValueOf(out).Elem().SetZero() // the fast attempt may have filled part of it
	err := json.Unmarshal(data, out)
	if err == nil {
		return nil, nil
	}
	var syntax *json.SyntaxError
	if errors.As(err, &syntax) || !json.Valid(data) {
		return nil, fmt.Errorf("decode body: %w", err)
	}
	root := reflect.ValueOf(out).Elem()
	root.SetZero() // the failed attempt may have filled part of it
	d := &walker{item: -1}
	if root.Kind() == reflect.Slice {
		var list []json.RawMessage
		if err := json.Unmarshal(data, &list); err != nil {
			return nil, fmt.Errorf("decode body: %s", problem(data, root.Type()))
		}
		items := reflect.MakeSlice(root.Type(), len(list), len(list))
		for i, raw := range list {
			d.item = i
			d.value(raw, items.Index(i), "")
		}
		root.Set(items)
	} else if !d.value(data, root, "") {
		return nil, fmt.Errorf("decode body: %s", problem(data, root.Type()))
	}
	for _, w := range d.warnings {
		if isCritical(w.Path, critical) {
			return nil, fmt.Errorf("decode body: %s: %s; the result cannot be used without it", w.at(), w.Problem)
		}
	}
	return d.warnings, nil
}

// fastUnmarshal decodes data into out with github.com/goccy/go-json (see BENCHMARKS.md section
// 6: about three times faster than encoding/json on a page of statuses) and reports whether it
// did. It is trusted only when it succeeds: on any error, and on a panic (recovered here, so a
// hostile body never crashes the caller), it reports false and encoding/json decodes the body
// from the start. FuzzFastDecodeAgrees holds it to encoding/json: whatever it accepts,
// encoding/json accepts too, into an equal value.
func fastUnmarshal(data []byte, out any) (ok bool) {
	defer func() {
		if recover() != nil {
			ok = false
		}
	}()
	return fastDecode(data, out) == nil
}

// fastDecode is the decoder fastUnmarshal trusts when it succeeds (a variable so that a test
// can make it panic).
var fastDecode = gojson.Unmarshal

// isCritical reports whether a path is one of the critical ones or inside one of them, or is a
// whole item (the empty path) of a response that has critical paths. In critical paths "[]"
// stands for any index ("newRequests[].accessRequestIds").
func isCritical(path string, critical []string) bool {
	if len(critical) == 0 {
		return false
	}
	if path == "" {
		return true // a whole item of the wrong shape: no identity at all
	}
	general := anyIndex.ReplaceAllString(path, "[]")
	for _, c := range critical {
		if general == c || strings.HasPrefix(general, c+"[]") || strings.HasPrefix(general, c+".") {
			return true
		}
	}
	return false
}

var anyIndex = regexp.MustCompile(`\[[0-9]+\]`)

// walker decodes a value that failed as a whole, part by part.
type walker struct {
	item     int
	warnings []Warning
}

// value decodes raw into v, part by part when it does not decode whole. It reports false when
// nothing of raw could be kept (v is left zero and a warning names path).
func (d *walker) value(raw json.RawMessage, v reflect.Value, path string) bool {
	whole := reflect.New(v.Type())
	if json.Unmarshal(raw, whole.Interface()) == nil {
		v.Set(whole.Elem())
		return true
	}
	t := v.Type()
	switch {
	case t.Kind() == reflect.Pointer:
		elem := reflect.New(t.Elem())
		if !d.value(raw, elem.Elem(), path) {
			return false
		}
		v.Set(elem)
		return true
	case t.Kind() == reflect.Struct && t != timeType:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return d.deviate(raw, t, path)
		}
		d.object(obj, v, path)
		return true
	case t.Kind() == reflect.Slice:
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil {
			return d.deviate(raw, t, path)
		}
		s := reflect.MakeSlice(t, len(list), len(list))
		for i, r := range list {
			d.value(r, s.Index(i), path+"["+strconv.Itoa(i)+"]")
		}
		v.Set(s)
		return true
	case t.Kind() == reflect.Map && t.Key().Kind() == reflect.String:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return d.deviate(raw, t, path)
		}
		m := reflect.MakeMapWithSize(t, len(obj))
		for _, k := range sortedKeys(obj) {
			elem := reflect.New(t.Elem()).Elem()
			if d.value(obj[k], elem, join(path, k)) {
				m.SetMapIndex(reflect.ValueOf(k).Convert(t.Key()), elem)
			}
		}
		v.Set(m)
		return true
	}
	return d.deviate(raw, t, path)
}

// object fills the struct v from its keys. Keys match field names exactly (encoding/json's
// case-insensitive match would let a key the spec does not know land in a field it resembles).
// Unknown keys, and known ones whose value could not be kept, go to the struct's
// AdditionalProperties when it has one.
func (d *walker) object(obj map[string]json.RawMessage, v reflect.Value, path string) {
	f := fieldsOf(v.Type())
	var extra reflect.Value
	if f.extra >= 0 {
		extra = reflect.MakeMap(v.Field(f.extra).Type())
	}
	for _, k := range sortedKeys(obj) {
		raw := obj[k]
		if i, ok := f.byName[k]; ok && d.value(raw, v.Field(i), join(path, k)) {
			continue
		}
		if extra.IsValid() {
			extra.SetMapIndex(reflect.ValueOf(k), reflect.ValueOf(raw))
		}
	}
	if extra.IsValid() && extra.Len() > 0 {
		v.Field(f.extra).Set(extra)
	}
}

func (d *walker) deviate(raw json.RawMessage, t reflect.Type, path string) bool {
	d.warnings = append(d.warnings, Warning{Item: d.item, Path: path, Raw: raw, Problem: problem(raw, t)})
	return false
}

// problem says what a value is and what the type wanted, in JSON's terms.
func problem(raw []byte, t reflect.Type) string {
	return "got " + jsonKind(raw) + ", want " + wantKind(t)
}

func jsonKind(raw []byte) string {
	s := strings.TrimSpace(string(raw))
	if s == "" {
		return "nothing"
	}
	switch s[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string " + snippet([]byte(s[:min(len(s), 40)]))
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	}
	return "number " + s[:min(len(s), 40)]
}

func wantKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == timeType:
		return "an RFC 3339 date-time"
	case t.Kind() == reflect.Struct || t.Kind() == reflect.Map:
		return "object"
	case t.Kind() == reflect.Slice || t.Kind() == reflect.Array:
		return "array"
	case t.Kind() == reflect.String:
		return "string"
	case t.Kind() == reflect.Bool:
		return "boolean"
	case t.Kind() >= reflect.Int && t.Kind() <= reflect.Uint64:
		return fmt.Sprintf("integer (%s)", t.Kind())
	case t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64:
		return "number"
	}
	return t.Kind().String()
}

var timeType = reflect.TypeFor[time.Time]()

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// structFields is how the walker sees a struct: field index by JSON name, and the index of an
// AdditionalProperties map of raw JSON (-1 when there is none).
type structFields struct {
	byName map[string]int
	extra  int
}

var fieldsCache sync.Map // reflect.Type -> structFields

var rawMapType = reflect.TypeFor[map[string]json.RawMessage]()

func fieldsOf(t reflect.Type) structFields {
	if f, ok := fieldsCache.Load(t); ok {
		return f.(structFields)
	}
	f := structFields{byName: map[string]int{}, extra: -1}
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		name, _, _ := strings.Cut(sf.Tag.Get("json"), ",")
		switch {
		case name == "-" && sf.Name == "AdditionalProperties" && sf.Type == rawMapType:
			f.extra = i
		case name == "-":
		case name == "":
			f.byName[sf.Name] = i
		default:
			f.byName[name] = i
		}
	}
	fieldsCache.Store(t, f)
	return f
}
