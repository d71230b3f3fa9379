# WorkComm. `make run` serves the whole product on embedded defaults;
# `make test` runs every test (Go on SQLite, and PostgreSQL/Redis when they answer).
SHELL := /bin/bash
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)

GO_BUILD_FLAGS := -trimpath -ldflags='-s -w'
FRONTEND_DIST := frontend/dist/workcomm/browser

.PHONY: run build build-server build-frontend test test-go test-quick test-frontend test-e2e lint

run: build
	STATIC_DIR=$${STATIC_DIR:-$(FRONTEND_DIST)} ./bin/workcomm serve

build: build-frontend build-server

build-server:
	CGO_ENABLED=0 go build $(GO_BUILD_FLAGS) -o bin/workcomm .

build-frontend:
	@if [ -f frontend/package.json ]; then cd frontend && npm ci --no-audit --no-fund && npm run build; fi

# The frontend is tested and built first: deploy/ serves the build through nginx
# and the e2e demo plays it in Chromium.
test: test-frontend test-go test-e2e

test-frontend:
	cd frontend && npm ci --no-audit --no-fund && npm test && npm run build

# -timeout: faults/ runs its soak for WORKCOMM_SOAK (10m in CI) after its
# fault tests, longer than go test's default 10m per package.
test-go:
	go test -race -count=1 -timeout 40m ./...

# The quick loop while developing: unit and API tests with -short, which
# skips faults/ (and its soak) and deploy/; SQLite only, unless
# TEST_DATABASE_URL / TEST_REDIS_URL name PostgreSQL / Redis. About a minute
# and a half on a 2-core machine; `make test-quick RACE=-race` adds the race
# detector (about two minutes more).
test-quick:
	go test $(RACE) -short -count=1 ./...

test-e2e:
	bash scripts/e2e.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	go vet ./...
