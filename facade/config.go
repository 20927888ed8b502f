package facade

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
	"strconv"
)

// GetConfig reads the tenant's access request configuration (getAccessRequestConfig), in the
// beta's shape. On a v1 client it sends nothing and returns an error matching ErrNotInAPI: the
// successor's configuration has its own shape and is read with GetConfigV2.
//
// Deprecated: the vendor deprecated the beta getAccessRequestConfig operation on 2026-02-26 in
// favour of the successor's configuration v2 (GetConfigV2, on a client made with
// WithAPI(APIV1)). It still answers, with X-Deprecated: true, which the client reports once
// (see WarningDeprecated).
func (c *Client) GetConfig(ctx context.Context) (*Config, error) {
	return getConfig[Config](ctx, c, opGetConfig, "GetConfig")
}

// SetConfig replaces the tenant's access request configuration and returns it as stored
// (setAccessRequestConfig), in the beta's shape. PUT is idempotent, so it is retried like a
// read. Every boolean is sent, false included, so a replaced configuration never keeps a stale
// true. On a v1 client it sends nothing and returns an error matching ErrNotInAPI (see
// SetConfigV2).
//
// Settings the spec does not know, at any depth, travel in the AdditionalProperties of Config
// and its nested settings, as raw JSON, and are sent back byte for byte (insignificant white
// space aside): a Config read with GetConfig, or decoded with encoding/json from the server's
// own JSON, is written back whole. So is a known setting whose value had a shape the spec does
// not give it: the models' decoder (encoding/json's as well as GetConfig's) leaves the field
// zero and keeps the value, as sent, in AdditionalProperties under the field's name, and
// GetConfig and SetConfig report it as a Warning. It is sent back unless the field has been
// given a non-zero value since; to drop such a value, delete its key.
//
// Deprecated: the vendor deprecated the beta setAccessRequestConfig operation on 2026-02-26 in
// favour of the successor's configuration v2 (SetConfigV2, on a client made with
// WithAPI(APIV1)). It still answers, with X-Deprecated: true.
func (c *Client) SetConfig(ctx context.Context, cfg Config) (*Config, error) {
	return setConfig(ctx, c, opSetConfig, "SetConfig", cfg, maxRemindersRule)
}

// maxRemindersRule is the one rule of the beta's configuration the spec states: at least one
// reminder before escalation, when a number is given.
func maxRemindersRule(cfg *Config, p *problems) {
	if n := cfg.ApprovalReminderAndEscalationConfig.MaxReminders; n != nil && *n < 1 {
		p.add("approvalReminderAndEscalationConfig.maxReminders", "must be at least 1, got %d", *n)
	}
}

// GetConfigV2 reads the tenant's access request configuration in the successor's shape
// (getAccessRequestConfigV2), the replacement of the beta's deprecated GetConfig. Settings the
// spec does not know are kept as SetConfig describes. On a beta client it sends nothing and
// returns an error matching ErrNotInAPI.
func (c *Client) GetConfigV2(ctx context.Context) (*ConfigV2, error) {
	return getConfig[ConfigV2](ctx, c, opGetConfigV2, "GetConfigV2")
}

// SetConfigV2 replaces the tenant's access request configuration in the successor's shape and
// returns it as stored (setAccessRequestConfigV2). Like SetConfig, it replaces the whole
// configuration, sends every boolean, is retried like a read, and writes back byte for byte
// the settings the spec does not know and the values of another shape that GetConfigV2 kept.
// On a beta client it sends nothing and returns an error matching ErrNotInAPI.
func (c *Client) SetConfigV2(ctx context.Context, cfg ConfigV2) (*ConfigV2, error) {
	return setConfig(ctx, c, opSetConfigV2, "SetConfigV2", cfg, nil)
}

// UpdateConfigV2 reads the configuration in the successor's shape, lets change edit it, and
// writes it back (GetConfigV2, then SetConfigV2). When change returns an error nothing is
// written.
func (c *Client) UpdateConfigV2(ctx context.Context, change func(*ConfigV2) error) (*ConfigV2, error) {
	return updateConfig(ctx, c, opGetConfigV2, opSetConfigV2, "UpdateConfigV2", change, nil)
}

// getConfig reads a configuration of type T through operation o, refusing before anything is
// sent when the client's generation lacks it (method is the facade method called).
func getConfig[T any](ctx context.Context, c *Client, o operation, method string) (*T, error) {
	e, err := c.endpoint(o, method)
	if err != nil {
		return nil, err
	}
	return configCall[T](ctx, c, e.op, func(ctx context.Context) (*http.Request, error) {
		return e.request(ctx, http.MethodGet, e.url, nil)
	})
}

// setConfig writes cfg through operation o after check (when not nil) found no problem.
func setConfig[T any](ctx context.Context, c *Client, o operation, method string, cfg T, check func(*T, *problems)) (*T, error) {
	e, err := c.endpoint(o, method)
	if err != nil {
		return nil, err
	}
	var p problems
	if check != nil {
		check(&cfg, &p)
	}
	if err := p.err(e.op); err != nil {
		return nil, err
	}
	unshadow(reflect.ValueOf(&cfg).Elem())
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("accessrequests: %s: %w", e.op, err)
	}
	return configCall[T](ctx, c, e.op, func(ctx context.Context) (*http.Request, error) {
		return e.request(ctx, http.MethodPut, e.url, body)
	})
}

