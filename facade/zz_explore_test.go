package facade_test

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/sailkit/accessrequests/facade"
)

func fastAgreesNF(t *testing.T, body []byte) {
	for _, typ := range decodedTypes {
		fast := reflect.New(typ)
		if !facade.FastUnmarshal(body, fast.Interface()) {
			continue
		}
		t.Logf("took %v %q", typ, body)
		std := reflect.New(typ)
		if err := json.Unmarshal(body, std.Interface()); err != nil {
			t.Errorf("into %v fast accepts %q, std: %v", typ, body, err)
			continue
		}
		if !reflect.DeepEqual(fast.Interface(), std.Interface()) {
			t.Errorf("into %v differ on %q:\nfast %#v\nstd  %#v", typ, body, fast.Elem(), std.Elem())
		}
	}
}

func TestZZExplore(t *testing.T) {
	bodies := []string{
		`[{"clientMetadata":{},"id":"a"}]`,
		`[{"approvalIds":[],"id":"a"}]`,
		`[{"clientMetadata":{"k":null},"id":"a"}]`,
		`[{"approvalIds":["a",null],"id":"a"}]`,
		`[{"errorMessages":[[],[null],null,[{}]],"id":"a"}]`,
		`[{"attributesHash":1E2}]`, `[{"attributesHash":1e+2}]`, `[{"attributesHash":-1e2}]`,
		`[{"attributesHash":18446744073709551616}]`, `[{"attributesHash":99999999999999999999999}]`,
		`[{"attributesHash":-9223372036854775809}]`, `[{"attributesHash":1.0}]`, `[{"attributesHash":1.}]`,
		`[{"attributesHash":.5}]`, `[{"attributesHash":+1}]`, `[{"attributesHash":0x10}]`, `[{"attributesHash":NaN}]`,
		`[{"attributesHash":-}]`, `[{"attributesHash":1e}]`, `[{"attributesHash":--1}]`,
		`{"approvalReminderAndEscalationConfig":{"maxReminders":1e1}}`,
		`{"approvalReminderAndEscalationConfig":{"maxReminders":2147483648}}`,
		`[{"zzz":[1,,2],"id":"a"}]`, `[{"zzz":{"a" 1},"id":"a"}]`, `[{"zzz":tru,"id":"a"}]`, `[{"zzz":"\q","id":"a"}]`,
		`[{"zzz":01,"id":"a"}]`, `[{"zzz":1.,"id":"a"}]`, `[{"zzz":-,"id":"a"}]`, `[{"zzz":nul,"id":"a"}]`,
		`[{"zzz":[}],"id":"a"}]`, `[{"zzz":{"a":1,},"id":"a"}]`, `[{"zzz":[1,],"id":"a"}]`, `[{"zzz":"\u12","id":"a"}]`,
		"[{\"zzz\":\"a\x01\",\"id\":\"a\"}]", `[{"zzz":{1:2},"id":"a"}]`,
		`[{"cancelable":tru}]`, `[{"cancelable":nul}]`, `[{"cancelable":TRUE}]`, `[{"id":nul}]`, `[{"id":"\q"}]`, `[{"id":"\U0041"}]`,
		`[{"id":"a",}]`, `[{"id":"a"},]`, `[{,"id":"a"}]`, `[{"id" "a"}]`, `[{"id":"a" "state":"b"}]`,
		"[\f]", "[{\"id\":\"a\"}\v]", "\x00[]", "[]\x00", "[{\"id\":\"a\"}]\n\n", "[{\"id\":\"a\"}] \x00",
		`[{"\u017ftate":"EXECUTING"}]`, `[{"state":"A","STATE":"B"}]`, `[{"STATE":"B","state":"A"}]`,
		`[{"I\u0044":"x"}]`, `[{"id\u0000":"x"}]`, `[{"i\/d":"x"}]`, `[{"id":"a\/b\u00e9\n"}]`,
		`[{"created":"2026-01-02T03:04:05Z","modified":null}]`, `[{"created":null}]`, `[{"created":""}]`,
		`[{"created":"2026-01-02T03:04:05.Z"}]`, `[{"created":"2026-01-02T24:00:00Z"}]`, `[{"created":"2026-01-02 03:04:05Z"}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":null}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":{}}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":"x"}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":[1,2]}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":[1,,2]}}}]`,
		`[{"sodViolationContext":{"violationCheckResult":{"message":tru}}}]`,
		`{"approvalReminderAndEscalationConfig":{"x":[1,,2]}}`,
		`{"approvalReminderAndEscalationConfig":{"x":tru}}`,
		`{"zz":tru}`, `{"zz":[1,,2]}`,
		`{"newRequests":[{"accessRequestIds":["a"],"zz":tru}]}`,
		`{"newRequests":[{"accessRequestIds":{}}]}`,
		`{"newRequests":{}}`,
		`[{"clientMetadata":{"k":1}}]`, `[{"clientMetadata":{"k":"v","k2":tru}}]`,
		`[{"id":"a"},{"id":"b"}`, `[{"id":"a"},{"id":"b"}]]`, `[[]]`, `[1]`, `["x"]`, `[true]`,
		`{"id":"a"}`,
		`{"existingRequests":[{"attributesHash":18446744073709551616,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":9223372036854775808,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":-9223372036854775809,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":99999999999999999999999,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1e2,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1E2,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1.0,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1.5,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":-0,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1e400,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":-0.0,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":2.0e0,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1e-2,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":0.1e1,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":9223372036854775807,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":-9223372036854775808,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":1e18,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":9.223372036854775807e18,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":null,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":"1","id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":true,"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":[],"id":"x"}]}`,
		`{"existingRequests":[{"attributesHash":{},"id":"x"}]}`,
	}
	for _, b := range bodies {
		func() {
			defer func() {
				if r := recover(); r != nil {
					t.Errorf("%s: %v", b, r)
				}
			}()
			fastAgreesNF(t, []byte(b))
		}()
	}
}
