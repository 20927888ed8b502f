package facade

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
)

// ConfigPatch is a change to the access request configuration, written as JSON in the
// configuration's own shape. By default it is applied onto the tenant's current configuration
// (a read-modify-write): the settings it names change and every other one keeps its value,
// settings unknown to this package included, byte for byte. With Replace it is the whole
// configuration instead.
type ConfigPatch struct {
	// JSON is an object in the configuration's shape. Without Replace, a nested object changes
	// only the members it names, and any other value replaces the setting's. A null is refused:
	// it would reset a setting without saying to what.
	JSON []byte
	// Replace makes JSON the whole configuration: a setting it leaves out is dropped (and a
	// boolean the spec knows is then sent as false).
	Replace bool
	// Keep names, by dotted path ("entitlementRequestConfig.newSetting"), settings that neither
	// this package nor the tenant's current configuration knows, to be sent all the same. Any
	// other such setting is refused as a probable misspelling (see UnknownSettingsError).
	Keep []string
}

// ConfigChange is one setting a ConfigPatch changes, by dotted path. Before and After are the
// setting's value as compact JSON, nil where the setting is absent.
type ConfigChange struct {
	Path          string
	Before, After json.RawMessage
}

// UnknownSettingsError refuses a ConfigPatch that names settings neither this package nor the
// tenant's current configuration knows, and that ConfigPatch.Keep does not name: most often a
// misspelling, which would otherwise be stored beside the real setting while that one keeps
// its old value. Nothing was sent. It matches ErrInvalidInput.
type UnknownSettingsError struct {
	Operation string           // the write the patch was for: setAccessRequestConfig or setAccessRequestConfigV2
	Settings  []UnknownSetting // in path order
}

// UnknownSetting is one setting an UnknownSettingsError refuses.
type UnknownSetting struct {
	Path       string // dotted path as written in the patch
	Suggestion string // the closest known setting's path, "" when none is close
}

// Error names every unknown setting and, where there is one, the closest known setting.
func (e *UnknownSettingsError) Error() string {
	parts := make([]string, len(e.Settings))
	for i, s := range e.Settings {
		parts[i] = fmt.Sprintf("%q", s.Path)
		if s.Suggestion != "" {
			parts[i] += fmt.Sprintf(" (did you mean %q?)", s.Suggestion)
		}
	}
	return "accessrequests: " + e.Operation + ": unknown setting " + strings.Join(parts, ", ") + ": nothing was sent"
}

// Is matches ErrInvalidInput.
func (e *UnknownSettingsError) Is(target error) bool { return target == ErrInvalidInput }

// ConfigSettings lists the settings of Config (the beta's configuration) the spec knows, as the
// dotted paths ConfigPatch and ConfigChange use (leaves only), sorted.
func ConfigSettings() []string { return settingPaths[Config](false) }

// ConfigSettingsV2 lists the settings of ConfigV2 (the successor's configuration) the spec
// knows, as ConfigSettings does for Config.
func ConfigSettingsV2() []string { return settingPaths[ConfigV2](false) }

// settingPaths lists the dotted paths of the fields of T, a configuration, sorted: the leaves,
// and with objects the objects that hold them too.
func settingPaths[T any](objects bool) []string {
	var out []string
	var walk func(t reflect.Type, path string)
	walk = func(t reflect.Type, path string) {
		for name, i := range fieldsOf(t).byName {
			ft := t.Field(i).Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct && ft != timeType {
				if objects {
					out = append(out, join(path, name))
				}
				walk(ft, join(path, name))
				continue
			}
			out = append(out, join(path, name))
		}
	}
	walk(reflect.TypeFor[T](), "")
	slices.Sort(out)
	return out
}

// Apply returns base with the patch applied, and the settings that change, in path order. It
// refuses, before anything could be sent: JSON that is not an object; settings unknown to both
// this package and base (an *UnknownSettingsError, naming the closest known setting); and, as a
// *ValidationError, a null, or a changed setting the spec knows whose new value has another
// shape than the spec gives it (a value of another shape that base already held is kept).
// base is the beta's configuration; ApplyV2 applies a patch to the successor's.
func (p ConfigPatch) Apply(base Config) (Config, []ConfigChange, error) {
	return applyPatch(p, base, routes[APIBeta][opSetConfig].op)
}

// ApplyV2 is Apply for the successor's configuration, ConfigV2: the patch is in its shape, and
// its settings are the ones checked.
func (p ConfigPatch) ApplyV2(base ConfigV2) (ConfigV2, []ConfigChange, error) {
	return applyPatch(p, base, routes[APIV1][opSetConfigV2].op)
}

