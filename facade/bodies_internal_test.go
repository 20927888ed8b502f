package facade

import (
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A client keeps two body buffers of up to 1 MiB each for its calls, last in first out; a
// listing keeps every buffer it reads into whatever its size, takes the client's when it has
// none free, and hands them back to the client's (within the client's bounds) when it ends.
// Without a pool (a nil one) nothing is kept and nothing fails. Guards bodies' get, put and
// handTo, each of their checks, and the constants keptBodies and maxKeptBody.
func TestBodyBuffersAreKeptAsPromised(t *testing.T) {
	var none *bodies
	assert.Nil(t, none.get())
	assert.NotPanics(t, func() { none.put(new([]byte)) })

	c, err := New(WithTenant("acme"), WithAccessToken("a-fixed-token"))
	require.NoError(t, err)
	client := c.bodies
	sized := func(n int) *[]byte { b := make([]byte, 0, n); return &b }
	a, b, third := sized(10), sized(1<<20), sized(10)
	client.put(a)
	client.put(b)
	client.put(third)
	assert.Equal(t, []*[]byte{a, b}, client.free, "two kept, one of exactly 1 MiB among them")
	assert.Same(t, b, client.get(), "the last kept is given first")
	client.put(sized(1<<20 + 1))
	client.put(nil)
	assert.Equal(t, []*[]byte{a}, client.free, "a buffer over 1 MiB is left to the collector, nil too")

	l := &bodies{from: client}
	assert.Same(t, a, l.get(), "a listing without a free buffer takes the client's")
	assert.Empty(t, client.free)
	fresh := l.get()
	require.NotNil(t, fresh)
	assert.NotSame(t, a, fresh)
	big := sized(4 << 20)
	for _, buf := range []*[]byte{a, fresh, big} {
		l.put(buf)
	}
	assert.Len(t, l.free, 3, "a listing keeps every buffer, whatever its size")
	assert.Same(t, big, l.get())
	l.put(big)
	l.handTo(client)
	assert.Nil(t, l.free, "a listing that ended keeps nothing")
	assert.Equal(t, []*[]byte{a, fresh}, client.free, "the client takes back what its bounds allow")
}

// A listing's pages in flight share its pool and the client's, each under its lock (run with
// -race). Guards the locks of get and put.
func TestBodyBuffersAreSharedSafely(t *testing.T) {
	client := &bodies{keep: keptBodies}
	l := &bodies{from: client}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for range 200 {
				buf := l.get()
				*buf = append((*buf)[:0], 'x')
				l.put(buf)
				cb := client.get()
				client.put(cb)
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, len(client.free), keptBodies)
}