// updateConfig reads through get, lets change edit, and writes through set.
func updateConfig[T any](ctx context.Context, c *Client, get, set operation, method string, change func(*T) error, check func(*T, *problems)) (*T, error) {
	if _, err := c.endpoint(set, method); err != nil {
		return nil, err
	}
	cfg, err := getConfig[T](ctx, c, get, method)
	if err != nil {
		return nil, err
	}
	if err := change(cfg); err != nil {
		return nil, fmt.Errorf("accessrequests: update config: %w", err)
	}
	return setConfig(ctx, c, set, method, *cfg, check)
}

// configCall runs a configuration operation and reports, as Warnings, the known settings whose
// value the models' own decoder set aside in AdditionalProperties (see setAside).
func configCall[T any](ctx context.Context, c *Client, op string, build func(context.Context) (*http.Request, error)) (*T, error) {
	var out T
	if _, err := c.call(ctx, op, &out, build); err != nil {
		return nil, err
	}
	var warnings []Warning
	if anySetAside(reflect.ValueOf(out)) {
		setAside(reflect.ValueOf(out), "", &warnings)
	}
	for i := range warnings {
		warnings[i].Kind, warnings[i].Operation = WarningShape, op
	}
	c.warnAll(ctx, op, warnings)
	return &out, nil
}

// anySetAside reports whether setAside would find anything, without allocating: a settled
// configuration (unknown settings included) costs no path or sorted list.
func anySetAside(v reflect.Value) bool {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return false
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice {
		for i := range v.Len() {
			if anySetAside(v.Index(i)) {
				return true
			}
		}
		return false
	}
	if v.Kind() != reflect.Struct {
		return false
	}
	f := fieldsOf(v.Type())
	if f.extra >= 0 {
		for name := range v.Field(f.extra).Interface().(map[string]json.RawMessage) {
			if _, known := f.byName[name]; known {
				return true
			}
		}
	}
	for _, i := range f.byName {
		if anySetAside(v.Field(i)) {
			return true
		}
	}
	return false
}

// setAside appends a Warning for every value kept, at any depth of a configuration, in
// AdditionalProperties under the name of a declared field: the generated decoder keeps a
// value there when it does not decode into its field, so that it is written back as sent.
func setAside(v reflect.Value, path string, out *[]Warning) {
	if v.Kind() == reflect.Pointer {
		if v.IsNil() {
			return
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.Slice {
		for i := range v.Len() {
			setAside(v.Index(i), path+"["+strconv.Itoa(i)+"]", out)
		}
		return
	}
	if v.Kind() != reflect.Struct {
		return
	}
	f := fieldsOf(v.Type())
	for _, name := range slices.Sorted(maps.Keys(f.byName)) {
		setAside(v.Field(f.byName[name]), join(path, name), out)
	}
	if f.extra < 0 {
		return
	}
	extra := v.Field(f.extra).Interface().(map[string]json.RawMessage)
	for _, name := range sortedKeys(extra) {
		if i, known := f.byName[name]; known {
			raw := extra[name]
			*out = append(*out, Warning{Item: -1, Path: join(path, name), Raw: raw, Problem: problem(raw, v.Field(i).Type())})
		}
	}
}

// UpdateConfig reads the configuration, lets change edit it, and writes it back. When change
// returns an error nothing is written. It uses the operations behind GetConfig and SetConfig,
// which the vendor has deprecated (see GetConfig) and which a v1 client does not have (see
// UpdateConfigV2).
func (c *Client) UpdateConfig(ctx context.Context, change func(*Config) error) (*Config, error) {
	return updateConfig(ctx, c, opGetConfig, opSetConfig, "UpdateConfig", change, maxRemindersRule)
}

// unshadow removes, at every depth of a configuration (in lists too), a value kept aside in
// AdditionalProperties under the name of a field the caller has since set: the generated
// encoder writes AdditionalProperties last, so the stale value would override the change.
// What a pointer or a list holds is copied, and maps are copied, never changed in place: they
// may be shared with the caller's value.
func unshadow(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		switch {
		case v.IsNil():
		case v.CanSet(): // a field's pointer: what it points to may be the caller's
			cp := reflect.New(v.Type().Elem())
			cp.Elem().Set(v.Elem())
			unshadow(cp.Elem())
			v.Set(cp)
		default: // the pointer unshadow was given: its target is the caller's to change
			unshadow(v.Elem())
		}
	case reflect.Slice:
		if v.Len() > 0 {
			cp := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
			reflect.Copy(cp, v)
			for i := range cp.Len() {
				unshadow(cp.Index(i))
			}
			v.Set(cp)
		}
	case reflect.Struct:
		f := fieldsOf(v.Type())
		for _, i := range f.byName {
			unshadow(v.Field(i))
		}
		if f.extra < 0 || v.Field(f.extra).Len() == 0 {
			return
		}
		extra := v.Field(f.extra)
		kept := reflect.MakeMapWithSize(extra.Type(), extra.Len())
		for it := extra.MapRange(); it.Next(); {
			if i, known := f.byName[it.Key().String()]; known && !v.Field(i).IsZero() {
				continue
			}
			kept.SetMapIndex(it.Key(), it.Value())
		}
		extra.Set(kept)
	}
}
