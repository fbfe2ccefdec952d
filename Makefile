# Two commands do all the set-up on a fresh machine:
#   make run   installs, builds the app, migrates, seeds and serves on http://localhost:8000
#   make test  installs and runs every test (pytest on SQLite and PostgreSQL, vitest)
# and one for working on the code:
#   make test-fast  the tests worth running after every change (a few minutes; see below)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# One stamp per install: the app alone (`make run`), with the test extra (`make test`,
# `make lint`), with the bench extra (`make bench`). Each is redone when pyproject.toml
# changes, and each extra's install comes after the app's.
APP_INSTALLED := $(VENV)/.installed-app
TEST_INSTALLED := $(VENV)/.installed-test
BENCH_INSTALLED := $(VENV)/.installed-bench
PWA_DEPS := pwa/node_modules/.installed
# openapi-typescript with its own TypeScript 5 (the app's is 7): makes pwa/src/api/schema.d.ts,
# which tests/unit/test_api_schema_types.py checks.
API_TYPES_DEPS := pwa/tools/openapi-typescript/node_modules/.installed
# tus-js-client, which tests/attachments drives under Node against the tus endpoint.
TUS_JS_DEPS := tests/tus_js/node_modules/.installed
# The local OpenID provider standing in for VNeID (harness/oidc_provider, npm's oidc-provider):
# the identity tests sign in through it, and `make run` starts it in demo mode.
OIDC_PROVIDER_DEPS := harness/oidc_provider/node_modules/.installed
PWA_BUILT := pwa/dist/index.html
PWA_SOURCES := $(shell find pwa/src pwa/public -type f 2>/dev/null) pwa/index.html pwa/vite.config.ts pwa/scripts/apiDocsAssets.mjs pwa/package-lock.json
# The browser tests (tests/e2e) drive Debian's Chromium; `playwright install` cannot download here.
CHROMIUM := /usr/bin/chromium
# The robot check's audio speaks Vietnamese through Debian's espeak-ng.
ESPEAK := /usr/bin/espeak-ng
# The deployment tests (tests/deployment) run Debian's nginx with deploy/nginx/motcua.conf
# in front of three servers; nginx-light is the smallest package that has it.
NGINX := /usr/sbin/nginx
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# Style, import order (ruff) and types (pyright: strict on sync/, basic elsewhere).
.PHONY: run test test-fast lint test-python test-pwa install pwa chromium nginx bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(APP_INSTALLED): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(TEST_INSTALLED): $(APP_INSTALLED)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The bench extra holds the test extra: the benchmarks drive the test helpers.
$(BENCH_INSTALLED): $(TEST_INSTALLED)
	$(BIN)/pip install --quiet -e '.[bench]'
	touch $@

install: $(APP_INSTALLED)

# A no-op once the file exists. Tries with the package lists as they are, and only
# when that fails refreshes them (apt-get update) and tries again.
$(CHROMIUM):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium \
	  || { $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	test -x $@

chromium: $(CHROMIUM)

$(NGINX):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light \
	  || { $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y nginx-light; }
	test -x $@

nginx: $(NGINX)

$(ESPEAK):
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y espeak-ng \
	  || { $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y espeak-ng; }
	test -x $@

$(PWA_DEPS): pwa/package-lock.json
	cd pwa && npm ci --no-audit --no-fund
	touch $@

$(API_TYPES_DEPS): pwa/tools/openapi-typescript/package-lock.json
	cd pwa/tools/openapi-typescript && npm ci --no-audit --no-fund
	touch $@

$(TUS_JS_DEPS): tests/tus_js/package-lock.json
	cd tests/tus_js && npm ci --no-audit --no-fund
	touch $@

$(OIDC_PROVIDER_DEPS): harness/oidc_provider/package-lock.json
	cd harness/oidc_provider && npm ci --no-audit --no-fund
	touch $@

$(PWA_BUILT): $(PWA_DEPS) $(PWA_SOURCES)
	cd pwa && npm run build

pwa: $(PWA_BUILT)

# `make run` is for trying the product: demo mode is on unless MOTCUA_DEMO says otherwise.
run: $(APP_INSTALLED) $(PWA_BUILT) $(ESPEAK) $(OIDC_PROVIDER_DEPS)
	$(BIN)/motcua migrate
	$(BIN)/motcua seed
	$(BIN)/motcua demo
	MOTCUA_DEMO=$${MOTCUA_DEMO:-1} $(BIN)/motcua serve

test: lint test-python test-pwa

# pyright checks bench/ too, against the bench extra's libraries (matplotlib, aiohttp):
# without them it reports their imports as missing.
lint: $(TEST_INSTALLED) $(BENCH_INSTALLED)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/pyright

# Two processes (pytest-xdist) where tests are independent: each has its own databases,
# ports and temporary files. Modules stay whole on one process (--dist loadscope) so a
# module's live server (tests/hostile) starts once. The browser tests run afterwards on
# their own, one at a time: Chromium and the servers it drives time out under the load.
XDIST := -n 2 --dist loadscope

test-python: $(TEST_INSTALLED) $(PWA_BUILT) $(CHROMIUM) $(NGINX) $(ESPEAK) $(TUS_JS_DEPS) $(API_TYPES_DEPS) $(OIDC_PROVIDER_DEPS)
	$(BIN)/python -m pytest -q $(XDIST) -m "not e2e"
	$(BIN)/python -m pytest -q -m e2e

# For development, the most confidence that fits well inside three minutes on two
# cores: every unit, API, sync, attachment, identity, desk, payment, notification and
# integration test (about 1,150) on SQLite, on two processes. They take about 75 s of
# CPU, so roughly a minute on an idle machine (an estimate; measured on a shared one:
# 1.5 min with the load average at 6, 2.5 min at 8 to 14, 3.5 min at 20).
# Left to `make test`: PostgreSQL (the same tests again: several times slower, each test
# clones a database; MOTCUA_TEST_ENGINES=postgres runs that half), the browser (e2e),
# shaped-link and fault (field) and hostile-input suites, and the tests marked slow
# (seconds to minutes each: real server processes, crashes, generated histories).
test-fast: $(TEST_INSTALLED) $(PWA_BUILT) $(NGINX) $(TUS_JS_DEPS) $(API_TYPES_DEPS) $(OIDC_PROVIDER_DEPS)
	MOTCUA_TEST_ENGINES=sqlite $(BIN)/python -m pytest -q -n 2 \
	  -m "not e2e and not field and not hostile and not slow"

test-pwa: $(PWA_DEPS) $(PWA_BUILT)
	cd pwa && npx vitest run && npm run typecheck && npm run budget

bench: $(BENCH_INSTALLED) $(NGINX)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) pwa/node_modules pwa/dist tests/tus_js/node_modules pwa/tools/openapi-typescript/node_modules \
	  harness/oidc_provider/node_modules
