VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip -q --disable-pip-version-check
# two stamps: `make demo` installs what slactl needs to run, `make test` adds the test extras;
# both write the bytecode, as pip does for a wheel (with PYTHONDONTWRITEBYTECODE set, an
# editable install would compile every module again at each run)
RUN_STAMP := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test test-fast lint bench install clean

$(RUN_STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -e .
	$(PY) -m compileall -q src
	touch $@

$(TEST_STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -e '.[test]'
	$(PY) -m compileall -q src
	touch $@ $(RUN_STAMP)

install: $(TEST_STAMP)

demo: $(RUN_STAMP)
	bash examples/demo.sh

test: $(TEST_STAMP)
	$(PY) -m pytest

# the quick loop: no PostgreSQL, no slow end-to-end or property tests
test-fast: $(TEST_STAMP)
	$(PY) -m pytest -m "not slow and not postgres"

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench
	$(VENV)/bin/mypy

# bench_status.py builds the lifecycle ledger (bench/out/life.db) the what-if bar is set on
bench: $(TEST_STAMP)
	$(PY) bench/bench_clock.py
	$(PY) bench/bench_import.py --pg
	$(PY) bench/bench_report.py
	$(PY) bench/bench_status.py
	$(PY) bench/bench_whatif.py --db bench/out/life.db --agreements bench/out/agr-life
	$(PY) bench/bench_dashboard.py

clean:
	rm -rf $(VENV) build dist src/*.egg-info demo.db bench/out
