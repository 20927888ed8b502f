package facade

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	gojson "github.com/goccy/go-json"
)

// decodeOptions say how a body is read: the critical paths (see decodeBody), and for a list,
// the most items it may hold (0: no limit).
type decodeOptions struct {
	critical []string
	maxItems int
}

// decodeBody decodes a JSON body into out (a pointer to a zero value), tolerating values whose
// shape the spec does not give them. A list's items are counted first (a scan, without
// decoding): more than maxItems fail the call before anything is decoded, and the list is
// made for its items at once. A body that matches the spec costs one fast decode
// (fastUnmarshal) and nothing more. When that fails for any reason, the body is walked value by
// value against out's type (walker): each value that does not decode is left out and reported
// as a Warning, and everything else is kept. A struct with an AdditionalProperties map of raw
// JSON (the configuration models) keeps such values there, and unknown keys too, so that
// writing it back sends them unchanged. The walk costs time and memory in proportion to the
// body whatever its shape: it decodes no value twice but along the way to one that does not
// decode, keeps at most MaxWarnings warnings (counting the rest) and at most MaxWarningRaw bytes
// of each value, and builds no path but those of the warnings it keeps.
//
// Errors: a body that is not JSON, a top-level value of the wrong shape, a list of more than
// maxItems, and an item of a list whose identity cannot be read (a warning at one of the
// critical paths, kept or not).
func decodeBody(data []byte, out any, opt decodeOptions) ([]Warning, error) {
	root := reflect.ValueOf(out).Elem()
	if root.Kind() == reflect.Slice {
		if n, ok := arrayLen(data); ok {
			if opt.maxItems > 0 && n > opt.maxItems {
				return nil, fmt.Errorf("page has %d items, more than the limit of %d", n, opt.maxItems)
			}
			root.Grow(n) // in place: the list's array, and nothing else
		}
	}
	// A large body is checked for values of the wrong kind first (oddIn, a fifth of a fast
	// decode): the fast decoder goes on past each one and allocates an error for it, which on
	// 16 MiB of them costs 60 times the body. Smaller bodies skip the check (one would cost a
	// realistic page a fifth more) and risk at most that on their own size.
	odd := false
	if len(data) > checkedBody {
		var decoded int
		_, decoded, odd = scanShape(data, skipSpace(data, 0), shapeOf(root.Type()))
		if !odd && decoded > maxExpansion*len(data) {
			// Spec-valid, but made to swell: a list of millions of empty objects, each a struct.
			return nil, fmt.Errorf("decoded, the body would take about %d MiB, more than %d times its size", decoded>>20, maxExpansion)
		}
	}
	if !odd && fastUnmarshal(data, out) {
		return nil, nil
	}
	root.SetZero() // the fast attempt may have filled part of it
	if !json.Valid(data) {
		var raw json.RawMessage
		return nil, fmt.Errorf("decode body: %w", json.Unmarshal(data, &raw))
	}
	d := &walker{item: -1, critical: opt.critical}
	data = data[skipSpace(data, 0):]
	if root.Kind() == reflect.Slice {
		if data[0] != '[' {
			return nil, fmt.Errorf("decode body: %s", problem(data, root.Type()))
		}
		n, _ := arrayLen(data)
		items := reflect.MakeSlice(root.Type(), n, n)
		e := newElements(data)
		for i := 0; ; i++ {
			raw, ok := e.next()
			if !ok {
				break
			}
			d.item = i
			d.whole(raw, items.Index(i))
		}
		root.Set(items)
	} else if !d.whole(data, root) {
		return nil, fmt.Errorf("decode body: %s", problem(data, root.Type()))
	}
	if d.fatal != nil {
		return nil, fmt.Errorf("decode body: %s: %s; the result cannot be used without it", d.fatal.at(), d.fatal.Problem)
	}
	return d.result(), nil
}

// fastUnmarshal decodes data into out with github.com/goccy/go-json (see BENCHMARKS.md section
// 6: about three times faster than encoding/json on a page of statuses) and reports whether it
// did. It is trusted only when it succeeds: on any error, and on a panic (recovered here, so a
// hostile body never crashes the caller), it reports false and the body is walked
// (decodeBody), with encoding/json deciding each value the fast decoder did not.
// FuzzFastDecodeAgrees holds it to encoding/json: whatever it accepts, encoding/json accepts
// too, into an equal value.
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

// checkedBody is the size above which a body is checked for values of the wrong kind before the
// fast decoder sees it, and for what decoding it would take (see decodeBody). A variable so that
// FuzzDecodeStatus can check every body.
var checkedBody = 1 << 20

// maxExpansion bounds what a large body may take decoded, as a multiple of its size (the values
// a clean page of statuses keeps are about twice its size; a map of short strings about four
// times).
const maxExpansion = 8

