# Everything here needs only Go; tools come from the Go module proxy at pinned versions.
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
OASDIFF     ?= github.com/oasdiff/oasdiff@v1.35.0
SPEC        := spec/access-requests.beta.yaml
SPEC_BASE   ?= HEAD
BENCH       ?= .
FUZZTIME    ?= 20s

.PHONY: all generate check-generate test race lint no-binaries bench demo spec-diff fuzz tidy-check vendor-facts

all: lint test check-generate

## generate: regenerate gen/ from spec/ (run after every spec change)
generate:
	$(GO) generate ./api

## check-generate: fail when gen/ or go.mod differ from what generation and tidy produce
check-generate: generate
	$(GO) mod tidy
	git diff --exit-code -- gen facade/models.gen.go go.mod go.sum
	@test -z "$$(git status --porcelain -- gen facade/models.gen.go go.mod go.sum)" || { git status --porcelain -- gen facade/models.gen.go go.mod go.sum; echo "untracked generated files"; exit 1; }

## test: the whole suite with the race detector
test:
	$(GO) test -race ./...

## lint: no tracked binaries, formatting, vet and staticcheck
lint: no-binaries
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

## no-binaries: fail when git tracks or has staged a binary (build outputs are ignored, never committed)
no-binaries:
	@./.ci/no-binaries

## tidy-check: go.mod and go.sum are tidy
tidy-check:
	$(GO) mod tidy -diff

## bench: every benchmark, with allocations
bench:
	$(GO) test -run '^$$' -bench '$(BENCH)' -benchmem ./...

## fuzz: each fuzz target for FUZZTIME
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## demo: the whole lifecycle against the embedded fake tenant
demo:
	$(GO) run ./cmd/accessreq demo

## vendor-facts: rewrite spec/testdata from the vendor's documents (../shared, or SPEC_REFERENCE and SEED_SDK_PAGE)
vendor-facts:
	$(GO) test ./spec -run '^TestVendorFactsAreCurrent$$' -count=1 -update
	git diff --stat -- spec/testdata

## spec-diff: breaking changes in spec/ against SPEC_BASE (default: the last commit)
spec-diff:
	@tmp=$$(mktemp -d); git show $(SPEC_BASE):$(SPEC) > $$tmp/base.yaml && \
	  $(GO) run $(OASDIFF) breaking $$tmp/base.yaml $(SPEC) --fail-on ERR \
	    --severity-levels .ci/oasdiff-levels.txt; rc=$$?; rm -rf $$tmp; exit $$rc
