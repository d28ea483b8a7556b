# The two commands a new machine needs:  make demo  and  make test
# (Debian/Ubuntu; run as root or with sudo available for the browser packages).

PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Installed versions are locked: what passed in CI is what a new user gets (`make lock` upgrades).
LOCK := requirements.lock
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | cksum | cut -d' ' -f1)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
PORT ?= 8000

.PHONY: demo test test-pg lint pytest screenshots system-deps install lock clean messages

$(STAMP): pyproject.toml $(LOCK)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c $(LOCK) -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# The compiled English catalogue is built here, never committed (Babel versions write
# different bytes for the same catalogue).
MO := checkin/translations/en/LC_MESSAGES/messages.mo
$(MO): checkin/translations/en/LC_MESSAGES/messages.po $(STAMP)
	$(BIN)/pybabel compile -d checkin/translations -l en

install: $(STAMP) $(MO)

## Upgrade the locked versions: the newest that pyproject.toml allows, resolved in a fresh
## virtualenv, frozen into requirements.lock. Then run `make test` and commit the lock.
lock:
	rm -rf $(VENV)-lock
	$(PY) -m venv $(VENV)-lock
	$(VENV)-lock/bin/pip install -q --upgrade pip
	$(VENV)-lock/bin/pip install -q -e '.[dev]'
	{ sed -n '/^#/p' $(LOCK); $(VENV)-lock/bin/pip freeze --exclude-editable; } > $(LOCK).new
	mv $(LOCK).new $(LOCK)
	rm -rf $(VENV)-lock

## Run the service with demo data on SQLite at http://127.0.0.1:8000 (make demo PORT=8080):
## the web server, the scheduler and a local mail sink writing to instance/mail/.
demo: install
	$(BIN)/checkin init-db
	$(BIN)/checkin demo --port $(PORT)

## Lint, type-check and run every test (SQLite; set CHECKIN_TEST_DATABASE_URL for PostgreSQL)
test: install system-deps node_modules/axe-core lint pytest

# axe-core (from the npm registry) checks the pages' accessibility in the browser tests.
node_modules/axe-core: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

test-pg:
	CHECKIN_TEST_DATABASE_URL=$(PG_TEST_URL) $(MAKE) test

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

pytest: install
	$(BIN)/pytest -q

# Browser tests use Debian's chromium (Playwright's own download is not used) and CJK fonts;
# the documents' PDFs use WeasyPrint, which needs Pango.
system-deps:
	@if ! command -v chromium >/dev/null || ! fc-list 2>/dev/null | grep -q "Noto Sans CJK" \
		|| ! ldconfig -p | grep -q libpangoft2-1.0 || ! ldconfig -p | grep -q libharfbuzz-subset; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 >/dev/null; \
	fi

## Refresh the screenshots in docs/screenshots from the browser tests
screenshots: install system-deps node_modules/axe-core
	CHECKIN_SCREENSHOT_DIR=docs/screenshots $(BIN)/pytest -q -m browser

## Extract the strings to translate (babel.cfg) into the English catalogue, then compile it.
## Translate the new empty msgstr in checkin/translations/en/LC_MESSAGES/messages.po and run
## it again; `make` compiles the .mo (not committed; a test checks it matches the .po).
POT := $(VENV)/messages.pot
PO := checkin/translations/en/LC_MESSAGES/messages.po
messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k _nl:1,2 --add-location=file \
		--sort-by-file --no-wrap --project=checkin -o $(POT) .
	@if [ -f $(PO) ]; then \
		$(BIN)/pybabel update -i $(POT) -d checkin/translations -l en \
			--no-fuzzy-matching --ignore-obsolete --no-wrap; \
	else \
		$(BIN)/pybabel init -i $(POT) -d checkin/translations -l en --no-wrap; \
	fi
	$(BIN)/pybabel compile -d checkin/translations -l en --statistics

clean:
	rm -rf $(VENV) $(VENV)-lock instance .pytest_cache .mypy_cache .ruff_cache
