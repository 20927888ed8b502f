package facade

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"reflect"
	"slices"
)

// GetConfig reads the tenant's access request configuration (getAccessRequestConfig).
//
// Deprecated: the vendor deprecated the beta getAccessRequestConfig operation on 2026-02-26 in
// favour of its v2026 API, which this package does not cover yet. It still answers; use it
// knowing it may be withdrawn, or call the v2026 endpoint through your own client.
func (c *Client) GetConfig(ctx context.Context) (*Config, error) {
	return c.configCall(ctx, "getAccessRequestConfig", func(ctx context.Context) (*http.Request, error) {
		return newRequest(ctx, http.MethodGet, c.urls.config, nil)
	})
}

// SetConfig replaces the tenant's access request configuration and returns it as stored
// (setAccessRequestConfig). PUT is idempotent, so it is retried like a read. Every boolean is
// sent, false included, so a replaced configuration never keeps a stale true.
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
// favour of its v2026 API, which this package does not cover yet. It still answers; use it
// knowing it may be withdrawn, or call the v2026 endpoint through your own client.
func (c *Client) SetConfig(ctx context.Context, cfg Config) (*Config, error) {
	var p problems
	if n := cfg.ApprovalReminderAndEscalationConfig.MaxReminders; n != nil && *n < 1 {
		p.add("approvalReminderAndEscalationConfig.maxReminders", "must be at least 1, got %d", *n)
	}
	if err := p.err("setAccessRequestConfig"); err != nil {
		return nil, err
	}
	unshadow(reflect.ValueOf(&cfg).Elem())
	body, err := json.Marshal(cfg)
	if err != nil {
		return nil, fmt.Errorf("accessrequests: setAccessRequestConfig: %w", err)
	}
	return c.configCall(ctx, "setAccessRequestConfig", func(ctx context.Context) (*http.Request, error) {
		return newRequest(ctx, http.MethodPut, c.urls.config, body)
	})
}

// configCall runs a configuration operation and reports, as Warnings, the known settings whose
// value the models' own decoder set aside in AdditionalProperties (see setAside).
func (c *Client) configCall(ctx context.Context, op string, build func(context.Context) (*http.Request, error)) (*Config, error) {
	var out Config
	if _, err := c.call(ctx, op, &out, build); err != nil {
		return nil, err
	}
	var warnings []Warning
	if anySetAside(reflect.ValueOf(out)) {
		setAside(reflect.ValueOf(out), "", &warnings)
	}
	for i := range warnings {
		warnings[i].Operation = op
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
// which the vendor has deprecated (see GetConfig).
func (c *Client) UpdateConfig(ctx context.Context, change func(*Config) error) (*Config, error) {
	cfg, err := c.GetConfig(ctx)
	if err != nil {
		return nil, err
	}
	if err := change(cfg); err != nil {
		return nil, fmt.Errorf("accessrequests: update config: %w", err)
	}
	return c.SetConfig(ctx, *cfg)
}

// unshadow removes, at every depth of a configuration, a value kept aside in
// AdditionalProperties under the name of a field the caller has since set: the generated
// encoder writes AdditionalProperties last, so the stale value would override the change.
// Maps are copied, never changed in place: they may be shared with the caller's value.
func unshadow(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() {
			unshadow(v.Elem())
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