// applyPatch applies p onto base, a configuration of type T, for the write op.
func applyPatch[T any](p ConfigPatch, base T, op string) (T, []ConfigChange, error) {
	var zero T
	patch, err := objectOf(p.JSON)
	if err != nil {
		return zero, nil, fmt.Errorf("accessrequests: %s: the patch is not a JSON object: %w", op, ErrInvalidInput)
	}
	baseJSON, err := json.Marshal(base)
	if err != nil {
		return zero, nil, fmt.Errorf("accessrequests: %s: %w", op, err)
	}
	baseObj, _ := objectOf(baseJSON)
	var (
		unknown []UnknownSetting
		probs   problems
	)
	checkPatch(patch, reflect.TypeFor[T](), baseObj, "", p.Keep, &unknown, &probs)
	if len(unknown) > 0 {
		cands := slices.Concat(settingPaths[T](true), allPaths(baseObj, ""))
		for i := range unknown {
			unknown[i].Suggestion = closest(unknown[i].Path, cands)
		}
		return zero, nil, &UnknownSettingsError{Operation: op, Settings: unknown}
	}
	if err := probs.err(op); err != nil {
		return zero, nil, err
	}
	merged := patch
	if !p.Replace {
		merged = mergeObjects(baseObj, patch)
	}
	// None of the three steps below can fail, so their errors are not checked (checks that no
	// input could reach were removed): merged holds only valid JSON (the patch's members, base's
	// from json.Marshal, and objects mergeObjects encoded from those), so it encodes; T's
	// decoder refuses no value of valid JSON, setting aside one of another shape; and what it
	// decoded (the models' fields, and valid JSON kept aside) encodes again.
	mergedJSON, _ := json.Marshal(merged)
	var out T
	_ = json.Unmarshal(mergedJSON, &out)
	outJSON, _ := json.Marshal(out)
	outObj, _ := objectOf(outJSON)
	changes := diffObjects(baseObj, outObj)
	var aside []Warning
	setAside(reflect.ValueOf(out), "", &aside)
	for _, w := range aside {
		if slices.ContainsFunc(changes, func(c ConfigChange) bool { return c.Path == w.Path || strings.HasPrefix(c.Path, w.Path+".") }) {
			probs.add(w.Path, "%s", w.Problem)
		}
	}
	if err := probs.err(op); err != nil {
		return zero, nil, err
	}
	return out, changes, nil
}

// PatchConfig reads the tenant's configuration, applies p (see ConfigPatch.Apply) and, when a
// setting changes, writes the result with SetConfig. check, when not nil, sees the changes
// first; an error from it stops the call before anything is written and is returned as it is.
// PatchConfig returns the configuration as stored (as read, when nothing changed) and the
// changes. It uses the operations behind GetConfig and SetConfig, which the vendor has
// deprecated (see GetConfig) and which a v1 client does not have: there, PatchConfigV2 patches
// the successor's configuration.
func (c *Client) PatchConfig(ctx context.Context, p ConfigPatch, check func([]ConfigChange) error) (*Config, []ConfigChange, error) {
	return patchConfig(ctx, c, opGetConfig, opSetConfig, "PatchConfig", p.Apply, check, maxRemindersRule)
}

// PatchConfigV2 is PatchConfig for the successor's configuration (GetConfigV2, ApplyV2,
// SetConfigV2): p is in ConfigV2's shape. On a beta client it sends nothing and returns an
// error matching ErrNotInAPI.
func (c *Client) PatchConfigV2(ctx context.Context, p ConfigPatch, check func([]ConfigChange) error) (*ConfigV2, []ConfigChange, error) {
	return patchConfig(ctx, c, opGetConfigV2, opSetConfigV2, "PatchConfigV2", p.ApplyV2, check, nil)
}

// patchConfig reads through get, applies apply, lets check see the changes, and writes
// through set when something changes.
func patchConfig[T any](ctx context.Context, c *Client, get, set operation, method string,
	apply func(T) (T, []ConfigChange, error), check func([]ConfigChange) error, rule func(*T, *problems)) (*T, []ConfigChange, error) {
	if _, err := c.endpoint(set, method); err != nil {
		return nil, nil, err
	}
	cur, err := getConfig[T](ctx, c, get, method)
	if err != nil {
		return nil, nil, err
	}
	next, changes, err := apply(*cur)
	if err != nil {
		return nil, nil, err
	}
	if check != nil {
		if err := check(changes); err != nil {
			return nil, changes, err
		}
	}
	if len(changes) == 0 {
		return cur, nil, nil
	}
	got, err := setConfig(ctx, c, set, method, next, rule)
	return got, changes, err
}

// objectOf decodes one JSON object into its members, kept raw.
func objectOf(data []byte) (map[string]json.RawMessage, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, err
	}
	if obj == nil {
		return nil, fmt.Errorf("not an object")
	}
	return obj, nil
}

func isObject(raw json.RawMessage) bool {
	t := bytes.TrimSpace(raw)
	return len(t) > 0 && t[0] == '{'
}

