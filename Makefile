# Two commands on a fresh machine: `make demo` and `make test`. Both bootstrap .venv first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
ACCOUNTS ?= 2000
# Test worker processes (pytest-xdist); whole files go to one worker, so their module and
# session fixtures are built once per worker. TEST_WORKERS=0 runs in one process.
TEST_WORKERS ?= 2

.PHONY: venv demo test test-fast lint format bench-ingest bench-standardize bench-febrl bench-splink bench-scale clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench,dask]'
	@touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/skiptrace demo --accounts $(ACCOUNTS)

test: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

test-fast: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not integration and not slow"

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	.ci/typecheck

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench-ingest: $(STAMP)
	$(BIN)/python bench/ingest.py

bench-standardize: $(STAMP)
	$(BIN)/python bench/standardize.py

bench-febrl: $(STAMP)
	$(BIN)/python bench/febrl4.py

bench-scale: $(STAMP)
	$(BIN)/python bench/scale.py

clean:
	rm -rf $(VENV) out data .pytest_cache .ruff_cache
