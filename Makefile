# Two commands do all set-up on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEVSTAMP := $(VENV)/.installed-dev

.PHONY: run test lint bench bench-readme check-questions clean redis-server

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(DEVSTAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(STAMP)

run: $(STAMP)
	$(BIN)/stimulans chat

test: $(DEVSTAMP) redis-server
	$(BIN)/python -m pytest

# The shared-state tests start a real redis-server (Debian package); installed here when missing and
# we are root (CI). Without it those tests skip with the reason.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null); } || \
		echo "redis-server not installed: the Redis tests will be skipped (apt-get install redis-server)"

lint: $(DEVSTAMP)
	$(BIN)/ruff check bot sheets engine config tests benchmarks

bench: $(DEVSTAMP) redis-server
	$(BIN)/python -m benchmarks

# `make bench`, then rewrite the README's bench table (between its bench markers) from that run.
bench-readme: $(DEVSTAMP) redis-server
	$(BIN)/python -m benchmarks --readme README.md

check-questions: $(STAMP)
	$(BIN)/python ../shared/tools/check_questions.py ../shared/questions/public.yaml --show

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
