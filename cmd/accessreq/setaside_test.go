package main

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/sailkit/accessrequests/facade"
)

// The note about values left out counts the values the library counted but did not keep (a
// summary warning's Omitted), and names each path once, indexes left out, in the order first
// seen.
func TestTheNoteCountsEveryValueLeftOut(t *testing.T) {
	var s setAside
	for i := range 3 {
		s.add(facade.Warning{Operation: "listAccessRequestStatus", Item: i, Path: fmt.Sprintf("approvalIds[%d]", i)})
		s.add(facade.Warning{Operation: "listAccessRequestStatus", Item: i, Path: "clientMetadata.attempt"})
	}
	s.add(facade.Warning{Operation: "listAccessRequestStatus", Item: -1, Omitted: 2000})
	s.add(facade.Warning{Operation: "getAccessRequestConfig", Path: "autoApprovalEnabled"})
	var out bytes.Buffer
	s.note(&out, false)
	assert.Equal(t, "accessreq: note: 2006 values from the server did not match the spec and were left out: "+
		"approvalIds[], clientMetadata.attempt (--debug logs each response)\n", out.String())
}

// BenchmarkTheNotesPaths adds warnings at n distinct paths (clientMetadata's odd values, each
// under its own name). The time per warning stays flat as n grows tenfold: each path is found
// in a set. Before, each was searched for in the list of paths seen: a clientMetadata of 50,000
// odd values took 4.6 to 15.6 s.
func BenchmarkTheNotesPaths(b *testing.B) {
	for _, n := range []int{5000, 50000} {
		warnings := make([]facade.Warning, n)
		for i := range warnings {
			warnings[i] = facade.Warning{Operation: "listAccessRequestStatus", Path: fmt.Sprintf("clientMetadata.key-%d", i)}
		}
		b.Run(fmt.Sprintf("paths=%d", n), func(b *testing.B) {
			for range b.N {
				var s setAside
				for _, w := range warnings {
					s.add(w)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/warning")
		})
	}
}
