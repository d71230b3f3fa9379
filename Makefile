# WorkComm. `make run` serves the whole product on embedded defaults;
# `make test` runs every test (Go on SQLite, and PostgreSQL/Redis when they answer).
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)

GO_BUILD_FLAGS := -trimpath -ldflags='-s -w'
FRONTEND_DIST := frontend/dist/workcomm/browser

.PHONY: run build build-server build-frontend test test-go test-frontend lint

run: build
	STATIC_DIR=$${STATIC_DIR:-$(FRONTEND_DIST)} ./bin/workcomm serve

build: build-frontend build-server

build-server:
	CGO_ENABLED=0 go build $(GO_BUILD_FLAGS) -o bin/workcomm .

build-frontend:
	@if [ -f frontend/package.json ]; then cd frontend && npm ci --no-audit --no-fund && npm run build; fi

test: test-go test-frontend

test-go:
	go test -race -count=1 ./...

test-frontend:
	@if [ -f frontend/package.json ]; then cd frontend && npm ci --no-audit --no-fund && npm test; fi

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	go vet ./...
