# Helpers of the workflow: run discovery, wildcard constraints, input functions, final outputs.
# Anything longer than a few lines belongs in the library (lib/shinobi_tools), where it is tested.
import os
import shlex
import sys

import pandas as pd
import yaml
from pathlib import Path

# Jobs run `python -m shinobi_tools` from this checkout, also inside --sdm conda environments.
LIB = str(Path(workflow.basedir) / "lib")
sys.path.insert(0, LIB)
shell.prefix(f"export PYTHONPATH={shlex.quote(LIB)}${{{{PYTHONPATH:+:$PYTHONPATH}}}}; ")

from shinobi_tools.naming import find_runs  # noqa: E402
from shinobi_tools.splits import assign_splits, read_explicit_splits  # noqa: E402

def repo_file(path):
    """A path from the config: absolute, or relative to the working directory where it exists there,
    else to this repository (config/*.yaml, resources/)."""
    path = Path(path)
    return str(path) if path.is_absolute() or path.exists() else str(Path(workflow.basedir) / path)


DATASET = Path(config["dataset"])
# DataLad: clone `datalad.source` into `dataset` on first use (names only: content comes per run, fetch.smk).
if config["datalad"]["source"] and not DATASET.exists():
    print(f"Cloning {config['datalad']['source']} into {DATASET} (datalad clone)", file=sys.stderr)
    shell(f"datalad clone {shlex.quote(config['datalad']['source'])} {shlex.quote(str(DATASET))} >&2")
#: Whether the dataset root is a DataLad dataset whose bk2s are fetched per run by fetch.smk (checked once).
DATALAD = config["datalad"]["get"] and (DATASET / ".datalad").is_dir()
RUNS = {run.stem: run for run in find_runs(DATASET)}
RESULTS = "results"
# Splits are a pure function of the run names and the config, so the DAG knows the test runs up front.
SPLITS = assign_splits(
    list(RUNS.values()),
    by=config["split"]["by"],
    fractions=tuple(config["split"]["fractions"]),
    seed=config["split"]["seed"],
    explicit=read_explicit_splits(config["split"]["explicit"]),
)
RUNS_IN = {name: SPLITS.loc[SPLITS["split"] == name, "run"].tolist() for name in ("train", "val", "test")}


def dataset_bk2(wildcards):
    """The dataset's bk2 for one run."""
    return str(DATASET / RUNS[wildcards.run].folder / f"{wildcards.run}.bk2")


def bk2_path(wildcards):
    """The bk2 a run's replay reads: the dataset's file, or in a DataLad dataset the copy fetch_bk2 makes."""
    return f"{RESULTS}/fetch/{wildcards.run}.bk2" if DATALAD else dataset_bk2(wildcards)


def annex_key(wildcards):
    """The git-annex key (content hash) of a run's bk2 in a DataLad dataset: the name its symlink points to."""
    path = Path(dataset_bk2(wildcards))
    return Path(os.readlink(path)).name if path.is_symlink() else ""


#: Per-run final outputs, as templates with `{run}`; each stage file adds its own.
PER_RUN_TARGETS = []
#: Dataset-level final outputs (gathers, evaluation, report).
DATASET_TARGETS = []


def final_outputs():
    """Every final output (the inputs of the `all` target)."""
    return [t.format(run=run) for run in RUNS for t in PER_RUN_TARGETS] + DATASET_TARGETS


wildcard_constraints:
    run=r"sub-[^_/]+_ses-[^_/]+_task-[^_/]+_run-[^_/]+(_level-[^_/]+)?(_rep-[^_/]+)?",