// checkPatch walks the patch along the model t, noting nulls and the members that neither t
// nor the tenant's configuration (base, the object at the same place) knows, unless kept.
// Members unknown to t are not walked into: their shape is the tenant's business.
func checkPatch(patch map[string]json.RawMessage, t reflect.Type, base map[string]json.RawMessage, path string, keep []string, unknown *[]UnknownSetting, probs *problems) {
	f := fieldsOf(t)
	for _, name := range sortedKeys(patch) {
		raw, p := patch[name], join(path, name)
		if string(bytes.TrimSpace(raw)) == "null" {
			probs.add(p, "is null: give the setting a value")
			continue
		}
		i, known := f.byName[name]
		_, onTenant := base[name]
		switch {
		case known:
			ft := t.Field(i).Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if sub, err := objectOf(raw); err == nil && ft.Kind() == reflect.Struct && ft != timeType {
				var baseSub map[string]json.RawMessage
				if onTenant && isObject(base[name]) {
					baseSub, _ = objectOf(base[name])
				}
				checkPatch(sub, ft, baseSub, p, keep, unknown, probs)
			}
		case onTenant || slices.Contains(keep, p):
		default:
			*unknown = append(*unknown, UnknownSetting{Path: p})
		}
	}
}

// mergeObjects applies patch onto base (RFC 7386 without its null): objects on both sides
// merge member by member, anything else in patch replaces base's value. Every value keeps its
// JSON as written; only an object whose members change is written anew, its members in name
// order. Neither map changes.
func mergeObjects(base, patch map[string]json.RawMessage) map[string]json.RawMessage {
	out := maps.Clone(base)
	if out == nil {
		out = map[string]json.RawMessage{}
	}
	for name, raw := range patch {
		if sameJSON(raw, out[name]) {
			continue
		}
		if isObject(raw) && isObject(out[name]) {
			b, errB := objectOf(out[name])
			p, errP := objectOf(raw)
			if errB == nil && errP == nil {
				if merged, err := json.Marshal(mergeObjects(b, p)); err == nil {
					out[name] = merged
					continue
				}
			}
		}
		out[name] = raw
	}
	return out
}

// sameJSON reports whether a and b are the same JSON text, white space aside.
func sameJSON(a, b json.RawMessage) bool {
	if b == nil {
		return false
	}
	var ca, cb bytes.Buffer
	return json.Compact(&ca, a) == nil && json.Compact(&cb, b) == nil && bytes.Equal(ca.Bytes(), cb.Bytes())
}

// allPaths lists the dotted paths of every member of obj, at any depth.
func allPaths(obj map[string]json.RawMessage, path string) []string {
	var out []string
	for name, raw := range obj {
		out = append(out, join(path, name))
		if sub, err := objectOf(raw); err == nil && isObject(raw) {
			out = append(out, allPaths(sub, join(path, name))...)
		}
	}
	return out
}

// flatten maps the dotted path of every non-object value of obj (and of every empty object)
// to its compact JSON.
func flatten(obj map[string]json.RawMessage, path string, out map[string]string) {
	for name, raw := range obj {
		p := join(path, name)
		if sub, err := objectOf(raw); err == nil && isObject(raw) && len(sub) > 0 {
			flatten(sub, p, out)
			continue
		}
		// raw is a member of json.Marshal's output (see diffObjects), valid and compact already:
		// a fallback for JSON that would not compact was removed, as no input reached it.
		out[p] = string(raw)
	}
}

// diffObjects lists the settings whose value differs between two configurations, in path order.
// before and after are objects decoded from json.Marshal's output, whose members are compact.
func diffObjects(before, after map[string]json.RawMessage) []ConfigChange {
	b, a := map[string]string{}, map[string]string{}
	flatten(before, "", b)
	flatten(after, "", a)
	paths := slices.Sorted(maps.Keys(b))
	for p := range a {
		if _, ok := b[p]; !ok {
			paths = append(paths, p)
		}
	}
	slices.Sort(paths)
	var out []ConfigChange
	for _, p := range paths {
		vb, inB := b[p]
		va, inA := a[p]
		if inB && inA && vb == va {
			continue
		}
		c := ConfigChange{Path: p}
		if inB {
			c.Before = json.RawMessage(vb)
		}
		if inA {
			c.After = json.RawMessage(va)
		}
		out = append(out, c)
	}
	return out
}

// closest returns the candidate path nearest to path, judged by the last name of each (case
// ignored, a swap of two neighbouring letters counting as one edit), ties going to a
// candidate in the same object, then to the shorter path; "" when none is within a third of
// the name's length (at least two edits).
func closest(path string, candidates []string) string {
	parent, name := splitPath(path)
	name = strings.ToLower(name)
	best, bestScore := "", -1
	for _, c := range candidates {
		if c == path {
			continue
		}
		cParent, cName := splitPath(c)
		d := editDistance(name, strings.ToLower(cName))
		if d > max(2, len(name)/3) {
			continue
		}
		score := d * 4
		if cParent != parent {
			score += 2
		}
		if bestScore < 0 || score < bestScore || score == bestScore && len(c) < len(best) {
			best, bestScore = c, score
		}
	}
	return best
}

func splitPath(p string) (parent, name string) {
	if i := strings.LastIndexByte(p, '.'); i >= 0 {
		return p[:i], p[i+1:]
	}
	return "", p
}

// editDistance is the optimal string alignment distance between a and b, by runes: insertions,
// deletions, substitutions and swaps of neighbours each cost one.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}
