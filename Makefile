# Every target sets up what it needs: a virtual environment in .venv, installed from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-spark check bench lock lint format clean

# The C module of pseudonyms is compiled by the editable install, so its source is a prerequisite.
$(STAMP): pyproject.toml setup.py requirements.lock src/steward/dataplane/_hmac.c
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $(STAMP)

# The demo runs with development settings: it creates logins with published passwords.
demo: $(STAMP)
	STEWARD_DEBUG=true $(BIN)/steward demo

test: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not spark"

# Linkage on Spark (local[2]); needs Java 17.
test-spark: $(STAMP)
	$(BIN)/python -m pytest -m spark

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

check: lint test

bench: $(STAMP)
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

format: $(STAMP)
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Re-resolve exact versions after changing the ranges in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --extra dev --extra spark --strip-extras --no-emit-index-url \
	  --no-emit-find-links -o requirements.lock pyproject.toml

clean:
	rm -rf $(VENV) build src/*.egg-info
