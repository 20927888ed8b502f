package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/sailkit/accessrequests/fake"
)

// cancelOnWrite cancels a context at its first write: a stop that comes while the output is
// being written.
type cancelOnWrite struct {
	cancel func()
	buf    bytes.Buffer
}

func (c *cancelOnWrite) Write(p []byte) (int, error) {
	c.cancel()
	return c.buf.Write(p)
}

// A stop that comes after every request has ended (here, while the table is written) changes
// nothing: wait exits as the requests ended and lists nothing as pending. Guards runWait's
// check that some request had not ended (`len(ended) < len(ids)`).
func TestAStopAfterEveryRequestEndedChangesNothing(t *testing.T) {
	srv := tenant(t)
	ids := srv.SeedStatuses(1, "id-alice", time.Now())
	require.True(t, srv.Script(ids[0], fake.Step{Outcome: fake.Complete}))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out, errOut := &cancelOnWrite{cancel: cancel}, &bytes.Buffer{}
	a := &app{io: stdio{in: strings.NewReader(""), out: out, err: errOut}, timeout: defaultTimeout, api: newAPIChoice()}
	err := a.runWait(ctx, waitFlags{output: "table", interval: time.Millisecond}, ids)
	require.NoError(t, err, "every request ended: a stop after that changes nothing")
	assert.Empty(t, errOut.String())
	assert.Contains(t, out.buf.String(), ids[0])
	assert.Error(t, ctx.Err(), "the stop came")
}
