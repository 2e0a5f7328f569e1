GO ?= go
ORACLE := storage/lance/oracle

.PHONY: build run test oracle bench bench-10m bench-micro fuzz lint
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

# bench compares GenevaSQL with DuckDB (queries) and LanceDB (storage) on
# generated data (bench/, its own module: DuckDB needs cgo), prints one
# report and splices it into docs/performance.md. BENCH_ROWS sets the scale;
# bench-10m is the full run. bench-micro runs the packages' Go benchmarks.
BENCH_ROWS ?= 1000000
BENCH_REPS ?= 5
bench:
	@if [ ! -d bench/lancedb/node_modules/@lancedb/lancedb ]; then \
		(cd bench/lancedb && npm ci --no-audit --no-fund --loglevel=error); fi
	cd bench && $(GO) build -tags duckdb_arrow -o ../bin/genevasql-bench .
	cd bench && ../bin/genevasql-bench -rows $(BENCH_ROWS) -reps $(BENCH_REPS) -out ../docs/performance.md

bench-10m:
	$(MAKE) bench BENCH_ROWS=10000000 BENCH_REPS=3

bench-micro:
	$(GO) test -run '^$$' -bench . -benchmem ./storage/... ./executor/... ./planner/...

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzOpenReader -fuzztime 30s ./storage/lance/format

lint:
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...
