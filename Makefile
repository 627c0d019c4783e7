# Two-command quick start: `make demo` and `make test` each set up .venv first (once).
# Both install the versions pinned in constraints.txt; `make test-latest` the newest releases.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := -m pip install --quiet --disable-pip-version-check
INSTALLED := $(VENV)/.installed
TEST_INSTALLED := $(VENV)/.test-installed
# The other Python versions the package claims, each smoke-run from a fresh venv by `make smoke`.
PYENV_VERSIONS ?= $(shell pyenv root 2>/dev/null)/versions
SMOKE_PYTHONS ?= 3.10 3.12 3.13

.PHONY: demo test test-latest smoke bench schema messages clean graphviz browser

$(INSTALLED): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python $(PIP) -c constraints.txt -e .
	touch $@

# torch==2.13.0 is the oracle of the tests: pinned, so pip takes the local CPU build. torchvision's
# model builders are the zoo specs' oracle: --no-deps, so that it cannot pull a CUDA torch.
$(TEST_INSTALLED): $(INSTALLED)
	$(BIN)/python $(PIP) -c constraints.txt -e '.[test]' 'torch==2.13.0'
	$(BIN)/python $(PIP) -c constraints.txt --no-deps torchvision pillow
	touch $@

demo: $(INSTALLED)
	$(BIN)/convcalc analyze specs/alexnet.yaml

# Graphviz's dot draws the pictures of tests/test_draw.py: installed when missing where apt-get can
# (as root on Debian); elsewhere those tests skip, and in CI (CI=true) that skip is a failure.
graphviz:
	@command -v dot >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	    { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz >/dev/null 2>&1 || \
	      { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq graphviz; }; }; } \
	    || echo "Graphviz's dot is missing (apt-get install graphviz): the drawing tests will skip"

test: $(TEST_INSTALLED) graphviz browser
	$(BIN)/python -m pytest

# The report tests open the HTML page in Debian's chromium (driven by playwright, which downloads no
# browser of its own): installed here when missing, as root on Debian; elsewhere the tests skip (and
# fail under CI=true).
browser:
	@command -v chromium >/dev/null || { \
	    if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	    else echo "chromium is missing (apt-get install chromium): the browser tests will skip"; fi; }

# The suite against the newest releases pyproject.toml's ranges admit (torch and torchvision stay the pinned oracle).
test-latest: graphviz browser
	rm -rf .venv-latest
	$(PYTHON) -m venv .venv-latest
	.venv-latest/bin/python $(PIP) --upgrade -e '.[test]' 'torch==2.13.0'
	.venv-latest/bin/python $(PIP) --upgrade --no-deps 'torchvision==0.28.0' pillow
	.venv-latest/bin/python -m pip list --disable-pip-version-check 2>/dev/null | grep -iE '^(click|rich|pydantic|pydantic.core|pyyaml|numpy|pytest|hypothesis) '
	.venv-latest/bin/python -m pytest

# Install (from a wheel, pinned) and run every command on a shipped spec, on each other Python.
smoke:
	@for version in $(SMOKE_PYTHONS); do \
	    python=$$(ls -d $(PYENV_VERSIONS)/$$version.*/bin/python 2>/dev/null | sort -V | tail -n 1); \
	    if [ -z "$$python" ]; then echo "no Python $$version under $(PYENV_VERSIONS)"; exit 1; fi; \
	    scripts/smoke "$$python" || exit 1; \
	done

# Timings and memory against PyTorch and torchinfo, in one run on this machine (not tests).
bench: $(TEST_INSTALLED)
	$(BIN)/python $(PIP) -c constraints.txt -e '.[test,bench]' 'torch==2.13.0'
	$(BIN)/python benchmarks/bench_startup.py
	$(BIN)/python benchmarks/bench_analysis.py
	$(BIN)/python benchmarks/bench_conditions.py
	$(BIN)/python benchmarks/bench_executor.py
	$(BIN)/python benchmarks/bench_onnx_import.py

# Update the command line's Spanish catalogue from the texts it shows today, and compile it (Babel).
messages: $(TEST_INSTALLED)
	$(BIN)/python scripts/messages

# Regenerate the shipped JSON Schema after changing a layer type.
schema: $(INSTALLED)
	$(BIN)/convcalc schema -o convcalc.schema.json --force

clean:
	rm -rf $(VENV) .venv-latest