// MaxWarnings is the most Warnings one call keeps; past it, values that do not match the spec
// are counted, not kept, and the call's last Warning says how many (Warning.Omitted).
const MaxWarnings = 1000

// MaxWarningRaw is the most bytes of a value a Warning keeps in Raw (Warning.Truncated says
// when a value was longer).
const MaxWarningRaw = 1024

// walker decodes a value that failed as a whole, part by part: d.whole tries the fast decoder
// on a value and walks it when that fails; d.value walks it at once. The path of the value
// being walked is a stack of segments, turned into text only for a warning that is kept (or
// checked against the critical paths).
type walker struct {
	item     int
	critical []string
	path     []segment
	warnings []Warning
	omitted  int
	fatal    *Warning // the first warning at a critical path, kept or not
	scratch  []byte
}

// segment is one step of a path: an object's key (its JSON string) or a list's index.
type segment struct {
	key   []byte
	index int
}

// whole decodes raw into v with the fast decoder when it can (a value as a whole, every part of
// it of a kind its field takes: oddIn), and walks it when it cannot. It is used for the items of a
// list and for the values below a walked object, so that a value that matches the spec is
// decoded once, fast, and the fast decoder is never handed a value full of odd ones (it goes on
// past each, allocating an error for it).
func (d *walker) whole(raw []byte, v reflect.Value) bool {
	t := v.Type()
	if raw[0] != 'n' && composite(t) && !oddIn(raw, shapeOf(t)) {
		p := reflect.New(t)
		if fastUnmarshal(raw, p.Interface()) {
			v.Set(p.Elem())
			return true
		}
	}
	return d.value(raw, v)
}

// fits reports whether a JSON value that begins with c can be a value of type t at all (null is
// any value, and a type that decodes itself takes anything but a time's non-strings).
func fits(c byte, t reflect.Type) bool {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if c == 'n' {
		return true
	}
	if t == timeType {
		return c == '"'
	}
	if ownDecoder(t) || t == rawMessageType {
		return true
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Map:
		return c == '{'
	case reflect.Slice, reflect.Array:
		return c == '['
	case reflect.String:
		return c == '"'
	case reflect.Bool:
		return c == 't' || c == 'f'
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64,
		reflect.Float32, reflect.Float64:
		return c == '-' || (c >= '0' && c <= '9')
	}
	return true
}

// composite reports whether values of t are walked part by part (objects and lists without a
// decoder of their own), rather than decoded as a whole.
func composite(t reflect.Type) bool { return shapeOf(t).walked }

func isComposite(t reflect.Type) bool {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if implementsDecoder(t) {
		return false
	}
	switch t.Kind() {
	case reflect.Struct, reflect.Slice:
		return t != rawMessageType
	case reflect.Map:
		return t.Key().Kind() == reflect.String
	}
	return false
}

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
	rawMessageType      = reflect.TypeFor[json.RawMessage]()
)

// ownDecoder reports whether t decodes itself (json.Unmarshaler or encoding.TextUnmarshaler,
// such as time.Time and the generated unions): its values are decoded as a whole. It is known
// once per type (asking reflect was a third of the walk's time).
func ownDecoder(t reflect.Type) bool { return shapeOf(t).own }

func implementsDecoder(t reflect.Type) bool {
	pt := reflect.PointerTo(t)
	return t.Implements(unmarshalerType) || pt.Implements(unmarshalerType) ||
		t.Implements(textUnmarshalerType) || pt.Implements(textUnmarshalerType)
}

// value decodes raw into v, part by part when it is an object or a list. It reports false when
// nothing of raw could be kept (v is left zero and a warning names the path).
func (d *walker) value(raw []byte, v reflect.Value) bool {
	t := v.Type()
	if !fits(raw[0], t) {
		return d.deviate(raw, t) // set aside at once, without a decoder's attempt
	}
	if ownDecoder(t) || t.Kind() == reflect.Interface {
		return d.leaf(raw, v)
	}
	if raw[0] == 'n' {
		return true // null leaves the value as it is, as encoding/json does
	}
	switch t.Kind() {
	case reflect.Pointer:
		elem := reflect.New(t.Elem())
		if !d.value(raw, elem.Elem()) {
			return false
		}
		v.Set(elem)
		return true
	case reflect.Struct: // fits saw '{' (and for a list '[', for a map '{', for a string '"')
		d.object(raw, v)
		return true
	case reflect.Slice:
		if t == rawMessageType {
			return d.leaf(raw, v)
		}
		d.list(raw, v)
		return true
	case reflect.Map:
		if t.Key().Kind() != reflect.String {
			return d.leaf(raw, v) // keys of another kind: decoded whole, as isComposite says
		}
		d.mapping(raw, v)
		return true
	case reflect.String:
		if s, ok := plainString(raw); ok {
			v.SetString(s)
			return true
		}
	case reflect.Bool:
		switch string(raw) {
		case "true":
			v.SetBool(true)
			return true
		case "false":
			return true
		}
		return d.deviate(raw, t)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if n, err := strconv.ParseInt(string(raw), 10, t.Bits()); err == nil {
			v.SetInt(n)
			return true
		}
		return d.deviate(raw, t)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		if n, err := strconv.ParseUint(string(raw), 10, t.Bits()); err == nil {
			v.SetUint(n)
			return true
		}
		return d.deviate(raw, t)
	}
	return d.leaf(raw, v) // a float, a string with escapes, another kind: decoded whole
}

