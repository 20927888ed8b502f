package facade

import (
	"encoding/json"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
)

// TestTheFastDecoderAgreesWhileGoroutinesDecodeOtherTypesAtOnce: the fast decoder keeps
// per-call state in pools and caches of decoders by type; goroutines decoding different types,
// well-formed and malformed bodies interleaved, each get encoding/json's value.
func TestTheFastDecoderAgreesWhileGoroutinesDecodeOtherTypesAtOnce(t *testing.T) {
	types := []reflect.Type{reflect.TypeFor[[]Status](), reflect.TypeFor[Config](), reflect.TypeFor[CreateResult]()}
	type job struct {
		typ  reflect.Type
		body []byte
		want reflect.Value
	}
	var jobs []job
	for i, typ := range types {
		for seed := range 4 {
			b, err := json.Marshal(fullBody(typ, 10*i+seed, 0))
			if err != nil {
				t.Fatal(err)
			}
			for _, body := range [][]byte{b, b[:len(b)/2]} { // whole, and cut short
				want := reflect.New(typ)
				if json.Unmarshal(body, want.Interface()) != nil {
					want = reflect.Value{}
				}
				jobs = append(jobs, job{typ, body, want})
			}
		}
	}
	n := 300
	if testing.Short() {
		n = 30
	}
	var wg sync.WaitGroup
	var took atomic.Int64
	errs := make(chan string, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range n {
				j := jobs[(g*7+i*(g+1))%len(jobs)]
				got := reflect.New(j.typ)
				ok := fastUnmarshal(j.body, got.Interface())
				if ok {
					took.Add(1)
				}
				switch {
				case ok && !j.want.IsValid():
					errs <- "the fast decoder took a body encoding/json refuses: " + string(j.body[:min(80, len(j.body))])
					return
				case ok && !reflect.DeepEqual(got.Interface(), j.want.Interface()):
					errs <- "the fast decoder gave another value for " + j.typ.String()
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if took.Load() == 0 {
		t.Fatal("the fast decoder took no body: nothing was compared")
	}
}
