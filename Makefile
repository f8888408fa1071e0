# xsell-lab: the two commands a new user needs are `make reports` and `make test`.
# Both create .venv on first use (only python3 >= 3.11 and make are needed) and reuse it after.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
export PYTHONHASHSEED := 0

.PHONY: help venv reports test test-fast test-blas lab reset classroom data benchmarks clean

help:
	@echo "make reports    run every notebook on the bundled data; executed notebooks and PDFs in reports/"
	@echo "make test       run the whole test suite (unit, notebooks under nbval, browser)"
	@echo "make test-blas  re-validate the notebooks under two other OpenBLAS kernels (what CI adds)"
	@echo "make lab        open JupyterLab on the repository, at work/START-HERE.ipynb (learner copies in work/)"
	@echo "make reset      replace the learner copies in work/ with fresh ones (your changes there are lost)"
	@echo "make classroom  a trainer's kit in classroom/: learner and instructor editions, solutions, slides, guide"
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

# Stored notebook outputs must not depend on the CPU's BLAS kernel: re-validate the notebooks
# under the first two of these OpenBLAS kernels that differ from this machine's own choice.
# They are conservative x86-64 kernels (AVX2 or SSE3) that run on any CPU that has them.
BLAS_KERNELS := Haswell Zen Prescott
OTHER_KERNELS := $(wordlist 1,2,$(filter-out $(OPENBLAS_CORETYPE),$(BLAS_KERNELS)))

test-blas: $(STAMP)
	@if [ "$$(uname -m)" != x86_64 ]; then echo "test-blas: OpenBLAS kernel names are x86-64 ones; nothing to do on $$(uname -m)"; exit 0; fi; \
	for kernel in $(OTHER_KERNELS); do \
	  echo "test-blas: notebooks under OPENBLAS_CORETYPE=$$kernel"; \
	  OPENBLAS_CORETYPE=$$kernel $(BIN)/python -m pytest notebooks -q -p no:cacheprovider || exit 1; \
	done

# JupyterLab refuses to run as root unless told; containers often run as root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Learners work on copies in work/ (git-ignored), never on the tracked notebooks; the server's root is
# the repository, so README.md, data/ and examples/ are in the file browser. The copies read ../data.
WORK := work

$(WORK)/START-HERE.ipynb: | $(STAMP)
	$(BIN)/xsell-lab classroom $(WORK) --learner-only

lab: $(STAMP) $(WORK)/START-HERE.ipynb
	$(BIN)/jupyter lab --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/$(WORK)/START-HERE.ipynb $(ROOT_FLAG)

reset: $(STAMP)
	$(BIN)/xsell-lab classroom $(WORK) --learner-only --force

classroom: $(STAMP)
	$(BIN)/xsell-lab classroom classroom --force

data: $(STAMP)
	$(BIN)/python -m xsell_lab.synth --out data

benchmarks: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) reports/*.ipynb reports/*.pdf .pytest_cache classroom
