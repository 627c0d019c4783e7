# Two-command quick start: `make demo` and `make test` each set up .venv first (once).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.test-installed

.PHONY: demo test bench schema clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

# torch==2.13.0 is the oracle of the tests: pinned, so pip takes the local CPU build.
$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]' 'torch==2.13.0'
	touch $@

demo: $(INSTALLED)
	$(BIN)/convcalc analyze specs/alexnet.yaml

test: $(TEST_INSTALLED)
	$(BIN)/python -m pytest

# Timings and memory against PyTorch and torchinfo, in one run on this machine (not tests).
bench: $(TEST_INSTALLED)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test,bench]' 'torch==2.13.0'
	$(BIN)/python benchmarks/bench_analysis.py
	$(BIN)/python benchmarks/bench_conditions.py
	$(BIN)/python benchmarks/bench_executor.py

# Regenerate the shipped JSON Schema after changing a layer type.
schema: $(INSTALLED)
	$(BIN)/convcalc schema -o convcalc.schema.json

clean:
	rm -rf $(VENV)
