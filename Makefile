GO ?= go

.PHONY: build run test bench fuzz lint
build:
	$(GO) build -o bin/genevasql ./cmd/genevasql

run: build
	./bin/genevasql

test:
	$(GO) test ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

fuzz:
	$(GO) test -run '^$$' -fuzz . -fuzztime 30s ./storage/lance/format

lint:
	gofmt -l . && $(GO) vet ./...
