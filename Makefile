# The CNN course. Two commands are all a student needs:
#   make lab    set everything up and open JupyterLab on the first lesson
#   make test   set everything up, run the unit and browser tests, execute every lesson, check solved copies
# `make lab` goes through `make setup` (what a student needs), `make test` through
# `make setup-dev` (that plus the test tooling); both are idempotent (seconds the second time).

SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
HOST   ?= 127.0.0.1
PORT   ?= 8888
# PyTorch's OpenMP threads spin while they wait for work. On a laptop that is also
# running a browser (or a shared machine), that spinning starves the other thread and
# small-network training gets many times slower; passive waiting avoids it. It must be
# set before torch is imported, so it is exported to every command (and kernel) here.
export OMP_WAIT_POLICY ?= PASSIVE

# JupyterLab refuses to run as root unless told; containers and CI machines often are root.
ROOT_OK := $(if $(filter 0,$(shell id -u)),--allow-root)
NBVAL  := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

.PHONY: help setup setup-dev data lab test test-unit test-notebooks test-browser bench site solutions grade clean-notebooks clean

help:
	@echo "make lab              set up, then open JupyterLab on notebooks/00_start_here.ipynb ($(HOST):$(PORT))"
	@echo "make test             set up, run the unit and browser tests, then every lesson's solved copy under nbval"
	@echo "make test-unit        the fast unit tests only (no browser, no lesson executed)"
	@echo "make setup            create .venv, install what a student needs, fetch and verify the data"
	@echo "make setup-dev        make setup plus the test tooling (make test does this)"
	@echo "make bench            run the benchmarks (writes build/bench.json)"
	@echo "make site             build the executed course as a static web site in build/site/"
	@echo "make solutions        write solved copies of the lessons to build/solutions/ and execute them"
	@echo "make grade SUBMISSIONS=folder   execute a class's notebooks, re-check every exercise, write build/grades/"
	@echo "make clean-notebooks  strip outputs and execution counts from stored lessons"

setup: $(STAMP) data

# What a student needs (no test tooling). Reinstall only when the declared dependencies change.
# On Linux without an NVIDIA GPU, torch comes from PyTorch's CPU index when it answers
# (tools/torch_index.py; CNN_COURSE_TORCH_INDEX=cuda keeps PyPI's CUDA build).
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $$($(BIN)/python tools/torch_index.py) -e .
	@touch $@

# The student install plus the test tooling (pytest, pytest-xdist, nbval, hypothesis, Playwright).
setup-dev: $(DEV_STAMP) data

$(DEV_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

# Fetches what is missing; otherwise only re-checks the checksums (about a second).
data: $(STAMP)
	$(BIN)/python -m helpers.data fetch

lab: setup
	$(BIN)/jupyter lab --ip=$(HOST) --port=$(PORT) $(ROOT_OK) notebooks/00_start_here.ipynb

# Each lesson runs twice, once per purpose. As the student has it, in a real browser: every
# cell runs without an error and every widget responds. As its solved copy, under nbval:
# the compared outputs match the stored ones and every exercise's reference solution passes
# its check in context. The two copies differ only in the exercise cells, and no compared
# cell depends on an exercise's answer (the stored outputs come from the student's copy).
test: setup-dev test-unit test-browser test-notebooks

# The fast unit tests only (no browser, no lesson executed): about two minutes on two cores.
# They run in one process per core (pytest-xdist), a test file per process at a time, so a
# file's shared fixtures (test_grade's graded class) are built once.
test-unit: setup-dev
	$(BIN)/pytest tests/ -p no:cacheprovider --ignore=tests/browser -n auto --dist loadfile

# The solved copies (tools/make_solutions.py) run under nbval from build/test-notebooks/
# (written afresh each time, so a renamed lesson leaves no stale copy behind), with
# every check logged to CHECK_LOG; the log then fails the run if any check did not pass or
# any exercise went unchecked. While the lessons run, every figure they draw is checked
# too (tools/figure_check.py: text readable at the size shown, nothing overlapping or cut
# off); its report fails on findings.
SOLVED     := build/test-notebooks
CHECK_LOG  := build/solution-checks.jsonl
FIGURE_LOG := build/figure-check.jsonl

test-notebooks: setup-dev
	@mkdir -p build && rm -rf $(FIGURE_LOG) $(CHECK_LOG) $(SOLVED)
	$(BIN)/python -m tools.make_solutions --no-execute --out $(SOLVED)
	CNN_COURSE_CHECK_LOG=$(CURDIR)/$(CHECK_LOG) \
	  PYTHONSTARTUP=$(CURDIR)/tools/figure_check_startup.py CNN_COURSE_FIGURE_LOG=$(CURDIR)/$(FIGURE_LOG) \
	  $(BIN)/pytest $(NBVAL) $(SOLVED)/
	$(BIN)/python -m tools.make_solutions --verify-log $(CHECK_LOG)
	$(BIN)/python -m tools.figure_check report $(FIGURE_LOG) --notebooks $(SOLVED)

bench: setup-dev
	$(BIN)/python -m benchmarks.run

# Solved copies of every lesson in build/solutions/, executed and kept with their outputs (an
# answer key); fails if any check does not pass. `make test` runs the same copies under nbval.
solutions: setup-dev
	$(BIN)/python -m tools.make_solutions

# Grade a class: every submitted notebook executed in a fresh kernel with time limits, every
# exercise re-checked by the course's own checkers; writes build/grades/grades.csv and summary.md.
grade: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder-of-notebooks"; exit 2; }
	$(BIN)/python -m tools.grade "$(SUBMISSIONS)" --out build/grades

clean-notebooks: $(STAMP)
	$(BIN)/python -m tools.nbclean notebooks/*.ipynb

clean:
	rm -rf build .pytest_cache .hypothesis

# ---- browser tests and static site (tests/browser/, tools/build_site.py) ----
# Drives JupyterLab in headless Chromium: every lesson run, every widget exercised.
test-browser: setup-dev
	$(BIN)/pytest tests/browser -p no:cacheprovider

# Execute every lesson and export it to build/site/ (index.html lists the lessons); the
# pages load their scripts from build/site/_static/, fetched once from npm at pinned versions.
site: setup
	$(BIN)/python -m tools.build_site
