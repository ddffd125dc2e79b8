# The two commands of the README: `make run` and `make test`. Everything else here serves them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed-requirements
AZURITE := .tools/node_modules/.bin/azurite-blob
PORT ?= 8000
PYTEST_ARGS ?=
# The suite runs in parallel processes (pytest-xdist): most slow tests wait on the processes they start, so three
# keep two cores busy. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 3

.PHONY: run test install tools browser lint migrate render-preview

$(INSTALLED): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(INSTALLED)

install: $(INSTALLED)

$(AZURITE):
	npm install --prefix .tools --no-audit --no-fund --loglevel=error azurite@3.35.0

# Headless Chromium for the browser tests, from Debian's packages (Playwright's own download cannot work here),
# and a Korean system font so the dashboard screenshots (test artifacts, docs/) read as a merchant sees them.
browser:
	@{ command -v chromium >/dev/null 2>&1 && fc-list :lang=ko 2>/dev/null | grep -q .; } || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	  else echo "Chromium or a Korean font is missing: install them (Debian: apt-get install chromium fonts-noto-cjk) and run make test again"; exit 1; fi; }

tools: $(AZURITE) browser

migrate: install
	$(BIN)/python manage.py migrate --noinput

run: install migrate
	mkdir -p var
	@# Metrics count from zero with each start (prometheus_client's multiprocess files of the last run).
	rm -rf "$${PROMETHEUS_MULTIPROC_DIR:-$${VAR_DIR:-var}/metrics}"
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py bootstrap_demo --base-url http://localhost:$(PORT)
	@# The demo shop (/demo/store/) serves its product photos from this host: local try-on must fetch loopback.
	SSRF_ALLOW_LOOPBACK=$${SSRF_ALLOW_LOOPBACK:-true} PATH="$(CURDIR)/$(BIN):$$PATH" \
	  $(BIN)/honcho start -f Procfile -p $(PORT)

test: install tools
	$(BIN)/python scripts/test_services.py $(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

render-preview: install
	$(BIN)/python manage.py render_preview --out render-preview
