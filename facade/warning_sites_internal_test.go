package facade

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// A warning's path is grouped by field: every index in brackets is left out, and brackets that
// hold no index (or are not closed) are kept as they are. Guards generalPath's checks and steps.
func TestGeneralPathLeavesOutIndexes(t *testing.T) {
	for in, want := range map[string]string{
		"":                           "",
		"requester.type":             "requester.type",
		"[":                          "[",
		"[3]":                        "[]",
		"approvalDetails[3].comment": "approvalDetails[].comment",
		"a[12][345].b":               "a[][].b",
		"a[0]b[9]":                   "a[]b[]",
		"a[]":                        "a[]",
		"a[x]":                       "a[x]",
		"a[1x]":                      "a[1x]",
		"a[x1]":                      "a[x1]",
		"a[12":                       "a[12",
		"a[1]]":                      "a[]]",
		"m[k].v[2]":                  "m[k].v[]",
	} {
		assert.Equal(t, want, generalPath(in), "generalPath(%q)", in)
	}
}

// The paths of a call's warnings are listed once each, generalised, in the order first seen,
// and at most maxLoggedPaths of them with how many more there were. Guards pathSet.add's check
// of the paths seen, its map and its store, and String's `len(s.order) <= maxLoggedPaths`.
func TestPathSetListsEachPathOnce(t *testing.T) {
	var s pathSet
	for _, p := range []string{"a[1].b", "c", "a[2].b", "c", "d[0]", "a[7].b"} {
		s.add(p)
	}
	assert.Equal(t, "a[].b,c,d[]", s.String())

	var many pathSet
	for i := range 25 {
		many.add(fmt.Sprintf("f%d[%d]", i, i))
		many.add(fmt.Sprintf("f%d[%d]", i, i+1))
	}
	assert.Len(t, many.order, 25)
	assert.Equal(t, "f0[],f1[],f2[],f3[],f4[],f5[],f6[],f7[],f8[],f9[],f10[],f11[],f12[],f13[],f14[],f15[],f16[],f17[],f18[],f19[],… 5 more", many.String())

	// Exactly maxLoggedPaths paths are all named, with no "… 0 more".
	var twenty pathSet
	for i := range maxLoggedPaths {
		twenty.add(fmt.Sprintf("g%d", i))
	}
	assert.Equal(t, strings.Join(twenty.order, ","), twenty.String())
	assert.NotContains(t, twenty.String(), "more")
}

// A summary warning names no place, even when it stands for a single value. Guards
// Warning.String's check of Omitted.
func TestASummaryOfOneValueNamesNoPlace(t *testing.T) {
	w := Warning{Kind: WarningShape, Operation: "listAccessRequestStatus", Item: 3, Problem: "1 more value did not match", Omitted: 1}
	assert.Equal(t, "listAccessRequestStatus: 1 more value did not match", w.String())
	w.Omitted = 0
	assert.Equal(t, "listAccessRequestStatus: item [3]: 1 more value did not match", w.String())
}