// plainString is the text of a JSON string with no escape and nothing but printable ASCII, the
// common case: encoding/json would give the same.
func plainString(raw []byte) (string, bool) {
	if body, ok := plainBytes(raw); ok {
		return string(body), true
	}
	return "", false
}

// plainBytes is plainString's bytes, inside raw.
func plainBytes(raw []byte) ([]byte, bool) {
	body := raw[1 : len(raw)-1]
	for _, c := range body {
		if c < 0x20 || c >= 0x80 || c == '\\' {
			return nil, false
		}
	}
	return body, true
}

// leaf decodes raw into v as a whole: the fast decoder, then encoding/json, which decides. A
// date is read by time.Time itself (as both decoders do), once it is shaped like one.
func (d *walker) leaf(raw []byte, v reflect.Value) bool {
	if v.Type() == timeType && raw[0] == '"' {
		if t, ok := v.Addr().Interface().(*time.Time); ok && dateShaped(raw) && t.UnmarshalJSON(raw) == nil {
			return true
		}
		return d.deviate(raw, v.Type())
	}
	p := reflect.New(v.Type())
	if fastUnmarshal(raw, p.Interface()) || json.Unmarshal(raw, p.Interface()) == nil {
		v.Set(p.Elem())
		return true
	}
	return d.deviate(raw, v.Type())
}

// object fills the struct v from its keys. Keys match field names exactly (encoding/json's
// case-insensitive match would let a key the spec does not know land in a field it resembles).
// Unknown keys, and known ones whose value could not be kept, go to the struct's
// AdditionalProperties when it has one, as sent. An object is kept even when none of its values
// could be (an approval whose every field is odd is still an approval).
func (d *walker) object(raw []byte, v reflect.Value) {
	f := fieldsOf(v.Type())
	var extra reflect.Value
	if f.extra >= 0 {
		extra = reflect.MakeMap(v.Field(f.extra).Type())
	}
	m := newMembers(raw)
	for {
		key, value, ok := m.next()
		if !ok {
			break
		}
		body, plain := plainBytes(key) // most names are looked up and dropped: no string is made
		if !plain {
			body = []byte(keyName(key))
		}
		if i, known := f.byName[string(body)]; known {
			d.path = append(d.path, segment{key: key, index: -1})
			field := v.Field(i)
			field.SetZero() // a name sent twice: the last one counts
			kept := d.whole(value, field)
			d.path = d.path[:len(d.path)-1]
			if kept {
				continue
			}
		}
		if extra.IsValid() {
			extra.SetMapIndex(reflect.ValueOf(string(body)), reflect.ValueOf(json.RawMessage(bytes.Clone(value))))
		}
	}
	if extra.IsValid() && extra.Len() > 0 {
		v.Field(f.extra).Set(extra)
	}
}

// keyName is the text of a name (a JSON string) with escapes.
func keyName(key []byte) string {
	var name string
	_ = json.Unmarshal(key, &name)
	return name
}

// list fills the slice v from the elements of raw. An element that does not decode is left out
// (its warning names its index in the list as sent). The slice is made once, for the elements of
// a kind that fits (a list of numbers where ids belong costs no slice at all).
func (d *walker) list(raw []byte, v reflect.Value) {
	t := v.Type()
	n := 0
	for e := newElements(raw); ; {
		r, ok := e.next()
		if !ok {
			break
		}
		if fits(r[0], t.Elem()) {
			n++
		}
	}
	s := reflect.MakeSlice(t, n, n)
	k := 0 // elements kept: each is decoded into its place, which an element left out leaves free
	e := newElements(raw)
	for i := 0; ; i++ {
		r, ok := e.next()
		if !ok {
			break
		}
		d.path = append(d.path, segment{index: i})
		if !fits(r[0], t.Elem()) {
			d.deviate(r, t.Elem()) // not counted: it has no place
		} else if elem := s.Index(k); d.whole(r, elem) {
			k++
		} else {
			elem.SetZero()
		}
		d.path = d.path[:len(d.path)-1]
	}
	v.Set(s.Slice(0, k))
}

