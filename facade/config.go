package facade

import (
	"context"
	"fmt"
	"net/http"
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
