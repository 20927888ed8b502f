# Everything here needs only Go; tools come from the Go module proxy at pinned versions.
GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
OASDIFF     ?= github.com/oasdiff/oasdiff@v1.35.0
GREMLINS    ?= github.com/go-gremlins/gremlins/cmd/gremlins@v0.6.0
MUTATE_PKGS ?= facade fake cmd/accessreq
MUTATE_OUT  ?= mutation
MUTATE_ARGS ?=
MUTATE_TOOLS ?= gremlins semantic
MUTATE_SEM_ARGS ?=
SPEC        := spec/access-requests.yaml
SPEC_BASE   ?= HEAD
BENCH       ?= .
FUZZTIME    ?= 20s

.PHONY: all generate check-generate test race lint no-binaries bench demo spec-diff fuzz tidy-check vendor-facts mutate

all: lint test check-generate

## generate: regenerate gen/ from spec/ (run after every spec change)
generate:
	$(GO) generate ./api

## check-generate: fail when gen/ or go.mod differ from what generation and tidy produce
check-generate: generate
	$(GO) mod tidy
	git diff --exit-code -- gen facade/models.gen.go fake/models.gen.go go.mod go.sum
	@test -z "$$(git status --porcelain -- gen facade/models.gen.go fake/models.gen.go go.mod go.sum)" || { git status --porcelain -- gen facade/models.gen.go fake/models.gen.go go.mod go.sum; echo "untracked generated files"; exit 1; }

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

