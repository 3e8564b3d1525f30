# deepbook — `make run` to read the course, `make test` to run every test (browser tests included).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check
DEPS := $(VENV)/.deps
TEST_DEPS := $(VENV)/.test-deps
APT_PACKAGES := chromium fonts-dejavu-extra postgresql

.PHONY: install run test lint fmt check bench system-deps clean

$(BIN)/python:
	@$(PY) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "deepbook needs Python 3.11 or newer (found " + sys.version.split()[0] + ")")'
	$(PY) -m venv $(VENV)

# compileall: bytecode for deepbook's own modules, as pip writes for the packages it installs (an
# editable install writes none, and PYTHONDONTWRITEBYTECODE would keep Python from doing it later)
$(DEPS): pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) install --quiet -c requirements.lock -e .
	$(BIN)/python -m compileall -q src >/dev/null
	@touch $@

$(TEST_DEPS): pyproject.toml requirements.lock | $(BIN)/python
	$(PIP) install --quiet -c requirements.lock -e '.[test]'
	$(BIN)/python -m compileall -q src >/dev/null
	@touch $@ $(DEPS)

install: $(DEPS)  ## create .venv and install deepbook with pinned dependencies

run: install  ## serve the course on http://127.0.0.1:8000 and open a browser
	$(BIN)/deepbook serve

# Chromium for the browser tests, a math font for MathML, PostgreSQL for the store tests.
# Installed only when missing and only when we are root on a Debian-like system.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v npm >/dev/null 2>&1 || missing="$$missing npm"; \
	fc-list 2>/dev/null | grep -qi "math" || missing="$$missing fonts-dejavu-extra"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "note: missing$$missing; tests that need them will be skipped with a reason"; \
	  fi; \
	fi

test: $(TEST_DEPS) system-deps  ## set up, then run the whole suite
	$(BIN)/python -m pytest

lint: $(TEST_DEPS)  ## ruff, mypy, codespell
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/codespell src tests bench content docs README.md

fmt: $(TEST_DEPS)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

check: install  ## validate all content
	$(BIN)/deepbook check

bench: $(TEST_DEPS) system-deps  ## speed and size budgets, measured in real Chromium
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info .pytest_cache .mypy_cache .ruff_cache
