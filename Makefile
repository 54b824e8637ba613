# Two commands from nothing but Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium
PORT ?= 5006

.PHONY: install demo test check lint format lab bench chromium clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# BERTopic's documented lightweight install: the package without its declared dependencies
# (which pull sentence-transformers and torch); its light dependencies come from pyproject.toml.
$(STAMP): pyproject.toml | $(PY)
	$(PIP) install --quiet --no-deps "bertopic>=0.17"
	$(PIP) install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
chromium:
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }

# Serve the dashboard on the demo logs; promoted configs go to ./configs (git-ignored).
demo: install
	@mkdir -p configs && cp -rn data/configs/. configs/
	$(VENV)/bin/workbench serve --data-dir data --config-dir configs --port $(PORT)

lint: install
	$(PY) notebooks/_strip.py
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

test: install chromium
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) -m pytest

# The fast unit tests (no browser, notebooks, Dask clusters or slow integration tests): under
# 2 minutes. `make test` still runs everything.
check: install
	$(PY) -m pytest -m "not ui and not notebook and not cluster and not slow"

# JupyterLab refuses to run as root without --allow-root (containers, CI machines).
lab: install
	$(VENV)/bin/jupyter lab notebooks/ $$( [ "$$(id -u)" = 0 ] && echo --allow-root )

bench: install
	for f in benchmarks/bench_*.py; do $(PY) $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .workbench-cache
