# The two commands of README.md: `make run` and `make test`. Everything else is their plumbing.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
AXE := tests/e2e/node_modules/axe-core/axe.min.js
export FLASK_APP := app

.PHONY: run test lint typecheck test-sqlite test-postgres translations extract-messages system-run system-test fonts

## make run: install everything, migrate the SQLite database, load demo data, serve with gunicorn
## next to the task queue's worker (scripts/serve.sh stops both together).
## PUBLIC_BASE_URL (the address printed in QR codes, badges, LTI and xAPI identifiers) is the local
## one unless set; the app refuses to start without it outside development.
run: export PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: system-run $(VENV)/.installed translations fonts
	$(BIN)/flask db upgrade
	$(BIN)/flask courses load
	$(BIN)/flask demo load
	@echo "Serving on http://127.0.0.1:$(PORT) (Ctrl+C to stop)"
	BIN=$(BIN) PORT=$(PORT) exec scripts/serve.sh  # gunicorn and the task worker, stopped together

## make test: install what tests need, lint, type-check, then the whole suite on SQLite and on PostgreSQL.
test: system-test $(VENV)/.installed translations fonts $(AXE) lint typecheck test-sqlite test-postgres

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

## mypy over the application packages listed in pyproject.toml ([tool.mypy] files).
typecheck: $(VENV)/.installed
	$(BIN)/mypy

test-sqlite: $(VENV)/.installed translations
	$(BIN)/pytest -p no:cacheprovider

test-postgres: $(VENV)/.installed translations
	scripts/with-postgres.sh $(BIN)/pytest -p no:cacheprovider

system-run:
	scripts/install-system-packages.sh run

system-test:
	scripts/install-system-packages.sh test

## Test-only: axe-core, which the browser tests inject into pages (tests/e2e/package-lock.json).
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --no-audit --no-fund --loglevel=error
	touch $@

## The Chinese fonts of the certificates, derived once from the installed Noto Sans CJK (~2 min).
CJK_FONTS := build/fonts/NotoSansCJKscTT-Regular.ttf build/fonts/NotoSansCJKscCommon-Regular.ttf \
	build/fonts/NotoSansCJKscCommon-Bold.ttf
fonts: $(CJK_FONTS)

$(CJK_FONTS) &: scripts/build-cjk-font.py | $(VENV)/.installed
	$(BIN)/python scripts/build-cjk-font.py build/fonts

$(VENV)/.installed: requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	touch $@

translations: $(VENV)/.installed
	$(BIN)/pybabel compile --statistics -d lms/translations 2>&1 | grep -v '^$$' || true
	@ls lms/translations/*/LC_MESSAGES/messages.mo > /dev/null

## For developers: refresh messages.pot and merge new strings into every catalog.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o lms/translations/messages.pot --no-location --sort-output \
		app.py lms accounts courses assessments studio certificates cohorts lti xapi badges api templates
	$(BIN)/pybabel update -i lms/translations/messages.pot -d lms/translations --no-fuzzy-matching --ignore-obsolete

## For developers: regenerate the lock file from pyproject.toml.
lock: $(VENV)/.installed
	$(BIN)/uv pip compile pyproject.toml --extra dev -o requirements.lock

## For developers: the load-benchmark tools (locust) on top of the locked dependencies.
bench-deps: $(VENV)/.installed
	$(BIN)/uv pip install --python $(BIN)/python -r requirements-bench.lock
