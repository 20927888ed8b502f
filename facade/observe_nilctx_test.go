package facade_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/facade"
)

// Hooks whose OperationStart returns a nil context leave the call its own. Guards
// Client.observe's check of the context OperationStart returned.
func TestAnOperationStartHookThatReturnsNilKeepsTheCallsContext(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.handle("GET /access-request-config", reply(200, e.configBody()))
	done := 0
	c := e.client(facade.WithHooks(facade.Hooks{
		OperationStart: func(context.Context, string) context.Context { return nil },
		OperationDone: func(ctx context.Context, op facade.Operation) {
			assert.NotNil(t, ctx)
			assert.Equal(t, facade.OutcomeSuccess, op.Outcome)
			done++
		},
	}))
	require.NoError(t, getConfig(context.Background(), c))
	assert.Equal(t, 1, done)
}
