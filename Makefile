GO ?= go
ORACLE := storage/lance/oracle

.PHONY: build run test oracle bench fuzz lint
build:
	$(GO) build -o bin/genevasql ./cmd/genevasql

run:
	$(GO) run ./cmd/genevasql

# oracle installs official LanceDB (pinned) for the interoperability tests;
# without npm they are skipped with a message.
oracle:
	@if command -v npm >/dev/null 2>&1 && [ -f $(ORACLE)/package-lock.json ]; then \
		if [ ! -d $(ORACLE)/node_modules/@lancedb/lancedb ]; then \
			(cd $(ORACLE) && npm ci --no-audit --no-fund --loglevel=error); \
		fi; \
	else echo "npm or $(ORACLE)/package-lock.json missing: LanceDB interop tests will skip"; fi

test: oracle
	$(GO) vet ./...
	$(GO) test -timeout 20m ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./storage/... ./executor/... ./planner/...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzOpenReader -fuzztime 30s ./storage/lance/format

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...
