# The two commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
# A static editable install (a path in site-packages, not an import hook), so that mypy --strict
# and other static tools find the package from a script anywhere (docs/notebook.md).
EDITABLE := --config-settings editable_mode=compat
MAPPINGS := $(shell find examples -name '*.mapping.yaml' 2>/dev/null | sort)
RULES  := $(shell find rules examples tests/rulefiles/valid -name '*.yaml' -not -name '*.mapping.yaml' 2>/dev/null | sort)

.PHONY: demo test lint format typecheck check-rules pytest cov complexity browser install install-dev bench bench-durable-env clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml Makefile
	$(BIN)/python -m pip install --quiet $(EDITABLE) -e .
	touch $@

$(STAMP): $(BIN)/python pyproject.toml Makefile
	$(BIN)/python -m pip install --quiet $(EDITABLE) -e '.[dev]'
	touch $(STAMP) $(VENV)/.installed

install: $(VENV)/.installed

install-dev: $(STAMP)

demo: install
	$(BIN)/contract-rules eval rules/tacheng_2024.yaml examples/tacheng_events_2025.jsonl --as-of 2025-12-31T00:00:00+08:00

# ruff, then the import direction (layers in pyproject.toml; docs/architecture.md draws them).
lint: install-dev
	$(BIN)/ruff check contract_rules tests benchmarks examples
	$(BIN)/ruff format --check contract_rules tests benchmarks examples
	$(BIN)/lint-imports --no-cache

# Rewrites the sources in place: ruff's fixes (imports sorted, unused ones dropped), then its format.
format: install-dev
	$(BIN)/ruff check --fix contract_rules tests benchmarks examples
	$(BIN)/ruff format contract_rules tests benchmarks examples

typecheck: install-dev
	$(BIN)/mypy contract_rules

check-rules: install-dev
	$(BIN)/contract-rules check --strict $(RULES) $(MAPPINGS)
	$(BIN)/contract-rules test $(RULES)

pytest: install-dev browser
	$(BIN)/python -m pytest

# Headless Chromium and a Chinese font for the browser test of the HTML report
# (tests/test_html_report.py). Nothing to do when both are present; installed from Debian with
# apt-get (as root, or through passwordless sudo) when missing. It never fails the build: where
# apt-get is unavailable the browser test is skipped and says why.
CHROMIUM ?= /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-wqy-microhei
browser:
	@if [ -x $(CHROMIUM) ] && fc-list :lang=zh family 2>/dev/null | grep -q .; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO="sudo -n"; \
	else echo "browser: not root and no sudo; the browser test will be skipped"; exit 0; fi; \
	if ! command -v apt-get >/dev/null 2>&1; then \
	  echo "browser: no apt-get here; the browser test will be skipped"; exit 0; fi; \
	echo "browser: installing $(BROWSER_PACKAGES) with apt-get"; \
	export DEBIAN_FRONTEND=noninteractive; APT="$$SUDO apt-get -q -y -o DPkg::Lock::Timeout=600"; \
	$$APT install --no-install-recommends $(BROWSER_PACKAGES) >/dev/null \
	  || { $$APT update >/dev/null && $$APT install --no-install-recommends $(BROWSER_PACKAGES) >/dev/null; } \
	  || echo "browser: apt-get could not install $(BROWSER_PACKAGES); the browser test will be skipped"

test: lint typecheck check-rules pytest

# The test suite under coverage; prints the report (statements and branches of contract_rules).
# The report is printed even when a test fails; the exit code is pytest's. (Tracing slows the
# loader's time-budget tests in test_loader_hostile.py; on a busy machine they may fail here
# although `make test` passes.)
cov: install-dev
	$(BIN)/python -m coverage run -m pytest; status=$$?; $(BIN)/python -m coverage report; exit $$status

# Cyclomatic complexity of every function ranked C or worse (over 10); see CONTRIBUTING.md.
complexity: install-dev
	$(BIN)/radon cc -s -n C contract_rules

$(VENV)/.installed-bench: $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet $(EDITABLE) -e '.[dev,bench]'
	touch $@

bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.bench_calendar
	$(BIN)/python -m benchmarks.bench_engine

# durable_rules is compared in its own environment, never installed into the package's.
bench-durable-env:
	$(PYTHON) -m venv benchmarks/.venv-durable
	benchmarks/.venv-durable/bin/python -m pip install --quiet durable_rules==2.0.28

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .pytest_cache .ruff_cache .coverage