// mapping fills the map v from the members of raw; a value that does not decode is left out.
func (d *walker) mapping(raw []byte, v reflect.Value) {
	t := v.Type()
	out := reflect.MakeMap(t)
	key := reflect.New(t.Key()).Elem()
	elem := reflect.New(t.Elem()).Elem()
	m := newMembers(raw)
	for {
		k, value, ok := m.next()
		if !ok {
			break
		}
		elem.SetZero()
		d.path = append(d.path, segment{key: k, index: -1})
		kept := d.whole(value, elem)
		d.path = d.path[:len(d.path)-1]
		if kept {
			name, plain := plainString(k)
			if !plain {
				name = keyName(k)
			}
			key.SetString(name)
			out.SetMapIndex(key, elem)
		}
	}
	v.Set(out)
}

// deviate records that raw, at the current path, is not a value of type t: a Warning while
// fewer than MaxWarnings are kept, a count past it; and the first one at a critical path.
func (d *walker) deviate(raw []byte, t reflect.Type) bool {
	critical := len(d.critical) > 0 && d.fatal == nil && d.isCritical()
	if !critical && len(d.warnings) >= MaxWarnings {
		d.omitted++
		return false
	}
	w := Warning{Item: d.item, Path: d.pathText(false), Problem: problem(raw, t)}
	w.Raw = json.RawMessage(bytes.Clone(raw[:min(len(raw), MaxWarningRaw)]))
	w.Truncated = len(raw) > MaxWarningRaw
	if critical {
		d.fatal = &w
	}
	if len(d.warnings) < MaxWarnings {
		d.warnings = append(d.warnings, w)
	} else {
		d.omitted++
	}
	return false
}

// maxPathKey is the most bytes of one name a warning's path shows; a longer name is cut, with
// "…" in place of the rest.
const maxPathKey = 64

// pathText is the current path as text: "requester.type", "approvalIds[3]", or with "[]" for
// every index when general.
func (d *walker) pathText(general bool) string {
	return string(d.appendPath(d.scratch[:0], general))
}

func (d *walker) appendPath(b []byte, general bool) []byte {
	for i, s := range d.path {
		if s.index >= 0 {
			b = append(b, '[')
			if !general {
				b = strconv.AppendInt(b, int64(s.index), 10)
			}
			b = append(b, ']')
			continue
		}
		if i > 0 {
			b = append(b, '.')
		}
		if name, plain := plainBytes(s.key); plain && len(name) <= maxPathKey {
			b = append(b, name...)
			continue
		}
		b = append(b, keyText(s.key)...)
	}
	d.scratch = b
	return b
}

// keyText is the text of a name (its JSON string) for a path, cut to maxPathKey bytes: only
// the start of a long name is unescaped.
func keyText(key []byte) string {
	head := key
	if len(head) > 4*maxPathKey {
		head = append(bytes.Clone(wholeEscapes(key[:4*maxPathKey])), '"')
	}
	var name string
	_ = json.Unmarshal(head, &name) // valid: key is a JSON string, head a start of it cut between escapes
	if len(name) > maxPathKey || len(head) < len(key) {
		name = strings.ToValidUTF8(name[:min(len(name), maxPathKey)], "") + "…"
	}
	return name
}

// wholeEscapes is b (the start of a JSON string, its quote included) without an escape the cut
// left unfinished: "\\" cut after its backslash, "\\u00e9" cut within its digits.
func wholeEscapes(b []byte) []byte {
	for i := 1; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		n := 2
		if i+1 < len(b) && b[i+1] == 'u' {
			n = 6
		}
		if i+n > len(b) {
			return b[:i]
		}
		i += n - 1
	}
	return b
}

// isCritical reports whether the current path is one of the critical ones or inside one of
// them, or is a whole item (the empty path) of a response that has critical paths. In critical
// paths "[]" stands for any index ("newRequests[].accessRequestIds").
func (d *walker) isCritical() bool {
	if len(d.path) == 0 {
		return true // a whole item of the wrong shape: no identity at all
	}
	general := d.appendPath(d.scratch[:0], true)
	for _, c := range d.critical {
		if bytes.HasPrefix(general, []byte(c)) {
			if rest := general[len(c):]; len(rest) == 0 || bytes.HasPrefix(rest, []byte("[]")) || rest[0] == '.' {
				return true
			}
		}
	}
	return false
}

// result is the warnings kept, and a last one counting those that were not.
func (d *walker) result() []Warning {
	if d.omitted > 0 {
		d.warnings = append(d.warnings, Warning{Item: -1, Omitted: d.omitted,
			Problem: strconv.Itoa(d.omitted) + " more values did not match the spec; they were counted, not kept"})
	}
	return d.warnings
}

// problem says what a value is and what the type wanted, in JSON's terms.
func problem(raw []byte, t reflect.Type) string {
	return "got " + jsonKind(raw) + ", want " + wantKind(t)
}

func jsonKind(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	s := string(raw[:min(len(raw), 40)])
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
