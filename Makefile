# xsell-lab: the two commands a new user needs are `make reports` and `make test`.
# Both create .venv on first use (only python3 >= 3.11 and make are needed) and reuse it after.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PYTHONHASHSEED := 0

.PHONY: help venv reports test test-fast lab data benchmarks clean

help:
	@echo "make reports    run every notebook on the bundled data; executed notebooks and PDFs in reports/"
	@echo "make test       run the whole test suite (unit, notebooks under nbval, browser)"
	@echo "make lab        open JupyterLab on the notebooks"
	@echo "make data       regenerate the bundled synthetic company in data/"
	@echo "make benchmarks time notebooks and methods (not part of the tests)"

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "xsell-lab needs Python >= 3.11, found " + sys.version'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (xsell-lab)" >/dev/null
	touch $(STAMP)

venv: $(STAMP)

reports: $(STAMP)
	$(BIN)/python -m xsell_lab report --all --force --out reports

test: $(STAMP)
	$(BIN)/python -m pytest

test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow and not browser" tests

# JupyterLab refuses to run as root unless told; containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

lab: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(ROOT_FLAG)

data: $(STAMP)
	$(BIN)/python -m xsell_lab.synth --out data

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports/*.ipynb reports/*.pdf .pytest_cache
