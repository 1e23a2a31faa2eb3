# Backprop, Step by Step. Two commands do all the set-up on a fresh machine:
#   make book   create .venv, install everything, build the book into _build/html
#   make test   the same set-up if needed, then the linter and the whole test suite
# While working: make check (the linter and the fast tests, under two minutes).
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
STAMP := $(VENV)/.installed
# nbgrader starts `alembic` by name, so the venv's bin must be on PATH.
export PATH := $(BIN):$(PATH)
export PYTHONDONTWRITEBYTECODE := 1
export MPLBACKEND := Agg

.PHONY: help venv book test check lint format lab bench grade lock clean browser sandbox

help:
	@echo "make book   build the book into _build/html (sets everything up first)"
	@echo "make test   run the linter and the whole test suite (sets everything up first)"
	@echo "make check  the linter and the fast tests: no browser, no book build, no class graded"
	@echo "make format format the code with ruff"
	@echo "make lab    open JupyterLab on the course"
	@echo "make grade  grade a generated demo class end to end"
	@echo "make bench  run the benchmarks (installs PyTorch for comparison)"
	@echo "make lock   re-resolve requirements.in into requirements.lock"
	@echo "make clean  remove the build, caches and the virtual environment"

# --- set-up -------------------------------------------------------------------
venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $@

# Debian's Chromium for the browser tests (Playwright drives it; no browser download).
browser:
	@command -v chromium >/dev/null || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# Debian's bubblewrap: `course autograde` runs learners' code in it (no network, private files).
sandbox:
	@command -v bwrap >/dev/null || { \
	  echo "Installing Debian's bubblewrap for the grading sandbox"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

# --- the book -----------------------------------------------------------------
book: $(STAMP)
	$(BIN)/python -m tools.book_assignments
	$(BIN)/python -m tools.execute_chapters   # run the notebooks one per core, into the build's cache
	$(BIN)/jupyter-book build . --builder html --warningiserror --keep-going --quiet
	@echo "The book is in _build/html/index.html"

# --- tests --------------------------------------------------------------------
test: $(STAMP) lint browser sandbox book
	$(BIN)/python -m pytest -n 2 --dist loadgroup

# The fast loop while working: everything that needs no browser, no built book and no whole class.
check: $(STAMP) lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup -m "not browser and not book and not grading"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# --- learners and instructors -------------------------------------------------
# (--allow-root only when run as root, e.g. in a container: Jupyter refuses root otherwise)
lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=$(CURDIR) $(if $(filter 0,$(shell id -u)),--allow-root)

grade: $(STAMP)
	$(BIN)/python -m tools.demo_class

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	$(BIN)/python bench/run_all.py

# --- maintenance --------------------------------------------------------------
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -r requirements.in
	{ echo "# Exact versions for the whole course (Python 3.11). Regenerate with \`make lock\`."; \
	  echo "# Installed by \`make\` into .venv; benchmark-only extras are in requirements-bench.txt."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable; } > requirements.lock
	rm -rf .lock-venv

clean:
	rm -rf _build $(VENV) .pytest_cache .hypothesis build *.egg-info chapters/assignments
	find . -name __pycache__ -prune -exec rm -rf {} +