## mutate: mutation testing of each package in MUTATE_PKGS, one at a time, by gremlins and by internal/mutate; reports in MUTATE_OUT/
# Not part of `all` or CI: on 2 cores gremlins takes some three and a half hours for facade, 33
# minutes for cmd/accessreq and about 20 for fake; the semantic pass about two hours for facade
# (see README, "Mutation testing").
# MUTATE_TOOLS picks the tools (default both: `make mutate MUTATE_TOOLS=semantic MUTATE_PKGS=facade`).
#
# gremlins (operator mutants): each package's report is MUTATE_OUT/<pkg>.txt (one line per
# mutant: KILLED, LIVED, NOT COVERED or TIMED OUT, with file:line:column and the mutator; the
# figures at the end) and MUTATE_OUT/<pkg>.json.
# A LIVED mutant is a change no test noticed: kill it with a test, or say in
# <pkg>/testdata/mutants-equivalent.md why it cannot change behaviour. The timeout coefficient
# is generous because the machine is shared: a mutant only counts as TIMED OUT when its run
# takes 10 times the unmutated coverage run (itself a compile and a full run). vet is off and
# symbols are stripped because each mutant recompiles and relinks the test binary: that, not
# the tests, is most of the time. Do not add --test-cpu: v0.6.0 passes it to go test
# as one argument ("-cpu 1"), every run then fails to start, and every mutant reads KILLED.
# gremlins is installed as a binary (not `go run`, which puts Go's own bin first on PATH) so
# that .ci/gremlins-bin/go can stand in for `go`: v0.6.0 gets the import path of a `package main`
# wrong and would otherwise report every mutant of cmd/ as KILLED. -count=1 keeps the unmutated
# run (which sets each mutant's time limit) out of the test cache; the pty tests, which rebuild the
# binary, are left out of cmd/ with the nopty tag (other tests there cover prompt and progress).
# -short runs the 10,000-status deviation matrix at 1,000 (same page boundaries), a third of the
# facade's test time. MUTATE_ARGS passes more flags, e.g. MUTATE_ARGS='--exclude-files ^client' to
# run a package in parts. Mutants in a tagless switch's case expressions read NOT COVERED (gremlins
# cannot map them to coverage blocks): `.ci/mutate-by-hand MUTATE_OUT/<pkg>.txt <pkg>` runs those by hand.
#
# internal/mutate (semantic mutants: statements and calls removed, defers and lock pairs
# dropped, conditions made true or false, branches emptied, arguments swapped, errors returned
# as nil, limits raised): MUTATE_OUT/<pkg>-semantic.txt, one line per mutant (KILLED, LIVED,
# NOT COVERED, TIMED OUT, SKIPPED for one that does not compile, EQUIVALENT for one the
# package's testdata/mutants-equivalent.md explains), then the figures by mutator. Same tags and
# -short as above. Each test first runs alone under coverage; a mutant then meets the quick tests
# that ran its code, then the others that did, each run given 5 times what its tests took alone,
# and with -trust-coverage (set here) it is LIVED when it lives through them: the tests that
# never ran its code are not run (a full run would cost half a minute a survivor on facade).
# MUTATE_SEM_ARGS passes more flags: -files/-exclude-files REGEXP run a package in parts,
# -resume goes on with an interrupted report (same sources only), -rerun REPORT tests again
# that report's survivors after tests were written (and carries its other lines when the code
# is the same, tests aside), -list counts the mutants without running anything.
mutate:
	@mkdir -p $(MUTATE_OUT)
	@case " $(MUTATE_TOOLS) " in *" gremlins "*) GOBIN=$(CURDIR)/.tools $(GO) install $(GREMLINS);; esac
	@case " $(MUTATE_TOOLS) " in *" semantic "*) $(GO) build -o $(CURDIR)/.tools/mutate ./internal/mutate;; esac
	@for p in $(MUTATE_PKGS); do \
	  name=$$(echo $$p | tr / -); \
	  tags=""; semtags=""; case $$p in cmd/*) tags="--tags nopty"; semtags="-tags nopty";; esac; \
	  case " $(MUTATE_TOOLS) " in *" gremlins "*) \
	    echo "== $$p (gremlins) -> $(MUTATE_OUT)/$$name.txt"; \
	    PATH=$(CURDIR)/.ci/gremlins-bin:$$PATH GOFLAGS='-count=1 -short -vet=off -ldflags=-s' \
	      $(CURDIR)/.tools/gremlins unleash ./$$p $$tags --workers 2 --timeout-coefficient 10 $(MUTATE_ARGS) \
	      --output $(MUTATE_OUT)/$$name.json > $(MUTATE_OUT)/$$name.txt 2>&1; \
	    tail -n 8 $(MUTATE_OUT)/$$name.txt;; \
	  esac; \
	  case " $(MUTATE_TOOLS) " in *" semantic "*) \
	    echo "== $$p (semantic) -> $(MUTATE_OUT)/$$name-semantic.txt"; \
	    $(CURDIR)/.tools/mutate $$semtags -workers 2 -trust-coverage -out $(MUTATE_OUT)/$$name-semantic.txt $(MUTATE_SEM_ARGS) ./$$p -- -short > /dev/null; \
	    tail -n 20 $(MUTATE_OUT)/$$name-semantic.txt | sed -n '/^# mutator/,$$p';; \
	  esac; \
	done

## vendor-facts: rewrite spec/testdata from the vendor's documents, both generations (../shared, or SPEC_REFERENCE, SPEC_REFERENCE_V1 and SEED_SDK_PAGE)
vendor-facts:
	$(GO) test ./spec -run '^TestVendorFactsAreCurrent$$' -count=1 -update
	git diff --stat -- spec/testdata

## spec-diff: breaking changes in spec/ against SPEC_BASE (default: the last commit)
# A base from before issue 20 holds the beta alone in spec/access-requests.beta.yaml, with /beta
# in its server URL instead of its paths: its paths are compared with /beta put in front.
spec-diff:
	@tmp=$$(mktemp -d); prefix=""; \
	  if git cat-file -e $(SPEC_BASE):$(SPEC) 2>/dev/null; then git show $(SPEC_BASE):$(SPEC) > $$tmp/base.yaml; \
	  else git show $(SPEC_BASE):spec/access-requests.beta.yaml > $$tmp/base.yaml && prefix="--prefix-base /beta"; fi && \
	  $(GO) run $(OASDIFF) breaking $$tmp/base.yaml $(SPEC) $$prefix --fail-on ERR \
	    --severity-levels .ci/oasdiff-levels.txt; rc=$$?; rm -rf $$tmp; exit $$rc
