package facade

import (
	"context"
	"fmt"
	"net/http"

	"github.com/sailkit/accessrequests/gen"
)

// Config is the tenant's access request configuration.
type Config = gen.AccessRequestConfig

// GetConfig reads the tenant's access request configuration (getAccessRequestConfig).
//
// The vendor deprecated this beta operation on 2026-02-26 in favour of its v2026 API; it still
// answers.
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
// (setAccessRequestConfig). PUT is idempotent, so it is retried like a read.
//
// The vendor deprecated this beta operation on 2026-02-26 in favour of its v2026 API.
func (c *Client) SetConfig(ctx context.Context, cfg Config) (*Config, error) {
	var p problems
	if r := cfg.ApprovalReminderAndEscalationConfig; r != nil && r.MaxReminders != nil && *r.MaxReminders < 1 {
		p.add("approvalReminderAndEscalationConfig.maxReminders", "must be at least 1, got %d", *r.MaxReminders)
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
// returns an error nothing is written.
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
