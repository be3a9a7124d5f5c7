# Set up and run the project. `make demo` runs the workflow on the embedded default dataset,
# `make test` runs the test suite; both create .venv first when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2
# The CPU build of torch goes in first: anything that depends on torch would otherwise pull a CUDA build.
TORCH ?= torch==2.13.0
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: setup demo test test-fast dag clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[workflow,test]"
	touch $(STAMP)

demo: setup
	$(BIN)/snakemake --cores $(CORES) --printshellcmds

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

dag: setup
	mkdir -p results
	$(BIN)/snakemake --rulegraph | dot -Tsvg > results/rulegraph.svg
	$(BIN)/snakemake --dag | dot -Tsvg > results/dag.svg

clean:
	rm -rf results/* .snakemake
