# Thammuu: two commands set everything up on a fresh machine.
#   make run   install, fetch + verify the model, index corpus/, serve API + web page on 127.0.0.1:8000
#   make test  same environment; lint, type check, test suite (browser tests included where Chromium exists)
#   make check the edit loop: lint, type check, the tests that need no model, browser, OCR or gazette PDFs
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
APT_PACKAGES := tesseract-ocr tesseract-ocr-vie tesseract-ocr-ben fonts-noto-core chromium chromium-driver
export OMP_WAIT_POLICY ?= passive
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test check install system-deps model index serve lint typecheck pytest bench clean

run: install model index serve

test: install model lint typecheck pytest

# The edit loop: lint, types and every test that needs no model, browser, Tesseract or real gazette PDFs.
check: $(VENV)/.installed lint typecheck
	$(BIN)/pytest -q -m "not model and not browser and not slow and not ocr"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# torch first, from the local CPU wheel: any other torch pulls gigabytes of CUDA packages.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: system-deps $(VENV)/.installed

# OCR, fonts and Chromium from Debian where apt is available (root or sudo); otherwise explain and go on.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	  echo "installing:$$missing"; (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	  || echo "warning: apt-get failed; OCR/browser features may be unavailable"; \
	elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then \
	  sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null \
	  || echo "warning: could not install$$missing"; \
	else echo "note: please install$$missing (OCR, fonts, browser tests) with your package manager"; fi

model: $(VENV)/.installed
	$(BIN)/thammuu models fetch

index: model
	$(BIN)/thammuu index corpus/

serve: index
	$(BIN)/thammuu serve --host $(HOST) --port $(PORT)

lint: $(VENV)/.installed
	$(BIN)/ruff check indexer search_api tests benchmarks
	$(BIN)/ruff format --check indexer search_api tests benchmarks

typecheck: $(VENV)/.installed
	$(BIN)/mypy

pytest: $(VENV)/.installed
	$(BIN)/pytest -q

bench: model
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf var/ .pytest_cache .mypy_cache .ruff_cache
