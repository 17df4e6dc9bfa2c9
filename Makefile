# Two commands do everything on a fresh Debian 12 machine: `make demo` and `make test`.
# uv is bootstrapped into a private venv (.tools/); the project lives in .venv/.
SHELL := /bin/bash
PYTHON ?= python3
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo -n)
APT := $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get -y -q --no-install-recommends
DEMO_PEOPLE ?= 20000
DEMO_SEED ?= 1
DEMO_DIR ?= data/county

export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never
# Installed packages are compiled to bytecode once, at install: where PYTHONDONTWRITEBYTECODE
# is set (as on these machines) nothing else writes it, and every process — each command, each
# spawned linking process — compiled Splink, DuckDB and the rest again (`polestar --help`
# 1.45 s → 0.73 s).
export UV_COMPILE_BYTECODE := 1

.PHONY: demo test test-fast lint env assets system-test-deps clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(BIN)/polestar: $(UV) pyproject.toml uv.lock
	$(UV) sync --frozen --python $(PYTHON)
	@touch $@

env: $(BIN)/polestar

## make assets: the browser libraries, from npm at the versions package-lock.json pins, copied
## (only the files pages load) into the git-ignored src/polestar/web/static/vendor/
VENDOR := src/polestar/web/static/vendor
$(VENDOR)/.stamp: package.json package-lock.json
	@command -v npm >/dev/null || { $(APT) update && $(APT) install nodejs npm; }
	npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR) && mkdir -p $(VENDOR)/leaflet
	cp node_modules/htmx.org/dist/htmx.min.js node_modules/cytoscape/dist/cytoscape.min.js $(VENDOR)/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css \
		node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	@touch $@

assets: $(VENDOR)/.stamp

## make demo: environment, a synthetic county, ingest and link into SQLite, demo users with their
## passwords and API tokens, then serve http://127.0.0.1:8000 (sign in at /sign-in)
demo: env assets
	$(BIN)/polestar generate --people $(DEMO_PEOPLE) --seed $(DEMO_SEED) --out $(DEMO_DIR)
	$(BIN)/polestar ingest $(DEMO_DIR)
	$(BIN)/polestar link
	$(BIN)/polestar demo users
	$(BIN)/polestar serve --host 127.0.0.1 --port 8000

## make test: everything CI runs — lint, types, import contracts, the whole suite on SQLite and
## PostgreSQL, and the Spark engine (the `spark` extra, with a Java runtime)
test: env assets system-test-deps
	$(UV) sync --frozen --python $(PYTHON) --extra spark
	$(MAKE) lint
	scripts/with-postgres $(BIN)/pytest -n 2 --dist loadgroup

## make test-fast: the inner loop — SQLite only, no Spark, no browser
test-fast: env assets
	$(BIN)/pytest -n 2 --dist loadgroup -m "not postgres and not spark and not browser"

lint: env
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

system-test-deps:
	@command -v /usr/lib/postgresql/15/bin/initdb >/dev/null || { $(APT) update && $(APT) install postgresql-15 postgresql-contrib; }
	@command -v java >/dev/null || { $(APT) update && $(APT) install default-jre-headless; }
	@test -x /usr/bin/chromium || { $(APT) update && $(APT) install chromium; }

clean:
	rm -rf $(VENV) $(TOOLS) .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR) test-artifacts
