package facade

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
)

// GetConfig reads the tenant's access request configuration (getAccessRequestConfig).
//
// Deprecated: the vendor deprecated the beta getAccessRequestConfig operation on 2026-02-26 in
// favour of its v2026 API, which this package does not cover yet. It still answers; use it
// knowing it may be withdrawn, or call the v2026 endpoint through your own client.
func (c *Client) GetConfig(ctx context.Context) (*Config, error) {
	var out Config
	_, err := c.call(ctx, "getAccessRequestConfig", &out, func(ctx context.Context) (*http.Response, error) {
		return c.api.GetAccessRequestConfig(ctx)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// SetConfig replaces the tenant's access request configuration and returns it as stored
// (setAccessRequestConfig). PUT is idempotent, so it is retried like a read. Every boolean is
// sent, false included, so a replaced configuration never keeps a stale true.
//
// Settings the spec does not know, at any depth, travel in the AdditionalProperties of Config
// and its nested settings, as raw JSON, and are sent back byte for byte (insignificant white
// space aside): a Config read with GetConfig, or decoded with encoding/json from the server's
// own JSON, is written back whole. So is a known setting whose value had a shape the spec does
// not give it (GetConfig set it aside there, with a Warning), unless the field has been given
// a non-zero value since; to drop such a value, delete its key.
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
	var out Config
	_, err := c.call(ctx, "setAccessRequestConfig", &out, func(ctx context.Context) (*http.Response, error) {
		return c.api.SetAccessRequestConfig(ctx, cfg)
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
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
