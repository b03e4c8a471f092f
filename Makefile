# sashell: `make run` opens the TUI on the embedded model; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Hash of the dependency spec: the venv is reinstalled only when pyproject.toml changes.
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install install-train run test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	@echo "installing sashell and its dev extra into $(VENV) (the first llama.cpp build takes ~5-10 min)"
	$(BIN)/python -m pip install -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

TRAIN_STAMP := $(VENV)/.train-$(shell cksum pyproject.toml | cut -d' ' -f1)

$(TRAIN_STAMP): $(STAMP)
	@echo "installing the train extra (torch==2.13.0 CPU, peft, transformers, gguf)"
	$(BIN)/python -m pip install -e '.[dev,train]'
	rm -f $(VENV)/.train-*
	touch $(TRAIN_STAMP)

install: $(STAMP)

install-train: $(TRAIN_STAMP)

run: install
	$(BIN)/sashell

# The contracts are checked by tools: ruff, import-linter (core is headless and layered, see
# pyproject.toml) and mypy --strict on src/sashell/core.
LINT = $(BIN)/ruff check src tests bench scripts && $(BIN)/lint-imports && $(BIN)/mypy

test: install-train
	$(LINT)
	$(BIN)/python -m pytest -q

lint: install
	$(LINT)

bench: install
	$(BIN)/python bench/stream.py
	$(BIN)/python bench/prompt_cache.py
	$(BIN)/python bench/annotate.py
	$(BIN)/python bench/replay.py
	$(BIN)/python bench/sweep.py
	$(BIN)/python bench/tui.py

clean:
	rm -rf $(VENV) .pytest_cache
