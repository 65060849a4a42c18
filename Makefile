# coldtrace — run `make help` for the targets.
SHELL := /bin/bash
BIN := build/coldtrace
HOME_DIR ?= $(if $(COLDTRACE_HOME),$(COLDTRACE_HOME),$(HOME)/.coldtrace)
PROTOC_GEN_GO_VERSION := v1.36.12
GOBIN := $(shell go env GOPATH)/bin
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS := -X github.com/coldtrace/coldtrace/app.Version=$(VERSION)

# GS1's EPCIS JSON schema, kept beside the repository (../shared), checks every export in
# the tests; .ci/run sets it too. Without it the schema tests skip (and fail with CI set).
EPCIS_SCHEMA ?= $(wildcard $(abspath ..)/shared/standards/epcis/EPCIS-JSON-Schema.json)
export EPCIS_SCHEMA

TESTNET_DIR ?= ./testnet-out
TESTNET_VALIDATORS ?= 4
FUZZTIME ?= 30s
FUZZ ?= .

.PHONY: help build run test test-race fuzz fmt lint proto station-js label-font bench profile clean testnet-start testnet-stop test-runbooks test-deploy

help: ## show this help
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## build the coldtrace binary into build/
	go build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/coldtrace

run: build ## build, create $(HOME_DIR) if missing (keyring backend test: unencrypted demo keys), start a single-validator node and its gateway on loopback
	@[ -f "$(HOME_DIR)/config/genesis.json" ] || $(BIN) init --home "$(HOME_DIR)" --keyring-backend test
	$(BIN) start --home "$(HOME_DIR)"

testnet-start: build ## run 4 validators on loopback in the background, in testnet-out/ (testnet/README.md)
	@[ -f "$(TESTNET_DIR)/testnet.json" ] || $(BIN) testnet --validators $(TESTNET_VALIDATORS) --output "$(TESTNET_DIR)"
	@testnet/network.sh start "$(TESTNET_DIR)" $(BIN)
	@COLDTRACE=$(BIN) "$(TESTNET_DIR)/register.sh"

testnet-stop: ## stop every node that testnet-start started (the folder stays; rm -rf it to start over)
	@[ ! -d "$(TESTNET_DIR)" ] || testnet/network.sh stop "$(TESTNET_DIR)"

test: ## run every test (unit, handler, ABCI cycle, real nodes and binary, 4-validator network, headless browser)
	go test -count=1 -timeout 15m ./...

test-runbooks: ## run every command of docs/operations against four local validators (testnet/runbook_test.go)
	go test -count=1 -timeout 10m -run 'TestRunbooks' -v ./testnet/

test-deploy: ## check the systemd unit, the Prometheus alert rules (promtool: apt-get install -y prometheus) and the Grafana dashboard
	go test -count=1 ./deploy/
	go test -count=1 -run 'TestService' ./cmd/coldtrace/

test-race: ## run every test with the race detector
	go test -count=1 -race -timeout 20m ./...

fuzz: ## run every Go fuzz target, one at a time, for FUZZTIME each (default 30s); fails on a finding (.ci/fuzz.sh)
	FUZZTIME='$(FUZZTIME)' FUZZ='$(FUZZ)' .ci/fuzz.sh

fmt: ## format the Go sources
	gofmt -w $$(git ls-files '*.go')

lint: ## gofmt check and go vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); [ -z "$$out" ] || { echo "gofmt needed: $$out"; exit 1; }
	go vet ./...

proto: ## regenerate types/*.pb.go and the scan station's JS from proto/ (needs protoc and npm: apt-get install -y protobuf-compiler npm)
	GOBIN=$(GOBIN) go install google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION)
	PATH="$(GOBIN):$$PATH" protoc -I proto --go_out=. --go_opt=module=github.com/coldtrace/coldtrace proto/coldtrace/v1/*.proto
	cd gateway/station/js && npm ci --no-audit --no-fund && rm -rf gen && mkdir gen && npm run gen
	$(MAKE) station-js

station-js: ## rebuild gateway/station/static/station.js from gateway/station/js (needs npm; the pinned packages come from package-lock.json)
	cd gateway/station/js && npm ci --no-audit --no-fund && npm run build
	@gzip -9 -c gateway/station/static/station.js | wc -c | awk '{printf "station.js: %d bytes gzipped (budget 204800)\n", $$1}'

label-font: ## regenerate label/fonts/NotoSansSC-Labels.ttf and OFL.txt (needs: apt-get install -y fonts-noto-cjk python3-fonttools)
	/usr/bin/python3 label/fonts/mkfont.py label/fonts/NotoSansSC-Labels.ttf

bench: build ## coldtrace side by side with kvstore in turn, on 1 and 4 validators, with ratios; Go benchmarks first (RUNS, DURATION, LOADS, GO_BENCH=0: docs/PERFORMANCE.md)
	bench/standard.sh

profile: build ## CPU and allocation profiles of a node under coldtrace bench (1 and 100 events per tx, 4 validators) into profile-out/ (docs/PERFORMANCE.md)
	bench/profile.sh

clean: ## remove build output
	rm -rf build
