package facade_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/sailkit/accessrequests/facade"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A call with a nil context is refused before anything happens: no hook runs, no token is
// fetched and nothing is sent, with or without WithTimeout (which would otherwise derive a
// context from nil and panic). Guards callWarn's nil check.
func TestANilContextIsRefusedBeforeAnything(t *testing.T) {
	t.Parallel()
	for _, timeout := range []time.Duration{0, time.Minute} {
		e := newEnv(t)
		hooked := 0
		opts := []facade.Option{facade.WithHooks(facade.Hooks{OperationStart: func(ctx context.Context, _ string) context.Context {
			hooked++
			return ctx
		}})}
		if timeout > 0 {
			opts = append(opts, facade.WithTimeout(timeout))
		}
		c := e.client(opts...)
		var ctx context.Context // nil, as a caller's bug would pass it
		_, err := c.GetConfig(ctx)
		require.EqualError(t, err, "accessrequests: "+e.op("getAccessRequestConfig")+": nil context", "timeout %v", timeout)
		assert.Zero(t, hooked, "no hook ran")
		assert.Zero(t, e.calls.Load(), "nothing was sent")
		assert.Zero(t, e.tokens.Load(), "no token was fetched")
	}
}

// New's refusal is ErrInvalidInput and unwraps to what was refused, without the library's
// prefix. Guards configError's Unwrap.
func TestANewRefusalUnwrapsToWhatWasRefused(t *testing.T) {
	_, err := facade.New(facade.WithAccessToken("a-fixed-token"))
	require.ErrorIs(t, err, facade.ErrInvalidInput)
	assert.EqualError(t, err, "accessrequests: no tenant: use WithTenant or WithBaseURL")
	cause := errors.Unwrap(err)
	require.NotNil(t, cause)
	assert.Equal(t, "no tenant: use WithTenant or WithBaseURL", cause.Error())
}
